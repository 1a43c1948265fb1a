"""The evaluation set format: one question a line (JSONL), validated whole before anything runs.

A set is checked completely first, so a typo on line 40 is reported with its line number before
a long run starts instead of ending it half-way.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chatbot.evaluation.metrics import normalize_answer
from chatbot.schema import Filters, Turn
from index.validation import describe


class EvalSetError(ValueError):
    """The evaluation set cannot be used as given; the message names the file and line."""


class EvalQuestion(BaseModel):
    """One question of an evaluation set (see evals/README.md).

    Unknown fields are ignored, so sets exported from other benchmarks (which carry their own
    bookkeeping, such as a source URL) load as they are.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str
    question: str = Field(min_length=1)
    answers: list[str] = Field(default_factory=list)
    all_required: bool = False
    unanswerable: bool = False
    history: list[Turn] = Field(default_factory=list)
    date: dt.date | None = None
    expected_sources: list[str] = Field(default_factory=list)
    choices: list[str] = Field(default_factory=list)
    category: str | None = None
    forbidden: list[str] = Field(default_factory=list)

    @field_validator("choices")
    @classmethod
    def _drop_blank_choices(cls, choices: list[str]) -> list[str]:
        """Quiz exports pad options with blanks; a blank option can never be named."""
        return [choice for choice in choices if normalize_answer(choice)]

    @model_validator(mode="after")
    def _answers_fit_the_kind(self) -> EvalQuestion:
        if self.unanswerable and self.answers:
            raise ValueError("an unanswerable question has no accepted answers")
        if not self.unanswerable and not self.answers:
            raise ValueError("give accepted answers, or mark the question unanswerable")
        for text in [*self.answers, *self.forbidden]:
            # "The" or "?!" normalise to nothing and would match every answer.
            if not normalize_answer(text):
                raise ValueError(f"{text!r} is empty after normalisation")
        return self

    @property
    def kind(self) -> str:
        """The group a question belongs to: its category, else what its fields say it is."""
        if self.category:
            return self.category
        if self.unanswerable:
            return "unanswerable"
        return "follow-up" if self.history else "answerable"

    def filters(self) -> Filters:
        """A question's date means "as of that day": later articles are not used."""
        return Filters(as_of=self.date)


def load_eval_set(path: Path) -> list[EvalQuestion]:
    """Every question of a JSONL set, or an EvalSetError listing each bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read the evaluation set {path}: {exc}") from exc
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if isinstance(record, dict) and "id" not in record:
                record["id"] = f"line-{number}"
            question = EvalQuestion.model_validate(record)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: malformed JSON: {exc.msg}")
            continue
        except ValidationError as exc:
            problems.append(f"line {number}: {describe(exc, 'question')}")
            continue
        if question.id in seen:
            problems.append(f"line {number}: id {question.id!r} already used on line "
                            f"{seen[question.id]}")
            continue
        seen[question.id] = number
        questions.append(question)
    if problems:
        listed = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise EvalSetError(f"{path}: {len(problems)} bad line(s):\n  {listed}{more}")
    if not questions:
        raise EvalSetError(f"{path}: no questions in the evaluation set")
    return questions
