"""One record per question, from which any answer-or-decline decision can be scored offline.

Cross-validation compares decisions (a fitted model at several budgets, a threshold, the
evidence floor alone) on the same answers. Each question is asked as ChatService asks it
(retrieve as of its day, score the shortlist, compose), with the decision left out: the record
keeps what the decision reads (``answerability.features``, the best evidence, the
extreme-question check) and how the composed answer would score if it were given (answer in
the first sentence, in up to three, the right quiz option), with the retrieval hits of the
passages read and the time the question took.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from chatbot.answering.answerability import (
    AnswerabilityModel,
    asks_extreme,
    features,
    ranks_what_is_asked,
)
from chatbot.answering.citations.draft import build_answer
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.evaluation.dataset import EvalQuestion, load_eval_set
from chatbot.evaluation.metrics import (
    choice_correct,
    contains_answer,
    first_sentences,
    in_date_window,
)
from chatbot.service import create_service
from chatbot.settings import load_settings
from index.dates import day_or_none

# The fill margins every record is composed with (chatbot.settings' fill_margin): in the hand-
# set ranking's units (evidence, 0..1) and the learned ranker's (log-odds-like), so one grid
# serves both.
FILL_MARGINS = (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


@dataclass
class Record:
    """How one question went, before the decision."""

    id: str
    category: str
    answerable: bool
    values: dict[str, float] | None  # the decision's features; None: nothing to answer with
    best_evidence: float
    extreme_ok: bool
    first: bool        # the first sentence holds a gold answer
    up_to_three: bool  # the first three do
    choice: bool       # the answer names the right quiz option and no other
    hit5: bool         # a passage among the first five read holds a gold answer
    strict_hit8: bool  # ... among the eight read, from an article near the question's day
    ms: float
    # Per fill margin (FILL_MARGINS, as text): whether up to three sentences hold a gold answer
    # and whether the answer names the right option only, with that margin's fill.
    filled: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    def declined(self, model: AnswerabilityModel | None, min_evidence: float) -> bool:
        """Whether ChatService would decline with this decision (the floor, the
        extreme-question check, then the model)."""
        if self.values is None or self.best_evidence < min_evidence or not self.extreme_ok:
            return True
        return model is not None and not model.answers(self.values)


def ask(service: Any, question: EvalQuestion) -> Record:
    """Ask one question the way ChatService.ask does, keeping what every decision needs."""
    answerer = service.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    start = time.perf_counter()
    passages = service.retrieve(question.question, service.settings.passages,
                                question.filters())
    ranked = answerer.score(question.question, passages)
    text = ""
    if ranked:
        draft = answerer.compose_answer(ranked, passages, question.question)
        text = build_answer(draft, question.question).answer
    ms = (time.perf_counter() - start) * 1000
    accepted = question.answers

    def holds(passage_text: str) -> bool:
        return bool(accepted) and contains_answer(passage_text, accepted)

    def answers(answer_text: str) -> bool:
        return bool(accepted) and contains_answer(answer_text, accepted, question.all_required)

    def chose_right(answer_text: str) -> bool:
        return bool(question.choices) and bool(choice_correct(
            answer_text, False, question.choices, accepted))

    filled: dict[str, tuple[bool, bool]] = {}
    for margin in FILL_MARGINS if ranked else ():
        draft = replace(answerer, fill_margin=margin).compose_answer(ranked, passages,
                                                                     question.question)
        with_fill = build_answer(draft, question.question).answer
        filled[str(margin)] = (answers(first_sentences(with_fill, 3)),
                               chose_right(with_fill))
    asked = question.date
    strict = [holds(p.text) and asked is not None
              and in_date_window(day_or_none(p.published), asked) for p in passages[:8]]
    return Record(
        id=question.id, category=question.kind, answerable=not question.unanswerable,
        values=features(question.question, ranked) if ranked else None,
        best_evidence=max((e.evidence for e in ranked), default=0.0),
        extreme_ok=not ranked or not asks_extreme(question.question)
        or ranks_what_is_asked(question.question, ranked[0].passage),
        first=answers(first_sentences(text, 1)), up_to_three=answers(first_sentences(text, 3)),
        choice=chose_right(text),
        hit5=any(holds(p.text) for p in passages[:5]), strict_hit8=any(strict), ms=ms,
        filled=filled)


def collect(store: Path, questions: Path, settings: dict[str, Any]) -> list[Record]:
    """Records of every question of a set against a store, under these settings."""
    service = create_service(load_settings(config_file=None, data_dir=store, **settings))
    service.sync_keywords()
    return [ask(service, q) for q in load_eval_set(questions)]


def save(path: Path, records: list[Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in records), encoding="utf-8")


def load(path: Path) -> list[Record]:
    return [Record(**json.loads(line)) for line in path.read_text().splitlines() if line]
