"""What the learned ranker sees of a passage and of a sentence, all known at question time.

Features are plain numbers in fixed order (the names below are stored in the fitted model and
checked when it loads). A feature that is switched off (time, furniture, entities) is NaN,
which LightGBM treats as "unknown" rather than as a value.

Passage features: dense similarity and its rank, BM25 score and rank, the fused rank, the best
sentence's rare-word overlap and answer-type fit, title overlap, age relative to the
reference day and to the newest relevant candidate, whether the article falls in the window
the question names ("in June", "this week"), the question's names and numbers found, how many
other outlets carry the same story, furniture share, position in the article, length.

Sentence features: the passage's learned score and rank plus its time features, the sentence's
own dense similarity, overlap (among candidates and corpus-wide), answer-type fit, new names,
whether it holds an entity of the type asked for (spaCy, shortlisted sentences only), position,
length, furniture, an opening conjunction or pronoun, how many outlets say the same, and the
reader's score (chatbot/answering/reader.py; unknown when the reader is off).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from chatbot.answering.answer_fit import ASKS_NAME, answer_fit
from chatbot.answering.coreference import names
from chatbot.answering.evidence import Evidence
from chatbot.answering.furniture import LEADING_CONJUNCTION, furniture_kind
from chatbot.answering.time_window import DateWindow, question_window
from index.store.records import Passage, day_from_number
from index.store.terms import term_set, terms

PASSAGE_FEATURES = (
    "dense", "dense_rank", "bm25", "bm25_rank", "rrf_rank", "overlap", "best_fit",
    "title_overlap", "age_days", "behind_newest", "in_window", "window_distance",
    "names_present", "numbers_present", "outlets", "best_is_furniture", "position", "length",
)
SENTENCE_FEATURES = (
    "passage_score", "passage_rank", "age_days", "behind_newest", "in_window",
    "window_distance", "title_overlap", "outlets", "s_dense", "s_overlap", "s_overlap_corpus",
    "fit", "new_names", "names_present", "numbers_present", "entity_match", "asks_entity",
    "position", "index_in_passage", "length", "furniture", "opens_conjunction",
    "has_antecedent", "same_fact", "cheap_score", "reader",
)
TIME_FEATURES = frozenset({"age_days", "behind_newest", "in_window", "window_distance"})
FURNITURE_FEATURES = frozenset({"best_is_furniture", "furniture"})
ENTITY_FEATURES = frozenset({"entity_match", "asks_entity"})

_NUMBER = re.compile(r"\d[\d,.]*")
# Passages this alike (cosine) are the same story; sentences this alike, the same fact.
_SAME_STORY = 0.8
_SAME_FACT = 0.8
# Relevant candidates (for "the newest story"): overlap at least this share of the best.
_RELEVANT_SHARE = 0.6
_UNKNOWN_AGE = 3650.0

# The entity labels (spaCy, OntoNotes) that can answer each kind of question.
_ASKED_ENTITIES: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"^\s*(when\b|what (year|date|day|month)\b)", re.I), frozenset({"DATE", "TIME"})),
    (re.compile(r"\bhow (many|much)\b|\bwhat (percentage|percent|number|amount|price|share)\b",
                re.I), frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})),
    (re.compile(r"\bhow old\b", re.I), frozenset({"DATE", "CARDINAL"})),
    (re.compile(r"^\s*where\b|\b(which|what) (country|city|state|nation|place|region|island|"
                r"capital|continent|county|province|town)\b", re.I),
     frozenset({"GPE", "LOC"})),
    (re.compile(r"\b(which|what) (company|companies|organi[sz]ation|agency|group|team|brand|"
                r"airline|bank|party|network|firm|retailer|university|league|club)\b", re.I),
     frozenset({"ORG"})),
    (re.compile(r"\b(which|what) (film|movie|show|series|song|album|book|game)\b", re.I),
     frozenset({"WORK_OF_ART"})),
    (re.compile(r"^\s*(who|whom|whose)\b", re.I), frozenset({"PERSON", "ORG", "NORP"})),
    (re.compile(r"\b(which|what) (nationality|religion)\b", re.I), frozenset({"NORP"})),
]


def asked_entities(question: str) -> frozenset[str] | None:
    """The entity labels that could answer the question, None when it asks for no entity."""
    for pattern, labels in _ASKED_ENTITIES:
        if pattern.search(question):
            return labels
    if ASKS_NAME.search(question):
        return frozenset({"PERSON", "ORG", "GPE", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"})
    return None


@dataclass
class QuestionContext:
    """What every feature needs to know about the question, computed once."""

    question: str
    reference: date
    window: DateWindow | None
    terms: frozenset[str]
    names: tuple[str, ...]
    numbers: frozenset[str]
    idf: Callable[[str], float]
    entities: frozenset[str] | None

    @classmethod
    def of(cls, question: str, reference: date, idf: Callable[[str], float],
           ) -> QuestionContext:
        return cls(question, reference, question_window(question, reference),
                   frozenset(terms(question)), tuple(n.lower() for n in names(question)),
                   frozenset(_NUMBER.findall(question)), idf, asked_entities(question))

    def __post_init__(self) -> None:
        self._weights = {t: self.idf(t) for t in self.terms}
        self._total = sum(self._weights.values()) or 1.0

    def weighted_overlap(self, words: frozenset[str]) -> float:
        """The share of the question's term weight (corpus rarity) found in ``words``."""
        return sum(self._weights[t] for t in self.terms & words) / self._total

    def found_names(self, text: str) -> float:
        if not self.names:
            return math.nan
        lower = text.lower()
        return sum(1 for n in self.names if n in lower) / len(self.names)

    def found_numbers(self, text: str) -> float:
        if not self.numbers:
            return math.nan
        return sum(1 for n in self.numbers if n in text) / len(self.numbers)


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based rank of each value, best (highest) first; missing values rank last."""
    order = sorted(range(len(values)), key=lambda i: -values[i] if not math.isnan(values[i])
                   else math.inf)
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order, 1):
        ranks[i] = float(rank) if not math.isnan(values[i]) else 100.0
    return ranks


def passage_features(ctx: QuestionContext, passages: list[Passage]) -> np.ndarray:
    """One row of PASSAGE_FEATURES per passage. Also stores the time features in
    ``passage.scores`` (age_days, behind_newest, in_window, window_distance, outlets), where
    the sentence ranker reads them."""
    n = len(passages)
    dense = [p.scores.get("dense", math.nan) for p in passages]
    bm25 = [p.scores.get("bm25", math.nan) for p in passages]
    rrf = [p.scores.get("rrf", 0.0) for p in passages]
    overlaps, fits, furniture = [], [], []
    for p in passages:
        best, best_text = 0.0, ""
        for _, text in p.sentence_texts():
            value = ctx.weighted_overlap(term_set(text))
            if value > best:
                best, best_text = value, text
        overlaps.append(best)
        fits.append(answer_fit(ctx.question, best_text) if best_text else 0.0)
        # Whether the sentence that matches best is page furniture (a caption that names
        # the story's people, a link line that repeats the headline).
        furniture.append(float(furniture_kind(best_text) is not None) if best_text else 1.0)
    days = [day_from_number(p.published_day) for p in passages]
    # An undated article's age is unknown (NaN), not old: a bare text file is not last
    # decade's news.
    ages = [float((ctx.reference - d).days) if d else math.nan for d in days]
    top = max(overlaps, default=0.0)
    relevant = [a for a, o, d in zip(ages, overlaps, days, strict=True)
                if d and o >= _RELEVANT_SHARE * top]
    newest = min(relevant, default=min((a for a in ages if not math.isnan(a)), default=0.0))
    outlets = _other_outlets([p.vector for p in passages],
                             [p.source or p.article_key for p in passages], _SAME_STORY)
    rows = np.empty((n, len(PASSAGE_FEATURES)), dtype=np.float32)
    dense_rank, bm25_rank, rrf_rank = _ranks(dense), _ranks(bm25), _ranks(rrf)
    for i, p in enumerate(passages):
        day = days[i]
        in_window = (math.nan if ctx.window is None else
                     float(ctx.window.covers(day)) if day else 0.0)
        distance = (math.nan if ctx.window is None else
                    float(ctx.window.distance(day)) if day else _UNKNOWN_AGE)
        p.scores.update(age_days=ages[i], behind_newest=ages[i] - newest, in_window=in_window,
                        window_distance=distance, outlets=outlets[i],
                        title_overlap=ctx.weighted_overlap(term_set(p.title)))
        rows[i] = (dense[i], dense_rank[i], bm25[i], bm25_rank[i], rrf_rank[i], overlaps[i],
                   fits[i], p.scores["title_overlap"], ages[i], ages[i] - newest, in_window,
                   distance, ctx.found_names(p.text), ctx.found_numbers(p.text), outlets[i],
                   furniture[i], math.log1p(p.start), len(p.text.split()))
    return rows


def _other_outlets(vectors: Sequence[np.ndarray | None], outlets: Sequence[str],
                   alike: float) -> list[float]:
    """Per item, how many other outlets have an item this alike (cosine): the same story for
    passages, the same fact for sentences. Unknown (NaN) when a vector is missing."""
    if not vectors or any(v is None for v in vectors):
        return [math.nan] * len(vectors)
    matrix = np.stack([v for v in vectors if v is not None])
    similar = (matrix @ matrix.T) >= alike
    return [float(len({outlets[int(j)] for j in np.flatnonzero(similar[i])} - {outlets[i]}))
            for i in range(len(vectors))]


def sentence_features(ctx: QuestionContext, evidence: list[Evidence],
                      passage_rank: dict[str, int],
                      entity_labels: list[frozenset[str] | None] | None) -> np.ndarray:
    """One row of SENTENCE_FEATURES per shortlisted sentence (``evidence`` carries its dense
    similarity, candidate overlap and fit in ``parts``, its vector, its passage).

    ``entity_labels`` holds, per sentence, the labels of its entities that the question does
    not already name (None for a sentence it was not run on); None when entities are off.
    """
    same_fact = _other_outlets([e.vector for e in evidence],
                               [e.passage.source or e.passage.article_key for e in evidence],
                               _SAME_FACT)
    question_names = set(ctx.names)
    rows = np.empty((len(evidence), len(SENTENCE_FEATURES)), dtype=np.float32)
    for i, e in enumerate(evidence):
        scores = e.passage.scores
        new_names = [n for n in names(e.text) if n.lower() not in question_names]
        found = entity_labels[i] if entity_labels is not None else None
        if entity_labels is None:
            entity_match, asks = math.nan, math.nan
        elif ctx.entities is None:
            entity_match, asks = math.nan, 0.0
        elif found is None:
            entity_match, asks = math.nan, 1.0
        else:
            entity_match, asks = float(bool(found & ctx.entities)), 1.0
        index = next((k for k, (span, _) in enumerate(e.passage.sentence_texts())
                      if span == e.span), 0)
        rows[i] = (
            scores.get("rerank", math.nan), passage_rank.get(e.passage.id, 100),
            scores.get("age_days", math.nan), scores.get("behind_newest", math.nan),
            scores.get("in_window", math.nan), scores.get("window_distance", math.nan),
            scores.get("title_overlap", math.nan), scores.get("outlets", math.nan),
            e.parts.get("dense", math.nan), e.parts.get("overlap", 0.0),
            ctx.weighted_overlap(term_set(e.reading)), e.parts.get("fit", 1.0),
            len(new_names), ctx.found_names(e.reading), ctx.found_numbers(e.text),
            entity_match, asks, math.log1p(e.span[0]), index, len(e.text.split()),
            float(furniture_kind(e.text) is not None),
            float(bool(LEADING_CONJUNCTION.match(e.text))), float(e.antecedent is not None),
            same_fact[i], e.parts.get("cheap", math.nan), e.parts.get("reader", math.nan))
    return rows


def switch_off(rows: np.ndarray, names_: Sequence[str], off: frozenset[str]) -> np.ndarray:
    """The rows with the named features set to unknown (NaN): a part switched off."""
    for j, name in enumerate(names_):
        if name in off:
            rows[:, j] = math.nan
    return rows
