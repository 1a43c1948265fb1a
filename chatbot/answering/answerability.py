"""Answer or decline: does the best sentence actually answer the question?

Word overlap alone answers "What is the capital of Australia?" with a sentence about Beijing's
ties in the South Pacific. The decision here looks for evidence that the question is answered:
the question's names, numbers and key terms in the chosen sentence and in its passage, the
margin of the best sentence over the next, how many outlets carry the question's terms, the
answerer's own scores, how far its article is from the time the question is about and how
far behind the newest story on the topic, and whether the question is a question at all
("Write me a poem").

The inputs are explicit features (``FEATURES``); the decision is a small model stored as JSON
(``answerability.json`` beside this file) and refitted in one command on a decline set built
by benchmarks/make_decline_set.py:

    python -m benchmarks.fit_answerability --help

so when the answerer's scores change scale (a learned ranker), only the refit is needed. Three
kinds of model are fitted and compared there: an additive model of boosted stumps (the one
kept: each feature's effect is a step function), a logistic regression over all features, and
a single threshold on the best sentence's score (what ``min_evidence`` did by hand).
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from chatbot.answering.coreference import names
from chatbot.answering.evidence import Evidence
from chatbot.answering.fitted import FittedModels
from index.store.records import Passage
from index.store.terms import term_set, terms

MODEL_FILE = FittedModels().answerability

FEATURES = (
    "best_score",         # the highest evidence score (0..1) among the ranked sentences
    "margin",             # best evidence score minus the second best
    "ranker_score",       # the learned sentence ranker's score of the best sentence (0 if off)
    "ranker_margin",      # ... minus the second best's
    "overlap",            # IDF-weighted share of the question's terms in the best sentence
    "dense",              # embedding similarity of question and best sentence
    "fit",                # how well the best sentence fits the kind of answer asked for
    "kind_asked",         # 1 when it holds the kind of answer asked for (a person for "who")
    "passage_dense",      # embedding similarity of question and the best sentence's passage
    "names_sentence",     # share of the question's names found in the best sentence
    "names_passage",      # ... in its passage (with the headline)
    "names_anywhere",     # ... in any passage read
    "numbers_passage",    # share of the question's numbers found in the best sentence's passage
    "terms_sentence",     # share of the question's content terms in the best sentence
    "terms_passage",      # ... in its passage (with the headline)
    "outlets",            # outlets whose passages hold most of the question's terms (0..1, /3)
    "is_question",        # 1 for a question, 0 for an instruction ("Write me a poem")
    "focus_sentence",     # 1 when the best sentence holds what the question asks about
    "focus_passage",      # ... its passage (with the headline) does
    "age",                # log days the best sentence's article lies outside the time the
                          # question names ("in March"), else before its reference day
    "behind_newest",      # log days it is older than the newest candidate on the question's topic
    "reader_score",       # the reader's score of the best sentence (NaN when the reader is off)
    "reader_margin",      # ... minus the best reader score among the other sentences read
)

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUESTION = re.compile(
    r"^\s*(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|"
    r"could|will|would|should|has|have|had|in|on|at|for|from|to|by|after|before|during)\b",
    re.IGNORECASE)
# A question word: what follows the first one is what the question asks about.
_QUESTION_WORD = re.compile(r"\b(?:which|what|who|whom|whose|where|when|"
                            r"how(?:\s+(?:many|much|long|far|often))?)\b", re.IGNORECASE)
# An outlet counts as carrying the story when its passage holds this share of the terms.
_OUTLET_TERMS = 0.6
# "Which planet has the most moons?" asks for an extreme: which thing ranks first. A passage
# that compares nothing ("six of the planet's 14 moons") cannot answer it, however well its
# words match; one with a sentence that ranks what is asked about ("the most", "more than", "a
# record", "the largest", "the first") may. Words ending in "est" that are no superlative are
# listed, and "the latest" and "the most recent" ask about time, not rank.
_NOT_SUPERLATIVE = frozenset("""
latest interest forest test west rest arrest protest request suggest honest guest contest
harvest modest invest digest manifest quest chest nest pest vest crest attest detest inquest
unrest midwest southwest northwest conquest priest tempest behest northeast southeast east
""".split())
_ASKS_EXTREME = re.compile(
    r"\bthe\s+(?!most\s+recent)(most|least|fewest|best|worst|[a-z]{2,}est)\b", re.IGNORECASE)
_STATES_EXTREME = re.compile(
    r"\b(most|least|fewest|best|worst|more|less|fewer|than|top|record|leading|ever|first|"
    r"[a-z]{2,}est|no\.\s?1|number one)\b", re.IGNORECASE)


def _any_superlative(pattern: re.Pattern[str], text: str) -> bool:
    return any(m.group(1).lower() not in _NOT_SUPERLATIVE for m in pattern.finditer(text))


def asks_extreme(question: str) -> bool:
    """Whether the question asks which thing ranks first ("the most moons", "the tallest")."""
    return _any_superlative(_ASKS_EXTREME, question)


def states_extreme(text: str) -> bool:
    """Whether the text ranks or compares anything, as an answer to ``asks_extreme`` must."""
    return _any_superlative(_STATES_EXTREME, text)


def ranks_what_is_asked(question: str, passage: Passage) -> bool:
    """Whether the passage's headline or one of its sentences ranks or compares something and
    shares a term with the question: "the franchise's first-ever title" beside a Super Bowl
    date says nothing about which team has won the most Super Bowls."""
    asked = frozenset(terms(question))
    texts = [passage.title, *(text for _, text in passage.sentence_texts())]
    return any(asked & term_set(text) and states_extreme(text) for text in texts)


def _share(wanted: Sequence[str], text: str) -> float:
    """The share of ``wanted`` strings found in ``text`` (case-insensitive); 1 for none."""
    if not wanted:
        return 1.0
    lower = text.lower()
    return sum(w.lower() in lower for w in wanted) / len(wanted)


def _term_share(wanted: frozenset[str], text: str) -> float:
    return len(wanted & term_set(text)) / len(wanted) if wanted else 1.0


def _log_days(days: float | None) -> float:
    """log(1 + days) of an age; 0 for an undated article (unknown is not old) or one newer
    than the reference."""
    return 0.0 if days is None or math.isnan(days) else math.log1p(max(0.0, days))


def _days_off(scores: Mapping[str, float]) -> float | None:
    """How far an article is from the time a question is about: from the window it names
    ("in March", "on Tuesday"), else before its reference day. "What did the Fed decide in
    March?" asked in October is not answered by a stale story when the story is March's.
    None for an undated article (its age is NaN): unknown is not old."""
    age = scores.get("age_days")
    if age is None or math.isnan(age):
        return None
    distance = scores.get("window_distance")
    return distance if distance is not None and not math.isnan(distance) else age


@lru_cache(maxsize=256)  # asked for twice per question: composition and features
def focus_term(question: str) -> str | None:
    """The first content term after the question's first question word: the thing asked about
    ("design" in "Who was the designer of the dress?", "capit" in "What is the capital of
    Australia?"). A sentence that never mentions it often only shares the question's topic.
    The first, not the last: a later one starts a relative clause ("Which arena hosted Sue
    Bird, who ..."). None when no content word follows a question word."""
    found = _QUESTION_WORD.search(question)
    after = terms(question[found.end():]) if found else []
    return after[0] if after else None


def features(question: str, ranked: Sequence[Evidence]) -> dict[str, float]:
    """The evidence that ``ranked[0]`` answers ``question``, as named numbers."""
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    passage = best.passage
    passage_text = f"{passage.title}\n{passage.text}"
    asked_names = names(question)
    numbers = _NUMBER.findall(question)
    wanted = frozenset(terms(question))
    seen: dict[str, str] = {}
    for item in ranked:
        seen.setdefault(item.passage.id, f"{item.passage.title}\n{item.passage.text}")
    outlets = {item.passage.source for item in ranked
               if _term_share(wanted, seen[item.passage.id]) >= _OUTLET_TERMS}
    everything = "\n".join(seen.values())
    focus = focus_term(question)
    return {
        "best_score": max(item.evidence for item in ranked),
        "margin": best.evidence - (second.evidence if second else 0.0),
        "ranker_score": best.parts.get("ranker", 0.0),
        "ranker_margin": best.parts.get("ranker", 0.0) - (
            second.parts.get("ranker", 0.0) if second else 0.0),
        "overlap": best.parts.get("overlap", 0.0),
        "dense": best.parts.get("dense", 0.0),
        "fit": best.parts.get("fit", 1.0),
        "kind_asked": float(best.gives_kind_asked),
        "passage_dense": best.parts.get("passage_dense", passage.scores.get("dense", 0.0)),
        "names_sentence": _share(asked_names, best.reading),
        "names_passage": _share(asked_names, passage_text),
        "names_anywhere": _share(asked_names, everything),
        "numbers_passage": _share(numbers, passage_text),
        "terms_sentence": _term_share(wanted, best.reading),
        "terms_passage": _term_share(wanted, passage_text),
        "outlets": min(len(outlets), 3) / 3,
        "is_question": float(bool(_QUESTION.match(question)) or question.rstrip().endswith("?")),
        "focus_sentence": float(focus is None or focus in term_set(best.reading)),
        "focus_passage": float(focus is None or focus in term_set(passage_text)),
        # News questions are about a moment: the right story is this week's, and a removed
        # one's best stand-in is often an older story on the same topic (last quarter's
        # figures, an earlier retirement). Set by the learned ranker's features; 0 without it.
        "age": _log_days(_days_off(passage.scores)),
        "behind_newest": _log_days(passage.scores.get("behind_newest")),
        "reader_score": best.parts.get("reader", math.nan),
        "reader_margin": best.parts.get("reader", math.nan) - max(
            (item.parts["reader"] for item in ranked[1:] if "reader" in item.parts),
            default=0.0),
    }


@dataclass(frozen=True)
class AnswerabilityModel:
    """Answer when the model's score reaches ``threshold``.

    ``logistic``: the probability from standardised ``features`` (``mean``, ``scale``),
    ``weights`` and ``bias``. ``additive``: the probability from ``bias`` plus, per feature, a
    step function: ``steps[i][j]`` for a value above ``cuts[i][j-1]`` and at most
    ``cuts[i][j]`` (boosted decision stumps, summed per feature: each feature's effect can
    bend, as age does, which only matters after a few weeks, while no feature's effect depends
    on another's). ``threshold``: the value of the one feature in ``features``.
    """

    kind: Literal["logistic", "additive", "threshold"]
    features: tuple[str, ...]
    threshold: float
    weights: tuple[float, ...] = ()
    bias: float = 0.0
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    cuts: tuple[tuple[float, ...], ...] = ()
    steps: tuple[tuple[float, ...], ...] = ()
    fitted_on: str = ""

    def score(self, values: Mapping[str, float]) -> float:
        if self.kind == "threshold":
            return values[self.features[0]]
        if self.kind == "additive":
            z = self.bias + sum(
                steps[bisect_left(cuts, _known(values[name]))]
                for name, cuts, steps in zip(self.features, self.cuts, self.steps, strict=True))
        else:
            z = self.bias + sum(w * (values[name] - m) / s for name, w, m, s in zip(
                self.features, self.weights, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def answers(self, values: Mapping[str, float]) -> bool:
        return self.score(values) >= self.threshold

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "features": list(self.features),
                           "threshold": self.threshold, "weights": list(self.weights),
                           "bias": self.bias, "mean": list(self.mean),
                           "scale": list(self.scale), "cuts": [list(c) for c in self.cuts],
                           "steps": [list(s) for s in self.steps],
                           "fitted_on": self.fitted_on}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> AnswerabilityModel:
        data = json.loads(text)
        return cls(kind=data["kind"], features=tuple(data["features"]),
                   threshold=float(data["threshold"]),
                   weights=tuple(map(float, data.get("weights", ()))),
                   bias=float(data.get("bias", 0.0)), mean=tuple(map(float, data.get("mean", ()))),
                   scale=tuple(map(float, data.get("scale", ()))),
                   cuts=tuple(tuple(map(float, c)) for c in data.get("cuts", ())),
                   steps=tuple(tuple(map(float, s)) for s in data.get("steps", ())),
                   fitted_on=str(data.get("fitted_on", "")))


def _known(value: float) -> float:
    """A missing value (NaN) as 0, as the stumps were fitted to read it."""
    return 0.0 if math.isnan(value) else value


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> AnswerabilityModel | None:
    """The fitted model; None when the file is absent (then only ``min_evidence`` decides)."""
    try:
        return AnswerabilityModel.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def answers(question: str, ranked: Sequence[Evidence], min_evidence: float,
            model: AnswerabilityModel | None) -> bool:
    """Whether the best of ``ranked`` answers ``question``.

    Three checks, all needed: some sentence's 0..1 evidence reaches ``min_evidence`` (a floor
    that holds for any store, from one article up); a question that asks for an extreme
    ("which planet has the most moons?") has a best passage that ranks or compares something
    it asks about (too rare a question in the decline sets for the model to learn it); and the
    fitted model, when there is one, finds the evidence that it is answered (names, numbers
    and terms of the question in the sentence and its passage, margins, outlets).
    """
    if not ranked:
        return False
    # The best-evidenced sentence: a learned ranker may put first one whose evidence is lower.
    if max(item.evidence for item in ranked) < min_evidence:
        return False
    if asks_extreme(question) and not ranks_what_is_asked(question, ranked[0].passage):
        return False
    return model is None or model.answers(features(question, ranked))
