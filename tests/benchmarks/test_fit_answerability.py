"""The answer-or-decline fit: the additive model stored as step functions scores as fitted."""

from __future__ import annotations

import math
import random

from benchmarks.fit_answerability import Example, fit_additive, with_threshold
from chatbot.answering.answerability import FEATURES, AnswerabilityModel


def _examples(count: int, seed: int) -> list[Example]:
    """Questions answered when the evidence is strong and the story recent: the effect of age
    bends (nothing for a few days, then a lot), which a step function can follow."""
    rng = random.Random(seed)
    examples = []
    for i in range(count):
        values = {name: rng.random() for name in FEATURES}
        values["age"] = math.log1p(rng.choice([0, 1, 3, 5, 40, 200, 900]))
        answerable = values["best_score"] + rng.gauss(0, 0.15) > 0.45 and values["age"] < 3
        examples.append(Example(f"q{i}", "answerable" if answerable else "unanswerable-removed",
                                answerable, values))
    return examples


def test_the_additive_model_learns_bent_effects_and_survives_its_json() -> None:
    fitted = fit_additive(_examples(400, seed=1))  # asserts it scores as LightGBM's booster
    assert fitted.kind == "additive" and len(fitted.cuts) == len(FEATURES)
    model = with_threshold(fitted, _examples(400, seed=1), budget=0.10)
    assert AnswerabilityModel.from_json(model.to_json()) == model
    held_out = _examples(300, seed=2)
    right = sum(model.answers(e.values) == e.answerable for e in held_out if e.values)
    assert right / len(held_out) > 0.85
    recent = {**held_out[0].values, "best_score": 0.9, "age": math.log1p(2)}
    stale = {**recent, "age": math.log1p(200)}
    assert model.score(recent) > model.score(stale)
