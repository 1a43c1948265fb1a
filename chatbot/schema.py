"""The public data shapes: what a question carries in and what an answer carries out.

These are the contract of the API, the CLI's ``--json`` and the evaluation files.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class Turn(BaseModel):
    """One message of the chat so far."""

    role: Literal["user", "assistant"]
    content: str


class Filters(BaseModel):
    """Which articles may be used: outlets, a published-date range and an "as of" day."""

    sources: list[str] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None
    as_of: date | None = Field(None, description="Ignore articles published after this day.")


class Citation(BaseModel):
    """A numbered source: ``passage == cleaned_article_text[start:end]``.

    ``highlights`` are the spans (absolute, in the article) of the sentences the answer took
    from this passage, for showing them marked inside it.
    """

    n: int
    article_id: str
    title: str
    source: str
    url: str
    published: str
    passage: str
    start: int
    end: int
    score: float
    highlights: list[tuple[int, int]] = Field(default_factory=list)


class Answer(BaseModel):
    """What ChatService returns for one question."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    declined: bool = False
    standalone_question: str = ""
    notice: str | None = Field(None, description="Something the user should know, e.g. a fallback.")
    closest: list[Citation] = Field(
        default_factory=list,
        description="On a decline: the passages that came closest (they do not answer).")
    filtered: bool = Field(
        False, description="On a decline: outlet, date or \"as of\" filters limited the search, "
                           "so clearing them may find an answer.")
    timings_ms: dict[str, float] = Field(default_factory=dict)


class StreamEvent(BaseModel):
    """One step of a streamed answer: text to show now, or the final, authoritative Answer.

    Deltas are for display only; the final event's Answer replaces what was shown (an LLM's
    unsupported sentences, for example, are removed from it).
    """

    delta: str = ""
    answer: Answer | None = None
