"""Presenting a timeline evaluation: one terminal row per story, the set's figures, and
results.jsonl (every story's timeline and counts) with summary.json beside it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.evaluation.timelines import TimelineResult, TimelineSummary


def print_timelines(console: Console, results: Sequence[TimelineResult],
                    summary: TimelineSummary) -> None:
    stories = Table("story", "entries", "developments found", "in date order", "on topic", "ms",
                    title="Timelines")
    for r in results:
        stories.add_row(escape(r.id), str(r.entries), f"{r.found}/{r.expected}",
                        f"{r.ordered_pairs}/{r.pairs}" if r.pairs else "n/a",
                        f"{r.on_topic}/{r.entries}" if r.entries else "n/a", f"{r.ms:,.0f}")
    console.print(stories)
    figures = Table("metric", "value", title="Timeline evaluation")
    for name, value in (("stories", f"{summary.stories}"),
                        ("development recall", _share(summary.development_recall)),
                        ("date order correctness", _share(summary.date_order_correctness)),
                        ("on-topic share of entries", _share(summary.on_topic_share)),
                        ("declined", f"{summary.declined}"),
                        ("timeline p50", "n/a" if summary.p50_ms is None
                         else f"{summary.p50_ms:,.0f} ms")):
        figures.add_row(name, value)
    console.print(figures)


def write_timelines(folder: Path, results: Sequence[TimelineResult],
                    summary: TimelineSummary) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / "results.jsonl"
    lines.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    figures = folder / "summary.json"
    figures.write_text(json.dumps(summary.model_dump(), indent=2) + "\n", encoding="utf-8")
    return [lines, figures]


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
