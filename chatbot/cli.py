"""The ``newsbot`` command line: thin wrappers around ChatService."""

from __future__ import annotations

import json
import sys
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.providers import AnswererUnavailableError
from chatbot.schema import Answer, Filters, Turn
from chatbot.service import ChatService, QuestionError, create_service
from chatbot.settings import Settings, load_settings
from chatbot.source_cli import ingest_sources, is_url, print_sources, run_watch
from index.pipeline import IngestReport, Progress
from index.store import StoreUnavailableError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of news articles; every answer cites its passages.")
out = Console(highlight=False, soft_wrap=True)
# Messages name paths and URLs: never wrapped, so they can be copied and searched whole.
err = Console(stderr=True, highlight=False, soft_wrap=True)

_STATE: dict[str, Any] = {}


@app.callback()
def _global_options(
    config: Annotated[Path | None, typer.Option(help="A newsbot.toml to read.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of the embedded store.")] = None,
    chroma_url: Annotated[str | None, typer.Option(help="Use this Chroma server.")] = None,
    answerer: Annotated[str | None, typer.Option(
        help="extractive, local (the bundled model) or openai (llm_base_url).")] = None,
) -> None:
    _STATE["overrides"] = {"config_file": config, "data_dir": data_dir, "chroma_url": chroma_url,
                           "answerer": answerer}


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{**_STATE.get("overrides", {}), **overrides})
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))


def _service(settings: Settings | None = None) -> ChatService:
    try:
        return create_service(settings or _settings())
    except (StoreUnavailableError, AnswererUnavailableError) as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


class _Bar(Progress):
    """A tqdm bar on stderr, shown only for runs long enough to need one."""

    def __init__(self, total: int, unit: str = "article") -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit=unit, file=sys.stderr,
                         disable=total < 20 or not sys.stderr.isatty(), dynamic_ncols=True)

    def advance(self, steps: int = 1) -> None:
        self._bar.update(steps)

    def close(self) -> None:
        self._bar.close()


@app.command()
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (.txt .md .html .json .jsonl), read recursively, and feed or "
             "page URLs (http/https).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    sources: Annotated[bool, typer.Option(
        "--sources", help="Also poll every source of sources.toml / [sources].")] = False,
) -> None:
    """Add or update articles in the index; unchanged ones are skipped."""
    if not paths and not sources:
        _fail("give files, folders or URLs to ingest, or --sources")
    service = _service()
    files = [Path(p) for p in paths or [] if not is_url(p)]
    report = service.ingest(files, progress=_Bar) if files else IngestReport()
    try:
        ingest_sources(service, [p for p in paths or [] if is_url(p)], sources, report)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(_report_dict(report), indent=2))
    else:
        _print_report(report, service)
    if report.failed:
        raise typer.Exit(1)


def _report_dict(report: IngestReport) -> dict[str, Any]:
    return {**report.counts, "passages_written": report.passages_written,
            "failures": [{"origin": o, "reason": r} for o, r in report.failed]}


def _print_report(report: IngestReport, service: ChatService) -> None:
    counts = report.counts
    out.print(", ".join(f"{value} {key}" for key, value in counts.items())
              + f" ({report.passages_written} passages written)")
    for origin, reason in report.failed:
        err.print(f"[yellow]skipped[/yellow] {escape(origin)}: {escape(reason)}")
    stats = service.stats()
    out.print(f"index: {stats.articles} articles, {stats.passages} passages")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain language.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer object.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")
                      ] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before YYYY-MM-DD.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of YYYY-MM-DD.")] = None,
) -> None:
    """Answer one question and show its numbered sources."""
    filters = Filters(sources=source or [], since=_day(since), until=_day(until),
                      as_of=_day(as_of))
    service = _service()
    try:
        answer = service.ask(question, filters=filters)
    except QuestionError as exc:
        _fail(str(exc))
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"not a date (YYYY-MM-DD): {value!r}")


def print_answer(answer: Answer) -> None:
    """The answer, then each numbered source with its passage."""
    style = "yellow" if answer.declined else "bold"
    out.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.notice:
        out.print(f"[yellow]note:[/yellow] {escape(answer.notice)}")
    if not answer.citations:
        return
    out.print("\nSources")
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, c.published) if x)
        out.print(f"[bold][{c.n}][/bold] {escape(c.title or c.article_id)}"
                  + (f" ({escape(meta)})" if meta else ""))
        if c.url:
            out.print(f"    {escape(c.url)}")
        out.print(f"    [dim]{escape(c.passage)}[/dim]")


@app.command()
def chat(
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")
                      ] = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of YYYY-MM-DD.")] = None,
) -> None:
    """A terminal chat: follow-up questions are understood in the context of the chat."""
    filters = Filters(sources=source or [], as_of=_day(as_of))
    service = _service()
    history: list[Turn] = []
    out.print("Ask about the news. Follow-ups work ('And what about Israel?'). "
              "/clear starts over, /quit or Ctrl-D leaves.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if question in ("/quit", "/exit"):
            return
        if question == "/clear":
            history.clear()
            out.print("[dim](new conversation)[/dim]")
            continue
        if not question:
            continue
        try:
            answer = service.ask(question, history=history, filters=filters)
        except QuestionError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            continue
        if answer.standalone_question != question:
            out.print(f"[dim](searched for: {escape(answer.standalone_question)})[/dim]")
        print_answer(answer)
        history += [Turn(role="user", content=question),
                    Turn(role="assistant", content=answer.answer)]


@app.command()
def articles(
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List ingested articles."""
    service = _service()
    table = Table("id", "title", "source", "published", "passages")
    for a in service.store.list_articles(offset, limit):
        table.add_row(escape(a.article_id), escape(a.title), escape(a.source), a.published,
                      str(a.passages))
    out.print(table)
    stats = service.stats()
    out.print(f"{stats.articles} articles, {stats.passages} passages in all")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: 127.0.0.1].")
                    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 7860].")] = None,
    watch: Annotated[bool | None, typer.Option(
        "--watch", help="Poll the sources in the background while serving.")] = None,
) -> None:
    """Serve the web chat, the HTTP API and the embeddable widget."""
    import uvicorn

    from chatbot.api import UI_PATH, create_app

    settings = _settings(host=host, port=port, watch=watch)
    try:
        web_app = create_app(settings)
    except StoreUnavailableError as exc:
        _fail(str(exc))
    base = f"http://{settings.host}:{settings.port}"
    out.print(f"newsbot: chat {base}{UI_PATH}/ · API docs {base}/docs · widget {base}/widget.js")
    uvicorn.run(web_app, host=settings.host, port=settings.port, log_level="info")


@app.command(name="eval")
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
    """Run an evaluation set: answer, decline, retrieval, citation and latency metrics."""
    from chatbot import eval_report
    from chatbot.eval_set import EvalSetError, load_eval_set
    from chatbot.evaluate import run_eval

    try:
        questions = load_eval_set(eval_set)[:limit]
    except EvalSetError as exc:
        _fail(str(exc))
    for path in corpus or []:
        if not path.exists():
            _fail(f"corpus not found: {path}")
    configs = ([(_label(i, compare), _settings(config_file=path))
                for i, path in enumerate(compare)] if compare
               else [(config.stem if config else "newsbot", _settings(config_file=config))])
    runs = []
    for label, settings in configs:
        run = run_eval(settings, questions, eval_set=eval_set, label=label, corpus=corpus or [],
                       progress=lambda unit: partial(_Bar, unit=unit))
        if run.ingest and run.ingest.failed:
            err.print(f"[yellow]{len(run.ingest.failed)} corpus file(s) could not be read[/yellow]")
        eval_report.print_questions(out, run)
        runs.append(run)
    eval_report.print_summary(out, runs)
    folder = out_dir or Path("eval-results") / eval_set.stem
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


@app.command(name="sources")
def sources_() -> None:
    """List the sources: last poll, status, article count and last error of each."""
    try:
        print_sources(_settings(), out)
    except ValueError as exc:
        _fail(str(exc))


@app.command()
def watch() -> None:
    """Poll the sources whenever they are due, logging what changed, until Ctrl-C."""
    service = _service()
    try:
        run_watch(service, out)
    except ValueError as exc:
        _fail(str(exc))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
