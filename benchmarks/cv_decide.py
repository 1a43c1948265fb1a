"""Answer-or-decline decisions scored fold by fold on cross-validation records (cv_records.py).

A fitted decision is fitted on the records of every period but the held-out one (its
questions against its store, and its decline test), with the threshold that declines at most
``budget`` of those periods' answerable questions; it is then scored on the held-out period.
The floor alone (``min_evidence`` and the extreme-question check, which every decision keeps)
fits nothing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.cv_records import Record
from benchmarks.fit_answerability import Example, fit_additive, fit_logistic, with_threshold
from chatbot.answering.answerability import FEATURES, AnswerabilityModel
from chatbot.settings import Settings

READER_FEATURES = ("reader_score", "reader_margin")
Fitter = Callable[[list[Example], tuple[str, ...]], AnswerabilityModel]


@dataclass(frozen=True)
class Decision:
    fit: Fitter | None = None

    @property
    def fitted(self) -> bool:
        return self.fit is not None


def _threshold_on(feature: str) -> Fitter:
    return lambda _examples, _names: AnswerabilityModel("threshold", (feature,), 0.0)


DECISIONS = {
    "floor": Decision(),
    "additive": Decision(fit_additive),
    "logistic": Decision(fit_logistic),
    "reader": Decision(_threshold_on("reader_score")),
    "evidence": Decision(_threshold_on("best_score")),
}
# Columns: (name, how a fold's value is read, whether lower is better).
COLUMNS = ("<=3", "first", "choice", "natural", "hit@5", "strict@8", "declined", "false_decl",
           "recall", "off-topic", "p50_ms")
LOWER_IS_BETTER = {"declined", "false_decl", "p50_ms"}


def examples(records: dict[str, list[Record]], period: str) -> list[Example]:
    """A period's records as fit examples: its decline test whole, and its own store's
    (answerable) quiz and natural questions beside them."""
    return [Example(f"{kind}:{period}:{r.id}", r.category, r.answerable, r.values)
            for kind in ("full", "natural", "decline") for r in records[kind]]


def feature_names(records: dict[str, dict[str, list[Record]]]) -> tuple[str, ...]:
    """Every feature, without the reader's when it was off."""
    values = next(r.values for p in records.values() for r in p["full"] if r.values)
    if math.isnan(values.get("reader_score", math.nan)):
        return tuple(f for f in FEATURES if f not in READER_FEATURES)
    return FEATURES


def fold_scores(held: dict[str, list[Record]], model: AnswerabilityModel | None,
                min_evidence: float, fill: float | None = None) -> dict[str, float]:
    """The held-out period's figures under one decision (and a fill margin, which changes
    what up to three sentences hold and which options the answer names)."""
    def declined(r: Record) -> bool:
        return r.declined(model, min_evidence)

    def up_to_three(r: Record) -> bool:
        return r.filled[str(fill)][0] if fill is not None and r.filled else r.up_to_three

    def choice(r: Record) -> bool:
        return r.filled[str(fill)][1] if fill is not None and r.filled else r.choice

    full = held["full"]
    answered = [r for r in full if not declined(r)]
    answerable = [r for r in held["decline"] if r.answerable]
    unanswerable = [r for r in held["decline"] if not r.answerable and r.category != "off-topic"]
    return {
        "<=3": sum(up_to_three(r) for r in answered) / len(full),
        "first": sum(r.first for r in answered) / len(full),
        "choice": sum(choice(r) for r in answered) / len(full),
        "natural": statistics.fmean(up_to_three(r) and not declined(r)
                                    for r in held["natural"]),
        "hit@5": statistics.fmean(r.hit5 for r in full),
        "strict@8": statistics.fmean(r.strict_hit8 for r in full),
        "declined": 1 - len(answered) / len(full),
        "false_decl": statistics.fmean(declined(r) for r in answerable),
        "recall": statistics.fmean(declined(r) for r in unanswerable),
        "off-topic": statistics.fmean(declined(r) for r in held["offtopic"]),
        "p50_ms": statistics.median(r.ms for r in full),
    }


def fold_table(label: str, records: dict[str, dict[str, list[Record]]], decision: str,
               budget: float, settings: dict[str, Any], fill: float | None = None) -> str:
    """One row per held-out period, then the mean and the worst fold."""
    min_evidence = float(settings.get("min_evidence",
                                      Settings.model_fields["min_evidence"].default))
    fitter = DECISIONS[decision].fit
    names = feature_names(records) if fitter else ()
    rows: dict[str, dict[str, float]] = {}
    for period in records:
        model = None
        if fitter is not None:
            train = [e for other in records if other != period
                     for e in examples(records[other], other)]
            model = with_threshold(fitter(train, names), train, budget)
        rows[period] = fold_scores(records[period], model, min_evidence, fill)
    return summary_table(label, rows)


def summary_table(label: str, rows: dict[str, dict[str, float]]) -> str:
    """The folds' rows, then their mean and the worst fold of each column."""
    mean = {c: statistics.fmean(r[c] for r in rows.values()) for c in COLUMNS}
    worst = {c: (max if c in LOWER_IS_BETTER else min)(r[c] for r in rows.values())
             for c in COLUMNS}
    lines = [f"\n{label}", f"{'fold':<8}" + "".join(f"{c:>11}" for c in COLUMNS)]
    for name, row in [*rows.items(), ("mean", mean), ("worst", worst)]:
        lines.append(f"{name:<8}" + "".join(
            f"{row[c]:>11.0f}" if c == "p50_ms" else f"{row[c]:>11.3f}" for c in COLUMNS))
    return "\n".join(lines)
