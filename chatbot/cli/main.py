"""The ``newsbot`` command line: thin wrappers around ChatService.

Each command imports what it needs when it runs: ``newsbot --help`` loads no model, no
store and no web framework, and ``ask`` never loads Gradio.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from chatbot.cli.answers import print_answer, print_passages
from chatbot.cli.common import (
    Bar,
    SinceOption,
    SourceOption,
    UntilOption,
    app,
    day_option,
    err,
    fail,
    filters_option,
    open_service,
    out,
    settings_from_options,
    step,
)
from chatbot.cli.evaluate import eval_
from chatbot.cli.story import timeline
from chatbot.cli.watches import watches_app

if TYPE_CHECKING:
    from chatbot.service import ChatService
    from index.pipeline import IngestReport


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


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
    from chatbot.cli.sources import ingest_sources
    from index.pipeline import IngestReport

    if not paths and not sources:
        fail("give files, folders or URLs to ingest, or --sources")
    service = open_service()
    files = [Path(p) for p in paths or [] if not is_url(p)]
    with step("Loading the embedding model"):
        service.warm_up()
    report = service.ingest(files, progress=Bar) if files else IngestReport()
    try:
        ingest_sources(service, [p for p in paths or [] if is_url(p)], sources, report)
    except ValueError as exc:
        fail(str(exc))
    service.watches.drain()  # the changes ingesting found reach the webhooks before exit
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
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of YYYY-MM-DD.")] = None,
    passages: Annotated[bool, typer.Option(
        "--passages", help="Also show each source's link and whole passage.")] = False,
) -> None:
    """Answer one question and show its numbered sources."""
    from chatbot.service import QuestionError

    filters = filters_option(source, since, until, as_of)
    service = open_service()
    try:
        answer = service.ask(question, filters=filters)
    except QuestionError as exc:
        fail(str(exc))
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer, passages)




@app.command()
def chat(
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")
                      ] = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of YYYY-MM-DD.")] = None,
    passages: Annotated[bool, typer.Option(
        "--passages", help="Show each source's whole passage after every answer.")] = False,
) -> None:
    """A terminal chat: follow-up questions are understood in the context of the chat."""
    from chatbot.schema import Answer, Filters, Turn
    from chatbot.service import QuestionError

    filters = Filters(sources=source or [], as_of=day_option(as_of))
    service = open_service()
    history: list[Turn] = []
    last: Answer | None = None
    out.print("Ask about the news. Follow-ups work ('And what about Israel?'). /sources shows "
              "the last answer's passages, /clear starts over, /quit or Ctrl-D leaves.")
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
        if question == "/sources":
            if last is None:
                out.print("[dim](no answer yet)[/dim]")
            else:
                print_passages(last)
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
        print_answer(answer, passages)
        last = answer
        history += [Turn(role="user", content=question),
                    Turn(role="assistant", content=answer.answer)]


@app.command()
def articles(
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List ingested articles."""
    from rich.table import Table

    service = open_service()
    table = Table("id", "title", "source", "published", "passages")
    page = service.articles(offset, limit)
    for a in page.articles:
        table.add_row(escape(a.id), escape(a.title), escape(a.source), a.published,
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
    """Serve the web chat, the HTTP API, the widget, the OpenAI-compatible API (/v1) and the
    MCP tools (/mcp)."""
    from index.embedding import Embedder

    settings = settings_from_options(host=host, port=port, watch=watch)
    # The model loads while the web app is imported and the store opens (create_app waits
    # for it). Gradio is imported after the server listens: the API answers first, the chat
    # a few seconds later.
    Embedder(settings.embedding_model,
             precision=settings.embedding_precision).load_in_background()
    import uvicorn

    from chatbot.web.app import UI_PATH, create_app, server_config
    from chatbot.web.security import exposure_warnings, key_scope_notice
    from index.store.errors import StoreUnavailableError

    for warning in exposure_warnings(settings.host, settings.api_keys, settings.admin_keys,
                                     settings.allowed_hosts):
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if notice := key_scope_notice(settings.api_keys):
        out.print(f"newsbot: {escape(notice)}", soft_wrap=True)
    try:
        web_app = create_app(settings)
    except StoreUnavailableError as exc:
        fail(str(exc))
    base = f"http://{settings.host}:{settings.port}"
    out.print(f"newsbot: chat {base}{UI_PATH}/ · API docs {base}/docs · widget {base}/widget.js"
              f" · OpenAI-compatible {base}/v1 · MCP {base}/mcp")
    uvicorn.Server(server_config(web_app, settings, log_level="info")).run()


@app.command()
def mcp() -> None:
    """Serve the MCP tools (ask_news, search_news, list_articles) over stdio, for an AI
    assistant that starts newsbot itself; `serve` offers the same tools at /mcp."""
    from chatbot.mcp.server import build_server

    build_server(open_service()).run("stdio")


@app.command(name="sources")
def sources_() -> None:
    """List the sources: last poll, status, article count and last error of each."""
    from chatbot.cli.sources import print_sources

    try:
        print_sources(settings_from_options(), out)
    except ValueError as exc:
        fail(str(exc))


@app.command()
def watch() -> None:
    """Poll the sources whenever they are due, logging what changed, until Ctrl-C."""
    from chatbot.cli.sources import run_watch

    service = open_service()
    try:
        run_watch(service, out)
    except ValueError as exc:
        fail(str(exc))


app.command(name="eval")(eval_)
app.command()(timeline)
app.add_typer(watches_app, name="watches")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
