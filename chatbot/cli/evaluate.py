"""``newsbot eval``: run an evaluation set and report (see evals/README.md)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chatbot.cli.common import Bar, err, fail, out, settings_from_options


def eval_(
    eval_set: Annotated[Path, typer.Argument(help="Evaluation set, JSONL (see evals/README.md).")],
    corpus: Annotated[list[Path] | None, typer.Option(
        help="Ingest these files/folders into a store of the evaluation's own (repeatable).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="A newsbot.toml to evaluate.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for results.jsonl, summary.json, report.html and plots "
                      "[default: eval-results/<set name>].")] = None,
    min_accuracy: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Exit with code 1 when answer accuracy is below this.")] = None,
    compare: Annotated[tuple[Path, Path] | None, typer.Option(
        help="Run under two configurations (A.toml B.toml) and show them side by side.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
) -> None:
    """Run an evaluation set: answer, decline, retrieval, citation and latency metrics; for a
    timeline set, development recall, date order correctness and the on-topic share."""
    from chatbot.evaluation import report as eval_report
    from chatbot.evaluation.dataset import EvalSetError, load_eval_set
    from chatbot.evaluation.runner import run_eval
    from chatbot.evaluation.timelines import is_timeline_set

    folder = out_dir or Path("eval-results") / eval_set.stem
    if is_timeline_set(eval_set):
        if compare or min_accuracy is not None:
            fail("--compare and --min-accuracy apply to question sets, not timeline sets")
        _eval_timelines(eval_set, corpus or [], config, folder, limit)
        return
    try:
        questions = load_eval_set(eval_set)[:limit]
    except EvalSetError as exc:
        fail(str(exc))
    _check_corpus(corpus or [])
    if compare:
        configs = [(_label(i, compare), settings_from_options(config_file=path))
                   for i, path in enumerate(compare)]
    else:
        label = config.stem if config else "newsbot"
        configs = [(label, settings_from_options(config_file=config))]
    runs = []
    for label, settings in configs:
        run = run_eval(settings, questions, eval_set=eval_set, label=label, corpus=corpus or [],
                       progress=lambda unit: partial(Bar, unit=unit))
        if run.ingest and run.ingest.failed:
            err.print(f"[yellow]{len(run.ingest.failed)} corpus file(s) could not be read[/yellow]")
        eval_report.print_questions(out, run)
        runs.append(run)
    eval_report.print_summary(out, runs)
    files = []
    for run in runs:
        files += eval_report.write_run(folder / run.summary.label if compare else folder, run)
    if compare:
        eval_report.print_differences(out, runs[0], runs[1])
    files += eval_report.write_report(folder, runs)
    out.print("wrote " + ", ".join(escape(str(f)) for f in files))
    below = [r.summary for r in runs
             if min_accuracy is not None and (r.summary.accuracy or 0.0) < min_accuracy]
    for summary in below:
        err.print(f"[red]{escape(summary.label)}: answer accuracy {summary.accuracy or 0:.3f} is "
                  f"below --min-accuracy {min_accuracy}[/red]")
    if below:
        raise typer.Exit(1)


def _label(index: int, configs: tuple[Path, Path]) -> str:
    """A configuration's name in tables and folders: its file name, made unique."""
    a, b = (path.stem for path in configs)
    return configs[index].stem if a != b else f"{'AB'[index]}-{configs[index].stem}"


def _eval_timelines(eval_set: Path, corpus: list[Path], config: Path | None, folder: Path,
                    limit: int | None) -> None:
    """Build each story's timeline as of its day and score it (chatbot.evaluation.timelines)."""
    from chatbot.evaluation.dataset import EvalSetError
    from chatbot.evaluation.runner import open_service
    from chatbot.evaluation.timeline_report import print_timelines, write_timelines
    from chatbot.evaluation.timelines import load_timeline_set, run_timelines, summarize_timelines

    try:
        cases = load_timeline_set(eval_set)[:limit]
    except EvalSetError as exc:
        fail(str(exc))
    _check_corpus(corpus)
    service, _ = open_service(settings_from_options(config_file=config), corpus,
                              partial(Bar, unit="article"))
    results = run_timelines(service, cases)
    summary = summarize_timelines(results)
    print_timelines(out, results, summary)
    files = write_timelines(folder, results, summary)
    out.print("wrote " + ", ".join(escape(str(f)) for f in files))


def _check_corpus(corpus: list[Path]) -> None:
    for path in corpus:
        if not path.exists():
            fail(f"corpus not found: {path}")
