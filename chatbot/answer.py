"""Answerers: turn a question and retrieved passages into cited claims.

Every answerer has the same shape: ``stream(question, passages)`` yields text deltas for display
and ends with one Draft, the authoritative result. The extractive answerer never writes a word
of its own: it picks the sentences of the passages that best answer the question and cites
each, or declines when the evidence is weak.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from chatbot.citations import Claim, Draft, Support
from index.chunking import Span
from index.embedding import Embedder
from index.store import Passage
from index.terms import terms

# How alike two picked sentences may be before the second adds nothing (cosine).
_REDUNDANT_SIMILARITY = 0.9
# A further sentence joins the answer only if it scores this close to the best one.
_FOLLOWER_RATIO = 0.9


@dataclass
class Evidence:
    """One sentence of a passage, scored as an answer to the question."""

    passage: Passage
    span: Span
    text: str
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None


class Answerer(Protocol):
    """What ChatService needs of an answerer."""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """Text deltas (possibly none) for display, then exactly one Draft."""
        ...


def _idf(documents: list[set[str]]) -> dict[str, float]:
    """Inverse document frequency over the candidate sentences: topic words weigh less."""
    df: Counter[str] = Counter()
    for doc in documents:
        df.update(doc)
    n = len(documents)
    return {term: math.log(1 + n / (1 + count)) for term, count in df.items()}


@dataclass
class ExtractiveAnswerer:
    """Picks 1..max_sentences answer sentences by meaning and by weighted word overlap."""

    embedder: Embedder
    max_sentences: int = 3
    min_evidence: float = 0.35

    def score(self, question: str, passages: list[Passage]) -> list[Evidence]:
        """Every sentence of the passages, scored and sorted best first."""
        evidence: list[Evidence] = []
        seen: set[tuple[str, Span]] = set()
        for passage in passages:
            for span, text in passage.sentence_texts():
                # Neighbouring chunks share a sentence; score it once.
                if text.strip() and (passage.article_key, span) not in seen:
                    seen.add((passage.article_key, span))
                    evidence.append(Evidence(passage, span, text))
        if not evidence:
            return []
        question_terms = set(terms(question))
        sentence_terms = [set(terms(e.text)) for e in evidence]
        idf = _idf(sentence_terms)
        default_idf = math.log(1 + len(evidence))
        question_weight = sum(idf.get(t, default_idf) for t in question_terms) or 1.0
        question_vector = self.embedder.embed_query(question)
        vectors = self.embedder.embed_passages([e.text for e in evidence])
        similarity = vectors @ question_vector
        for item, words, cosine, vector in zip(evidence, sentence_terms, similarity, vectors,
                                               strict=True):
            overlap = sum(idf[t] for t in question_terms & words) / question_weight
            item.parts = {"dense": float(cosine), "overlap": overlap}
            item.score = 0.5 * max(float(cosine), 0.0) + 0.5 * overlap
            item.vector = vector
        return sorted(evidence, key=lambda e: e.score, reverse=True)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """No deltas: the answer is complete at once and shown sentence by sentence."""
        yield self.answer(question, passages)

    def answer(self, question: str, passages: list[Passage]) -> Draft:
        ranked = self.score(question, passages)
        if not ranked or ranked[0].score < self.min_evidence:
            return Draft([], ranked[0].score if ranked else 0.0, closest=passages[:3])
        best = ranked[0]
        chosen = [best]
        for item in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if item.score < max(self.min_evidence, _FOLLOWER_RATIO * best.score):
                break
            if any(_similar(item, other) for other in chosen):
                continue
            chosen.append(item)
        claims = [Claim(e.text, [Support(e.passage, e.span, e.score)]) for e in chosen]
        return Draft(claims, best.score)


def _similar(a: Evidence, b: Evidence) -> bool:
    """Two sentences that say the same thing (wire copies, overlapping chunks)."""
    if a.text == b.text:
        return True
    if a.vector is None or b.vector is None:
        return False
    return float(a.vector @ b.vector) >= _REDUNDANT_SIMILARITY
