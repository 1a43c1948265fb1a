"""Presenting evaluation runs: terminal tables, results.jsonl, summary.json, report.html, plots.

report.html comes from an autoescaping Jinja2 template (``evaluation/templates/``): failures
first (question, expected, got, and why: retrieval miss, wrong sentence, false decline), the
metrics that have data, the plots, then the settings and every question folded away.

One run or two side by side (``--compare``) go through the same code: a comparison is the same
summary rows with a column per configuration and the difference. Every piece of question and
answer text in the HTML report is escaped: answers quote articles, and articles are untrusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.evaluation.runner import EvalRun, QuestionResult, RunSummary

PLOTS = ("accuracy.png", "accuracy_by_category.png", "latency.png")


@dataclass(frozen=True)
class Row:
    """One line of the summary table: a figure and how to show it."""

    name: str
    value: float | None
    unit: str = "share"  # share | ms | count | seconds

    def show(self) -> str:
        return _show(self.value, self.unit)


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value:.3f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "seconds":
        return f"{value:,.1f} s"
    return f"{value:,.0f}"


def summary_rows(s: RunSummary) -> list[Row]:
    """The summary figures in reading order; the same rows for the terminal and the report.

    Row names never carry a run's own numbers, so two runs line up row by row.
    """
    rows = [Row("questions", s.questions, "count"), Row("errors", s.errors, "count"),
            Row("answer accuracy", s.accuracy)]
    rows += [Row(f"accuracy, {'first sentence' if size == '1' else f'up to {size} sentences'}",
                 value) for size, value in s.accuracy_at.items()]
    if s.choice_questions:
        rows.append(Row("choice accuracy", s.choice_accuracy))
    rows += [Row("questions with choices", s.choice_questions, "count"),
             Row("decline precision", s.decline_precision),
             Row("decline recall", s.decline_recall),
             Row("false declines (share of answerable)", s.false_decline_rate),
             Row("declined", s.declined, "count"), Row("unanswerable", s.unanswerable, "count"),
             Row("false declines", s.false_declines, "count")]
    if s.followup_questions:
        rows += [Row("follow-up accuracy", s.followup_accuracy),
                 Row("follow-up questions", s.followup_questions, "count")]
    for name, retrieval in (("", s.retrieval), (" strict", s.retrieval_strict)):
        if retrieval.questions:  # strict needs dated questions; without them it is all n/a
            rows += [Row(f"hit@{k}{name}", value) for k, value in retrieval.hit_at.items()]
            rows.append(Row(f"MRR{name}", retrieval.mrr))
        rows.append(Row(f"questions scored{name}", retrieval.questions, "count"))
    rows += [Row(f"accuracy: {name}", group["accuracy"]) for name, group in s.by_category.items()]
    rows += [Row("citation validity (answered)", s.citation_validity),
             Row("answers with invalid citations", s.invalid_citation_answers, "count"),
             Row("support (sentences)", s.support)]
    for stage, figures in s.latency_ms.items():
        rows += [Row(f"{stage.removesuffix('_ms')} p50", figures["p50"], "ms"),
                 Row(f"{stage.removesuffix('_ms')} p95", figures["p95"], "ms")]
    rows += [Row("index articles", s.articles, "count"), Row("index passages", s.passages, "count"),
             Row("run time", s.seconds, "seconds")]
    return rows


def aligned_rows(runs: Sequence[EvalRun]) -> list[tuple[str, list[Row]]]:
    """Each metric with one row per run; a metric a run lacks (hit@8 when it read only five
    passages, a category it never saw) is n/a there."""
    tables = [{row.name: row for row in summary_rows(run.summary)} for run in runs]
    names = list(dict.fromkeys(name for table in tables for name in table))
    return [(name, [table.get(name, Row(name, None)) for table in tables]) for name in names]


def _delta(a: Row, b: Row) -> str:
    if a.value is None or b.value is None or a.unit == "count":
        return ""
    diff = b.value - a.value
    return f"{diff:+.3f}" if a.unit == "share" else f"{diff:+,.0f}"


# -- terminal ---------------------------------------------------------------------------------

def _verdict(result: QuestionResult) -> str:
    if result.error:
        return "[red]error[/red]"
    return "[green]✓[/green]" if result.correct else "[red]✗[/red]"


def print_questions(console: Console, run: EvalRun) -> None:
    """A row per question: verdict, answer, where the first relevant passage ranked, checks."""
    table = Table(title=f"{run.summary.label}: questions")
    figures = ("rank", "strict", "cites", "support", "ms")
    id_width = min(16, max(len(r.id) for r in run.results))
    # Only the answer gives way on a narrow terminal (it is whole in results.jsonl): the other
    # columns keep their width, three characters of border and padding each.
    fixed = id_width + 1 + sum(max(len(name), 6) for name in figures) + 3 * (len(figures) + 3) + 1
    table.add_column("id", no_wrap=True, max_width=id_width)
    table.add_column("", no_wrap=True)
    table.add_column("answer", no_wrap=True, overflow="ellipsis",
                     max_width=max(12, console.width - fixed))
    for name in figures:
        table.add_column(name, no_wrap=True, justify="right", min_width=max(len(name), 6))
    for r in run.results:
        table.add_row(escape(r.id), _verdict(r), escape(r.error or r.answer),
                      _rank(r.rank, r.retrieval_scored), _rank(r.strict_rank, r.strict_scored),
                      "ok" if not r.citation_problems else f"[red]{len(r.citation_problems)}[/red]",
                      f"{r.supported_sentences}/{r.sentences}" if r.sentences else "",
                      f"{r.timings_ms.get('total_ms', 0):,.0f}")
    console.print(table)


def _rank(rank: int | None, scored: bool) -> str:
    if not scored:
        return ""
    return str(rank) if rank else "-"


def print_summary(console: Console, runs: Sequence[EvalRun]) -> None:
    """The summary figures; with two runs, side by side with the difference."""
    table = Table("metric", *(escape(run.summary.label) for run in runs),
                  *(["Δ"] if len(runs) == 2 else []), title="summary")
    for name, rows in aligned_rows(runs):
        table.add_row(escape(name), *(row.show() for row in rows),
                      *([_delta(rows[0], rows[1])] if len(runs) == 2 else []))
    console.print(table)


def print_differences(console: Console, a: EvalRun, b: EvalRun) -> None:
    """The questions the two configurations score differently."""
    table = Table("id", "question", escape(a.summary.label), escape(b.summary.label),
                  title="questions scored differently")
    theirs = {r.id: r for r in b.results}
    for mine in a.results:
        other = theirs.get(mine.id)
        if other is not None and other.correct != mine.correct:
            table.add_row(escape(mine.id), escape(mine.question[:70]), _verdict(mine),
                          _verdict(other))
    console.print(table if table.row_count else "both configurations score every question alike")


# -- files ------------------------------------------------------------------------------------

def write_run(folder: Path, run: EvalRun) -> list[Path]:
    """results.jsonl (one line per question) and summary.json of one run."""
    folder.mkdir(parents=True, exist_ok=True)
    results = folder / "results.jsonl"
    results.write_text("".join(r.model_dump_json() + "\n" for r in run.results), encoding="utf-8")
    summary = folder / "summary.json"
    summary.write_text(run.summary.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return [results, summary]


def write_report(folder: Path, runs: Sequence[EvalRun]) -> list[Path]:
    """The plots and report.html over one run, or two compared."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = _plot(folder, runs)
    report = folder / "report.html"
    report.write_text(_html(runs, plots), encoding="utf-8")
    return [*plots, report]


def _plot(folder: Path, runs: Sequence[EvalRun]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display: reports are made on servers and in CI
    import matplotlib.pyplot as plt
    import numpy as np

    width = 0.8 / len(runs)
    paths = [folder / name for name in PLOTS]

    def bars(path: Path, title: str, groups: list[str], values: list[list[float]]) -> None:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4))
        x = np.arange(len(groups))
        for i, (run, row) in enumerate(zip(runs, values, strict=True)):
            ax.bar(x + (i - (len(runs) - 1) / 2) * width, row, width, label=run.summary.label)
        ax.set_xticks(x, groups, rotation=20, ha="right")
        ax.set_ylim(0, 1.15 if len(runs) > 1 else 1.0)  # headroom for the legend
        ax.set_ylabel("share correct")
        ax.set_title(title)
        if len(runs) > 1:
            ax.legend(loc="upper right", ncol=len(runs))
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)

    # Only the measures this set has data for: no empty "choice" bar without choices.
    kinds = {"answer": lambda s: s.accuracy, "first sentence": lambda s: s.accuracy_at.get("1"),
             "up to 3 sentences": lambda s: s.accuracy_at.get("3"),
             "choice": lambda s: s.choice_accuracy if s.choice_questions else None}
    summaries = [run.summary for run in runs]
    kept = [name for name, get in kinds.items() if any(get(s) is not None for s in summaries)]
    bars(paths[0], "Accuracy", kept, [[kinds[name](s) or 0.0 for name in kept]
                                      for s in summaries])
    categories = sorted({c for run in runs for c in run.summary.by_category})
    bars(paths[1], "Accuracy by category", categories, [
        [float(run.summary.by_category.get(c, {}).get("accuracy") or 0.0) for c in categories]
        for run in runs])

    fig, ax = plt.subplots(figsize=(7, 4))
    for run in runs:
        totals = [r.timings_ms["total_ms"] for r in run.results if "total_ms" in r.timings_ms]
        ax.hist(totals, bins=30, alpha=0.6, label=run.summary.label)
    ax.set_xlabel("total time per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    if len(runs) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(paths[2], dpi=100)
    plt.close(fig)
    return paths


_ENV = Environment(loader=PackageLoader("chatbot.evaluation", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_PLOT_ALT = {"accuracy": "Bar chart: share of questions answered correctly, by measure",
             "accuracy_by_category": "Bar chart: share answered correctly, by question category",
             "latency": "Histogram: total time per question in milliseconds"}


def failure_reason(r: QuestionResult) -> str:
    """Why a question failed, in the words a reader of the report acts on."""
    if r.error:
        return "error"
    if r.declined and not r.unanswerable:
        return "false decline"
    if r.unanswerable:
        return "answered an unanswerable question"
    if r.retrieval_scored and not r.rank:
        return "retrieval miss"
    return "wrong sentence"


def shown_rows(runs: Sequence[EvalRun]) -> list[tuple[str, list[Row]]]:
    """The summary rows that have data: a metric n/a in every run, and the counts of what
    the set does not have (choices, dated questions), are left out."""
    shown = []
    for name, rows in aligned_rows(runs):
        if all(row.value is None for row in rows):
            continue
        if name in ("questions with choices", "questions scored strict") and not any(
                row.value for row in rows):
            continue
        shown.append((name, rows))
    return shown


def _html(runs: Sequence[EvalRun], plots: Sequence[Path]) -> str:
    first = runs[0].summary
    names = [name for name in first.settings
             if len(runs) == 1 or len({str(r.summary.settings.get(name)) for r in runs}) > 1]
    return _ENV.get_template("report.html").render(
        set_name=Path(first.eval_set).name, eval_set=first.eval_set,
        corpus=", ".join(first.corpus) or "the configured index",
        runs=[_run_view(run) for run in runs],
        summary=[{"name": name, "cells": [row.show() for row in rows],
                  "delta": _delta(rows[0], rows[-1]) if len(rows) == 2 else ""}
                 for name, rows in shown_rows(runs)],
        plots=[{"name": p.name, "alt": _PLOT_ALT.get(p.stem, p.stem)} for p in plots],
        settings=[(name, [str(r.summary.settings.get(name)) for r in runs]) for name in names])


def _run_view(run: EvalRun) -> dict[str, Any]:
    failures = [{"id": r.id, "category": r.category, "question": r.question,
                 "expected": ("a decline (no answer in the sources)" if r.unanswerable
                              else " | ".join(r.expected) or "(no accepted answer given)"),
                 "got": r.error or r.answer or "(nothing)", "why": failure_reason(r)}
                for r in run.results if not r.correct]
    rows = [{"id": r.id, "category": r.category, "question": r.question, "correct": r.correct,
             "answer": r.error or r.answer,
             "asked_as": r.standalone_question if r.standalone_question != r.question else "",
             "ok": ("yes" if r.correct else "no") + (" (declined)" if r.declined else ""),
             "rank": _rank(r.rank, r.retrieval_scored),
             "strict": _rank(r.strict_rank, r.strict_scored), "problems": r.citation_problems,
             "support": f"{r.supported_sentences}/{r.sentences}",
             "ms": f"{r.timings_ms.get('total_ms', 0):,.0f}"} for r in run.results]
    return {"label": run.summary.label, "questions": run.summary.questions,
            "accuracy": _show(run.summary.accuracy, "share"), "failures": failures,
            "rows": rows}
