"""Reranking fused candidates without a bundled cross-encoder.

No cross-encoder with weights ships on PyPI. The default reranker is the learned one
(chatbot/answering/ranker.py, fitted on real news questions); the hand-set one kept here for
comparison combines signals we already have, each cheap at question time:

* ``dense``: the bundled model's cosine between question and passage (vectors come with the
  passages from Chroma, nothing is re-encoded);
* ``overlap``: the best sentence's share of the question's term weight (BM25 IDF from the
  keyword index), which rewards a passage where the question's rare words meet in one sentence;
* ``rrf``: the fused rank itself;
* ``recency``: how close the article's date is to the question's reference day (the "as of"
  day, else today or an archive's newest day): news questions are about now, and older
  articles on the same topic are the most common wrong answer.

A user with a cross-encoder can use it by path instead (``reranker = "cross-encoder:/path"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatbot.answering.fitted import FittedModels
from index.store.keyword import KeywordIndex
from index.store.records import Passage, day_from_number
from index.store.search_filter import SearchFilter
from index.store.terms import term_set, terms

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

    from chatbot.answering.ranker import Parts


class Reranker(Protocol):
    def rerank(self, question: str, passages: list[Passage],
               search_filter: SearchFilter | None) -> list[Passage]:
        """The same passages, best first."""
        ...


@dataclass(frozen=True)
class RerankWeights:
    dense: float = 1.0
    overlap: float = 1.0
    rrf: float = 0.5
    recency: float = 0.3


def reference_day(search_filter: SearchFilter | None, keywords: KeywordIndex | None = None,
                  today: date | None = None) -> date:
    """The day a question is asked "as of": the filter's end; else today, or the newest day
    in the index when that is earlier. An archive's questions are then about its last days,
    as a live feed's are about today: "this week" is the archive's last week, and its stories
    are not all "years old" (which would make every one look stale to the ranker and to the
    answer-or-decline model)."""
    if search_filter is not None and search_filter.until is not None:
        return search_filter.until
    today = today or date.today()
    newest = day_from_number(keywords.newest_day()) if keywords is not None else None
    return min(today, newest) if newest else today


def recency(passage: Passage, reference: date, half_life_days: float) -> float:
    """1.0 for an article of the reference day, halving every ``half_life_days`` before it."""
    published = day_from_number(passage.published_day)
    if published is None:
        return 0.0
    age = max((reference - published).days, 0)
    return math.pow(0.5, age / half_life_days)


@dataclass
class FeatureReranker:
    """A weighted sum of dense similarity, sentence term overlap, fused rank and recency."""

    keywords: KeywordIndex | None = None
    weights: RerankWeights = RerankWeights()
    recency_half_life_days: float = 7.0

    def rerank(self, question: str, passages: list[Passage],
               search_filter: SearchFilter | None) -> list[Passage]:
        if not passages:
            return passages
        question_terms = set(terms(question))
        idf = {t: self._idf(t) for t in question_terms}
        total = sum(idf.values()) or 1.0
        top_rrf = max(p.scores.get("rrf", 0.0) for p in passages) or 1.0
        reference = reference_day(search_filter, self.keywords)
        for passage in passages:
            overlap = max((sum(idf[t] for t in question_terms & term_set(text)) / total
                           for _, text in passage.sentence_texts()), default=0.0)
            passage.scores["overlap"] = overlap
            passage.scores["recency"] = (recency(passage, reference, self.recency_half_life_days)
                                         if self.weights.recency else 0.0)
            passage.scores["rerank"] = (
                self.weights.dense * passage.scores.get("dense", 0.0)
                + self.weights.overlap * overlap
                + self.weights.rrf * passage.scores.get("rrf", 0.0) / top_rrf
                + self.weights.recency * passage.scores["recency"])
        return sorted(passages, key=lambda p: p.scores["rerank"], reverse=True)

    def _idf(self, term: str) -> float:
        return self.keywords.idf(term) if self.keywords is not None else 1.0


@lru_cache(maxsize=2)
def _load_cross_encoder(path: str) -> CrossEncoder:
    from sentence_transformers import CrossEncoder

    if not Path(path).is_dir():
        raise FileNotFoundError(f"cross-encoder folder not found: {path}")
    return CrossEncoder(path, device="cpu", local_files_only=True)


@dataclass
class CrossEncoderReranker:
    """A user-supplied sentence-transformers cross-encoder, loaded by path."""

    model_path: str

    def __post_init__(self) -> None:
        _load_cross_encoder(self.model_path)  # fail at start-up, not at the first question

    def rerank(self, question: str, passages: list[Passage],
               search_filter: SearchFilter | None) -> list[Passage]:
        if not passages:
            return passages
        model = _load_cross_encoder(self.model_path)
        scores = model.predict([(question, p.text) for p in passages], show_progress_bar=False)
        for passage, score in zip(passages, scores, strict=True):
            passage.scores["rerank"] = float(score)
        return sorted(passages, key=lambda p: p.scores["rerank"], reverse=True)


def make_reranker(spec: str, keywords: KeywordIndex | None, recency_half_life_days: float,
                  parts: Parts | None = None, models: FittedModels | None = None,
                  ) -> Reranker | None:
    """The reranker a settings string names: "learned" (the fitted model, from ``models``),
    "features" (hand-set weights), "none" or "cross-encoder:/path"."""
    if spec == "none":
        return None
    if spec == "learned":
        from chatbot.answering.ranker import LearnedReranker, Parts

        return LearnedReranker(keywords, parts or Parts(), (models or FittedModels()).passages)
    if spec == "features":
        weights = RerankWeights() if recency_half_life_days else RerankWeights(recency=0.0)
        return FeatureReranker(keywords, weights, recency_half_life_days or 1.0)
    if spec.startswith("cross-encoder:"):
        return CrossEncoderReranker(spec.removeprefix("cross-encoder:"))
    raise ValueError(f"unknown reranker {spec!r}: use 'learned', 'features', 'none' or "
                     "'cross-encoder:/path/to/model'")
