"""Finding the passages that may answer a question: dense + BM25, fused, de-duplicated, reranked.

Dense search finds paraphrases; BM25 finds exact rare terms (names, numbers) that a small
embedding model blurs. Reciprocal-rank fusion combines the two without calibrating their
scores against each other. Wire copies of one story (the same text under several outlets) are
collapsed so that one story cannot fill every citation slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from chatbot.answering.rerank import Reranker
from index.embedding import Embedder
from index.store.chroma import ChromaStore
from index.store.keyword import KeywordIndex
from index.store.records import Passage
from index.store.search_filter import SearchFilter

RetrievalMode = Literal["dense", "hybrid"]

# Passages this alike (cosine of their embeddings) from different articles are one story.
_WIRE_COPY_SIMILARITY = 0.97
_FIGURES = re.compile(r"\d[\d.,:]*")


@dataclass
class Retriever:
    """Hybrid retrieval over the Chroma store and the keyword index."""

    store: ChromaStore
    embedder: Embedder
    keywords: KeywordIndex | None = None
    reranker: Reranker | None = None
    mode: RetrievalMode = "hybrid"
    candidates: int = 40
    rrf_k: int = 60

    def retrieve(self, question: str, limit: int, search_filter: SearchFilter | None = None,
                 ) -> list[Passage]:
        """The ``limit`` best passages for ``question``, best first."""
        # After reranking, so the copy kept is the best by every signal (recency included).
        return collapse_wire_copies(self.ranked(question, search_filter))[:limit]

    def ranked(self, question: str, search_filter: SearchFilter | None = None,
               ) -> list[Passage]:
        """Every candidate, reranked, wire copies included: a story's timeline counts the
        outlets that carried a report, which collapsing copies would hide."""
        fused = self.fused(question, search_filter)
        if self.reranker is not None:
            fused = self.reranker.rerank(question, fused, search_filter)
        return fused

    def fused(self, question: str, search_filter: SearchFilter | None = None,
              ) -> list[Passage]:
        """Every fused candidate (dense + BM25) before reranking, with its scores: what a
        ranker is fitted on."""
        query_vector = self.embedder.embed_query(question)
        # Versions are checked once, after fusion: one store read instead of one per list.
        dense = self.store.query(query_vector, self.candidates, search_filter,
                                 current_only=False)
        ranked_lists = [dense]
        if self.mode == "hybrid" and self.keywords is not None:
            hits = self.keywords.search(question, self.candidates, search_filter)
            keyword_passages = self.store.get_passages([h.passage_id for h in hits],
                                                       current_only=False)
            scores = {h.passage_id: h.score for h in hits}
            for passage in keyword_passages:
                passage.scores["bm25"] = scores[passage.id]
            ranked_lists.append(keyword_passages)
        fused = self.store.keep_current(reciprocal_rank_fusion(ranked_lists, self.rrf_k))
        for passage in fused:
            if "dense" not in passage.scores and passage.vector is not None:
                passage.scores["dense"] = float(passage.vector @ query_vector)
        return fused


def reciprocal_rank_fusion(ranked_lists: list[list[Passage]], k: int = 60) -> list[Passage]:
    """Merge ranked lists: each passage scores sum(1 / (k + rank)) over the lists it is in."""
    merged: dict[str, Passage] = {}
    for ranked in ranked_lists:
        for rank, passage in enumerate(ranked, start=1):
            kept = merged.setdefault(passage.id, passage)
            if kept is not passage:
                kept.scores.update(passage.scores)
            kept.scores["rrf"] = kept.scores.get("rrf", 0.0) + 1.0 / (k + rank)
    return sorted(merged.values(), key=lambda p: p.scores["rrf"], reverse=True)


def collapse_wire_copies(passages: list[Passage]) -> list[Passage]:
    """Keep the best-ranked of near-identical passages from different articles.

    Near-identical means embeddings this alike AND the same figures: an update that changes
    only a number ("the rate is now 4.0 percent") is news, not a copy.
    """
    kept: list[Passage] = []
    for passage in passages:
        if not any(_copies(passage, other) for other in kept):
            kept.append(passage)
    return kept


def _copies(a: Passage, b: Passage) -> bool:
    if a.article_key == b.article_key or a.vector is None or b.vector is None:
        return False
    return (float(a.vector @ b.vector) >= _WIRE_COPY_SIMILARITY
            and _FIGURES.findall(a.text) == _FIGURES.findall(b.text))
