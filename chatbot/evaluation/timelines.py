"""Evaluating story timelines: a set of stories, each with the developments it should list.

One story a line (JSONL; see evals/README.md):
``{"id", "topic", "as_of": "YYYY-MM-DD", "developments": [{"date": "YYYY-MM-DD", "answers":
[accepted strings]}], "on_topic": [strings], "limit": 10}``.

A development is found when an entry's claim contains one of its accepted strings (as answers
are matched: whole words, after SQuAD-style normalisation) and the entry is dated within the
strict relevance window of its day (14 days before to 3 after: news about a day is published
around it). Metrics, summed over the set's stories:

- development recall: developments found / developments expected;
- date order correctness: of the pairs of found developments with different days, the share the
  timeline lists newest first (the entry found for each is its first matching one);
- on-topic share: entries whose claim names the story (one of ``on_topic``) / all entries.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from chatbot.evaluation.dataset import SetRecord, read_set
from chatbot.evaluation.metrics import contains_phrase, in_date_window, percentile
from chatbot.schema import Filters, Timeline
from chatbot.service import ChatService


class Development(BaseModel):
    """A development the timeline should list: what it says, and its day."""

    date: dt.date
    answers: list[str] = Field(min_length=1)


class TimelineCase(SetRecord):
    """One story of a timeline evaluation set."""

    topic: str = Field(min_length=1)
    as_of: dt.date | None = None
    developments: list[Development] = Field(min_length=1)
    on_topic: list[str] = Field(min_length=1)
    limit: int = Field(10, ge=1, le=50)

    @model_validator(mode="after")
    def _developments_by_the_as_of_day(self) -> TimelineCase:
        late = [d.date for d in self.developments if self.as_of and d.date > self.as_of]
        if late:
            raise ValueError(f"developments dated after as_of {self.as_of}: {late}")
        return self


class TimelineResult(BaseModel):
    """How one story's timeline scored."""

    id: str
    topic: str
    entries: int
    found: int
    expected: int
    ordered_pairs: int
    pairs: int
    on_topic: int
    declined: bool
    ms: float
    timeline: Timeline


class TimelineSummary(BaseModel):
    """The set's figures (each a ratio of sums over its stories)."""

    stories: int
    development_recall: float
    date_order_correctness: float | None
    on_topic_share: float | None
    declined: int
    p50_ms: float | None


def is_timeline_set(path: Path) -> bool:
    """Whether ``path`` is a timeline set: its first record names a topic and developments."""
    try:
        with path.open(encoding="utf-8") as lines:
            first = next((line for line in lines if line.strip()), "")
        record = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(record, dict) and "topic" in record and "developments" in record


def load_timeline_set(path: Path) -> list[TimelineCase]:
    return read_set(path, TimelineCase, "story")


def score_timeline(case: TimelineCase, timeline: Timeline, ms: float) -> TimelineResult:
    """Recall, date order and on-topic counts of one timeline (see the module docstring)."""
    positions: list[tuple[dt.date, int]] = []
    for development in case.developments:
        position = next((i for i, entry in enumerate(timeline.entries)
                         if entry.date and in_date_window(dt.date.fromisoformat(entry.date),
                                                          development.date)
                         and any(contains_phrase(entry.claim, a) for a in development.answers)),
                        None)
        if position is not None:
            positions.append((development.date, position))
    pairs = [(a, b) for i, a in enumerate(positions) for b in positions[i + 1:] if a[0] != b[0]]
    # Newest first: the newer development's entry comes earlier (a smaller position).
    ordered = sum(1 for a, b in pairs if (a[0] > b[0]) == (a[1] < b[1]))
    on_topic = sum(1 for entry in timeline.entries
                   if any(contains_phrase(entry.claim, term) for term in case.on_topic))
    return TimelineResult(id=case.id, topic=case.topic, entries=len(timeline.entries),
                          found=len(positions), expected=len(case.developments),
                          ordered_pairs=ordered, pairs=len(pairs), on_topic=on_topic,
                          declined=timeline.declined, ms=round(ms, 1), timeline=timeline)


def run_timelines(service: ChatService, cases: Sequence[TimelineCase]) -> list[TimelineResult]:
    """Build and score each story's timeline as of its day."""
    results = []
    for case in cases:
        started = time.perf_counter()
        timeline = service.timeline(case.topic, Filters(as_of=case.as_of), case.limit)
        results.append(score_timeline(case, timeline, (time.perf_counter() - started) * 1000))
    return results


def summarize_timelines(results: Sequence[TimelineResult]) -> TimelineSummary:
    expected = sum(r.expected for r in results)
    pairs = sum(r.pairs for r in results)
    entries = sum(r.entries for r in results)
    return TimelineSummary(
        stories=len(results),
        development_recall=sum(r.found for r in results) / expected if expected else 0.0,
        date_order_correctness=sum(r.ordered_pairs for r in results) / pairs if pairs else None,
        on_topic_share=sum(r.on_topic for r in results) / entries if entries else None,
        declined=sum(r.declined for r in results),
        p50_ms=percentile([r.ms for r in results], 50))
