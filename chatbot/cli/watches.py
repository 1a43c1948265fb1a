"""``newsbot watches add | list | remove | check``: watched questions from the command line.

The command line acts as the shared owner, the owner of every watch of a server without keys,
so a watch added here shows in that server's chat and feeds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from chatbot.cli.common import (
    SinceOption,
    SourceOption,
    UntilOption,
    fail,
    filters_option,
    open_service,
    out,
)

if TYPE_CHECKING:
    from chatbot.schema import Watch, WatchChange

watches_app = typer.Typer(no_args_is_help=True, help=(
    "Watched questions: asked again after every ingest and feed poll; what changed is kept."))


@watches_app.command("add")
def add(
    question: Annotated[str, typer.Argument(help="The question to watch.")],
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Watch object.")] = False,
) -> None:
    """Watch a question: answered now, and again whenever new articles could change it."""
    from chatbot.service import QuestionError
    from chatbot.story.watches import SHARED_OWNER

    filters = filters_option(source, since, until, None)
    service = open_service()
    try:
        watch = service.watches.add(SHARED_OWNER, service.validate_question(question),
                                    filters if filters.sources or filters.since or filters.until
                                    else None)
    except QuestionError as exc:
        fail(str(exc))
    if as_json:
        print(watch.model_dump_json(indent=2))
    else:
        out.print(f"watching {watch.id}: {escape(watch.question)}")
        out.print(f"  now: {escape(watch.answer)}")


@watches_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print the Watch objects.")
                             ] = False) -> None:
    """The watches, oldest first, with their latest answer and unread changes."""
    from chatbot.story.watches import SHARED_OWNER

    watches = open_service().watches.store.watches(SHARED_OWNER)
    if as_json:
        print(json.dumps([w.model_dump(mode="json") for w in watches], indent=2))
        return
    if not watches:
        out.print("no watches (add one with: newsbot watches add QUESTION)")
    for watch in watches:
        _print_watch(watch)


@watches_app.command("remove")
def remove(watch_id: Annotated[str, typer.Argument(help="The watch's id (see list).")]) -> None:
    """Stop watching a question; its changes go with it."""
    from chatbot.story.watches import SHARED_OWNER

    if not open_service().watches.store.remove(SHARED_OWNER, watch_id):
        fail(f"no watch has the id {watch_id}")
    out.print(f"removed {watch_id}")


@watches_app.command("check")
def check(as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")
                             ] = False) -> None:
    """Ask every watched question again now and show what changed."""
    desk = open_service().watches
    changes = desk.check()
    desk.drain()
    if as_json:
        print(json.dumps([c.model_dump(mode="json") for c in changes], indent=2))
        return
    out.print(f"{len(changes)} watch(es) changed")
    for change in changes:
        _print_change(change)


def _print_watch(watch: Watch) -> None:
    unread = f", {watch.unread} unread change(s)" if watch.unread else ""
    out.print(f"[bold]{watch.id}[/bold] {escape(watch.question)} "
              f"(checked {watch.last_checked or 'never'}{unread})")
    out.print(f"  {escape(watch.answer)}")


def _print_change(change: WatchChange) -> None:
    out.print(f"[bold]{change.watch_id}[/bold] at {change.at}:")
    for claim in change.new:
        out.print(f"  new: {escape(claim.source)}, {escape(claim.published or 'undated')}: "
                  f"{escape(claim.text)}")
    for claim in change.replaces:
        out.print(f"  replaces: {escape(claim.text)}")
