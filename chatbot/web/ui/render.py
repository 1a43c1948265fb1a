"""Answers and their sources as HTML for the web chat.

Article titles, outlets, URLs and text are untrusted: anyone who can get an article ingested
controls them. Everything taken from an answer or a citation is therefore escaped here, in one
place, and a link is made only from an http(s) URL. Gradio's own sanitiser is a second line of
defence for chat messages, but ``gr.HTML`` (the sources panel) inserts its value unsanitised.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

from chatbot.answering.citations.markers import replace_markers
from chatbot.schema import Answer, Citation


def source_anchor(turn: int, n: int) -> str:
    """The element id of citation ``n`` of answer ``turn``: unique across the conversation."""
    return f"nb-src-{turn}-{n}"


def safe_url(url: str) -> str | None:
    """``url`` when it is a web address; anything else (javascript:, data:, file:) is no link."""
    candidate = url.strip()
    parts = urlsplit(candidate)
    return candidate if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def link_markers(text: str, turn: int, cited: int) -> str:
    """``text`` escaped, with each ``[n]`` of an existing citation made a link to its source.

    Only numbers 1..cited become links: a bracketed number quoted from an article (a footnote
    mark) that names no citation stays plain text.
    """
    def link(n: int, marker: str) -> str:
        if not 1 <= n <= cited:
            return marker
        return (f'<a class="nb-cite" href="#{source_anchor(turn, n)}" '
                f'title="Show source {n}">[{n}]</a>')

    return replace_markers(escape(text), link)


def streaming_html(text: str) -> str:
    """A partial answer while it streams in: its sources are not known yet, so no links."""
    return f'<div class="nb-answer nb-pending">{escape(text)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The final answer as a chat message: linked citations, any notice, and, folded away, the
    closest passages of a decline and the standalone question that was searched for."""
    classes = "nb-answer nb-declined" if answer.declined else "nb-answer"
    parts = [f'<div class="{classes}">']
    if answer.declined:
        parts.append('<span class="nb-declined-label">No answer in the sources</span> ')
    parts.append(f'<span class="nb-text">{link_markers(answer.answer, turn, len(answer.citations))}'
                 '</span>')
    if answer.notice:
        parts.append(f'<p class="nb-notice">{escape(answer.notice)}</p>')
    if answer.declined and answer.filtered:
        parts.append('<p class="nb-filtered">Only the outlets and dates selected in Filters were '
                     'searched: <b>Clear filters</b> below the chat searches everything.</p>')
    if answer.declined and answer.closest:
        parts.append('<details class="nb-closest"><summary>Closest passages</summary>'
                     + "".join(f'<blockquote class="nb-passage"><cite>'
                               f'{escape(c.title or c.article_id)}</cite> '
                               f'{escape(c.passage)}</blockquote>' for c in answer.closest)
                     + "</details>")
    if answer.standalone_question:
        seconds = answer.timings_ms.get("total_ms", 0.0) / 1000
        parts.append(
            '<details class="nb-searched"><summary>Searched for</summary>'
            f'<span class="nb-standalone">{escape(answer.standalone_question)}</span>'
            f' <span class="nb-timing">({seconds:.2f} s)</span></details>')
    parts.append("</div>")
    return "".join(parts)


def error_html(message: str) -> str:
    """A failure shown in place of an answer (store down, too many questions)."""
    return f'<div class="nb-answer nb-error">{escape(message)}</div>'


def passage_html(citation: Citation) -> str:
    """The passage escaped, with the cited sentences (absolute article spans) in <mark>."""
    text = citation.passage
    merged: list[list[int]] = []  # overlapping or touching spans become one mark
    for start, end in sorted((max(0, s - citation.start), min(len(text), e - citation.start))
                             for s, e in citation.highlights):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def citation_html(citation: Citation, turn: int) -> str:
    """One source: number, title (a link only for a web address), outlet, date and passage."""
    title = escape(citation.title or citation.article_id)
    url = safe_url(citation.url)
    heading = (f'<a class="nb-title" href="{escape(url)}" target="_blank" '
               f'rel="noopener noreferrer nofollow">{title}</a>' if url
               else f'<span class="nb-title">{title}</span>')
    meta = " · ".join(escape(part) for part in (citation.source, citation.published) if part)
    return (f'<article class="nb-source" id="{source_anchor(turn, citation.n)}">'
            f'<header><span class="nb-n">[{citation.n}]</span> {heading}</header>'
            + (f'<div class="nb-meta">{meta}</div>' if meta else "")
            + f'<blockquote class="nb-passage">{passage_html(citation)}</blockquote></article>')


@dataclass(frozen=True)
class AnsweredTurn:
    """One answered question of the conversation, as the sources panel lists it."""

    turn: int
    question: str
    answer: Answer
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # names it in the feedback file


def sources_html(turns: Sequence[AnsweredTurn]) -> str:
    """The sources of every answer so far, newest first, so that any [n] in the chat has a
    target to jump to."""
    if not turns:
        return ('<div class="nb-sources nb-empty"><h3>Sources</h3><p>Each [n] in an answer '
                'links to the passage here that it came from.</p></div>')
    groups = []
    for item in reversed(turns):
        if item.answer.citations:
            body = "".join(citation_html(c, item.turn) for c in item.answer.citations)
        else:
            body = '<p class="nb-none">No source answered this question.</p>'
        groups.append(f'<section class="nb-group"><h4>{escape(item.question)}</h4>{body}'
                      "</section>")
    return f'<div class="nb-sources"><h3>Sources</h3>{"".join(groups)}</div>'
