"""The evaluation set format: one question a line (JSONL), validated whole before anything runs.

A set is checked completely first, so a typo on line 40 is reported with its line number before
a long run starts instead of ending it half-way.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TypeVar

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


class SetRecord(BaseModel):
    """A line of an evaluation set: named by a unique ``id``.

    Unknown fields are ignored, so sets exported from other benchmarks (which carry their own
    bookkeeping, such as a source URL) load as they are.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str


class EvalQuestion(SetRecord):
    """One question of an evaluation set (see evals/README.md)."""

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
    return read_set(path, EvalQuestion, "question")


Record = TypeVar("Record", bound="SetRecord")


def read_set(path: Path, model: type[Record], noun: str) -> list[Record]:
    """Every record of a JSONL set (each with a unique ``id``, ``line-N`` when it has none),
    or an EvalSetError listing each bad line; ``noun`` names a record in messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read the evaluation set {path}: {exc}") from exc
    records: list[Record] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if isinstance(raw, dict) and "id" not in raw:
                raw["id"] = f"line-{number}"
            record = model.model_validate(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: malformed JSON: {exc.msg}")
            continue
        except ValidationError as exc:
            problems.append(f"line {number}: {describe(exc, noun)}")
            continue
        if record.id in seen:
            problems.append(f"line {number}: id {record.id!r} already used on line "
                            f"{seen[record.id]}")
            continue
        seen[record.id] = number
        records.append(record)
    if problems:
        listed = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise EvalSetError(f"{path}: {len(problems)} bad line(s):\n  {listed}{more}")
    if not records:
        raise EvalSetError(f"{path}: no {noun}s in the evaluation set")
    return records
