"""``newsbot timeline``: a story's dated developments, newest first, each cited."""

from __future__ import annotations

from typing import Annotated

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


def timeline(
    topic: Annotated[str, typer.Argument(
        help="The story: a topic (\"the Gaza truce talks\") or a question asking for the "
             "latest on one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Timeline object.")] = False,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: Annotated[str | None, typer.Option(help="The story as of YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="At most this many developments.")
                     ] = 10,
) -> None:
    """Show a story's developments, newest first: one cited sentence each, with its outlet and
    day; a development several outlets reported is one entry, dated by the earliest."""
    from chatbot.answering.citations.text import source_label
    from chatbot.service import QuestionError
    from chatbot.story.present import NOTHING_ON_TOPIC, all_citations, entry_line, headline

    filters = filters_option(source, since, until, as_of)
    service = open_service()
    try:
        story = service.timeline(topic, filters, limit)
    except QuestionError as exc:
        fail(str(exc))
    if as_json:
        print(story.model_dump_json(indent=2))
        return
    if story.declined:
        out.print(f"[yellow]{escape(NOTHING_ON_TOPIC)}[/yellow]")
        return
    out.print(f"[bold]{escape(headline(story))}[/bold]\n")
    for entry in story.entries:
        out.print(f"- {escape(entry_line(entry))}")
    # One line per source, as under answers: the entries above already quote what each says.
    out.print("\nSources")
    for c in all_citations(story):
        out.print(f"[bold][{c.n}][/bold] {escape(source_label(c))}")
        if c.url:
            out.print(f"    {escape(c.url)}")
