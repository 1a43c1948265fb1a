"""An answer in the terminal: its sentences, then each source once, on one line.

A conversation must stay readable as it scrolls: each source article is one line (``[1][2]
title — outlet, date``) with, under it, the sentence the answer took from it when the answer
does not already say it. Whole passages are shown only when asked for (``--passages``,
or ``/sources`` in the chat).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from chatbot.cli.common import out

if TYPE_CHECKING:
    from chatbot.schema import Answer


def print_answer(answer: Answer, passages: bool = False) -> None:
    """The answer, any notice, then one line per source (and its passage with ``passages``)."""
    from chatbot.answering.citations.markers import markers
    from chatbot.answering.citations.text import by_article, cited_sentences, source_label

    style = "yellow" if answer.declined else "bold"
    out.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.notice:
        out.print(f"[yellow]note:[/yellow] {escape(answer.notice)}")
    if not answer.citations:
        return
    older = {claim.citations[0] for claim in answer.claims if claim.older and claim.citations}
    out.print("\nSources")
    for group in by_article(answer):
        numbers = escape(markers(c.n for c in group))
        out.print(f"[bold]{numbers}[/bold] {escape(source_label(group[0]))}"
                  + (" [dim](older story)[/dim]" if older & {c.n for c in group} else ""))
        for c in group:
            for sentence in cited_sentences(answer, c):
                out.print(f"    [dim]“{escape(sentence)}”[/dim]")
            if passages:
                print_passage(c.url, c.passage)


def print_passages(answer: Answer) -> None:
    """Every source of ``answer`` with its link and whole passage (``/sources``)."""
    from chatbot.answering.citations.text import source_label

    if not answer.citations:
        out.print("[dim](this answer cites no sources)[/dim]")
    for c in answer.citations:
        out.print(f"[bold][{c.n}][/bold] {escape(source_label(c))}")
        print_passage(c.url, c.passage)


def print_passage(url: str, passage: str) -> None:
    if url:
        out.print(f"    {escape(url)}")
    out.print(f"    [dim]{escape(passage)}[/dim]")
