"""Thumbs up/down on answers, appended to a JSONL file that the newsroom can read.

Append-only, one JSON object a line, so a crash loses at most the line being written and the
file can be tailed or loaded with any tool. A rating and a later comment on the same answer
share an ``id``: the last line with a given id is the current verdict.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Rating = Literal["up", "down", "none"]


class Feedback(BaseModel):
    """One verdict on one answer."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    time: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    rating: Rating
    comment: str = ""
    question: str
    answer: str
    standalone_question: str = ""
    declined: bool = False
    article_ids: list[str] = Field(default_factory=list)


class FeedbackLog:
    """Appends Feedback records to one file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, feedback: Feedback) -> None:
        line = feedback.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)

    def read(self) -> list[Feedback]:
        """Every record, oldest first (for reports and tests)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [Feedback(**json.loads(line)) for line in handle if line.strip()]
