"""The public data shapes: what a question carries in and what an answer carries out.

These are the contract of the API, the CLI's ``--json`` and the evaluation files.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def holds_lone_surrogate(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate (``"\\ud800"`` in JSON): no character, it
    cannot be encoded and would fail deep inside the search."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unicode_text(value: str) -> str:
    """Refuse a lone surrogate here, with a clear 422."""
    if holds_lone_surrogate(value):
        raise ValueError("contains a lone surrogate (\\ud800-\\udfff), which is not text")
    return value


Text = Annotated[str, AfterValidator(_unicode_text)]


class Turn(BaseModel):
    """One message of the chat so far."""

    role: Literal["user", "assistant"]
    content: Text


class Filters(BaseModel):
    """Which articles may be used: outlets, a published-date range and an "as of" day."""

    model_config = ConfigDict(extra="forbid")

    sources: list[Text] = Field(default_factory=list)
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


class DatedClaim(BaseModel):
    """One sentence of an answer with where and when it was published: what a reader needs to
    judge it ("as of when?"). ``older`` marks a claim from an earlier day than another claim of
    the same answer, so stories months apart are never mixed silently."""

    text: str
    citations: list[int]
    source: str
    published: str
    older: bool = False

    @property
    def dateline(self) -> str:
        """Where and when it was published: "[1] cnn.com, 10 Jun 2022 (older story)"."""
        where = (f"{self.source or 'outlet unknown'}, "
                 f"{date_label(self.published) if self.published else 'undated'}")
        numbers = "".join(f"[{n}]" for n in self.citations)
        return f"{numbers} {where}" + (" (older story)" if self.older else "")


def date_label(published: str) -> str:
    """A reader's date for an ISO day ("10 Jun 2022"); other text as it is."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


# Why a language model's answer was replaced by the extractive one.
FallbackReason = Literal["timeout", "unreachable", "http_error", "context_too_small",
                         "start_failed", "empty_reply", "uncited_reply", "failed"]


class Answer(BaseModel):
    """What ChatService returns for one question."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    claims: list[DatedClaim] = Field(
        default_factory=list, description="Each answer sentence with its outlet and date.")
    declined: bool = False
    standalone_question: str = ""
    answered_by: Literal["extractive", "llm"] = Field(
        "extractive", description="Who wrote the answer: sentences picked from the sources, or "
        "a language model whose sentences were each checked against them.")
    fallback_reason: FallbackReason | None = Field(
        None, description="Set when a language model was configured but its answer could not "
        "be used, so the extractive answer was given instead.")
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


class Health(BaseModel):
    """Whether the service can answer: the store reachable, the embedding model loaded."""

    status: Literal["ok", "unavailable"]
    store: Literal["reachable", "unreachable"]
    articles: int | None = None
    passages: int | None = None
    model_loaded: bool
    embedding_dimension: int | None = None
    detail: str | None = None


class ArticleSummary(BaseModel):
    """One indexed article, as listed (no text)."""

    id: str
    title: str
    source: str
    url: str
    published: str
    passages: int


class ArticlePage(BaseModel):
    """A page of the indexed articles, in the store's order."""

    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(None, description="Offset of the next page; null at the end.")
    articles: list[ArticleSummary]


class TimelineEntry(BaseModel):
    """One development of a story: a sentence from the earliest article that reported it,
    with its day, the passages that say it (earliest report first) and the other outlets that
    reported it too."""

    date: str | None = Field(description="Publication day of the earliest report, YYYY-MM-DD; "
                                         "null when no report gives one.")
    claim: str
    citations: list[Citation] = Field(default_factory=list)
    also_reported_by: list[str] = Field(default_factory=list)


class Timeline(BaseModel):
    """A story's developments, newest first (what ``newsbot timeline --json`` prints and
    ``POST /api/timeline`` returns). No entries means the index has nothing on the topic."""

    topic: str
    as_of: date | None = None
    entries: list[TimelineEntry] = Field(default_factory=list)
    declined: bool = False


class WatchedClaim(BaseModel):
    """A claim of a watched question's answer, with where and when it was published."""

    text: str
    source: str = ""
    published: str = ""
    citations: list[Citation] = Field(default_factory=list)


class WatchChange(BaseModel):
    """What changed in a watched question's answer after new articles: the claims that are
    new (with their citations) and those of the former answer they replace."""

    id: int
    watch_id: str
    at: str = Field(description="When the change was found, ISO 8601 (UTC).")
    answer: str = Field(description="The new answer, as it reads now.")
    new: list[WatchedClaim] = Field(default_factory=list)
    replaces: list[WatchedClaim] = Field(default_factory=list)
    read: bool = False


class Watch(BaseModel):
    """A question asked again after every ingest and feed poll, on behalf of its owner."""

    id: str
    question: str
    filters: Filters | None = None
    created: str
    last_checked: str | None = None
    answer: str = Field("", description="The latest answer.")
    declined: bool = False
    unread: int = Field(0, description="Changes not yet shown to the owner.")
