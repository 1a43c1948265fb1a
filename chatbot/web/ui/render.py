"""Answers and their sources as HTML for the web chat, through Jinja2 templates.

Article titles, outlets, URLs and text are untrusted: anyone who can get an article ingested
controls them. The templates (``ui/templates/``) are rendered with autoescape on, so every value
taken from an answer or a citation is text, and a link is made only from an http(s) URL. Gradio's
own sanitiser is a second line of defence for chat messages, but ``gr.HTML`` (the sources panel)
inserts its value unsanitised. Bidirectional controls in any value are written out (see
``neutral_bidi``), so a title cannot spoof a file name or an outlet.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from chatbot.answering.citations.markers import MARKER
from chatbot.schema import Answer, Citation, Filters

# Bidirectional embedding, override and isolate controls: in a title they reorder what
# follows ("Vexbury flood\u202egnp.exe" shows as "Vexbury floodexe.png"). Shown as their code.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutral_bidi(value: Any) -> Any:
    """``value`` with every bidi control written out as ``[U+202E]``: the text reads in the
    order it was written, and the reader sees that something tried to reorder it."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m[0]):04X}]", value)
    return value


# finalize runs on every value a template prints, before it is escaped.
_ENV = Environment(loader=PackageLoader("chatbot.web.ui", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   finalize=neutral_bidi)


def render(template: str, **values: Any) -> str:
    """``template`` (a file of ui/templates/) rendered with ``values``, all of them escaped."""
    return _ENV.get_template(template).render(**values)


def source_anchor(turn: int, n: int) -> str:
    """The element id of the card of citation ``n`` of answer ``turn`` (its first number)."""
    return f"nb-src-{turn}-{n}"


def safe_url(url: str) -> str | None:
    """``url`` when it is a web address; anything else (javascript:, data:, file:) is no link."""
    from urllib.parse import urlsplit

    candidate = url.strip()
    parts = urlsplit(candidate)
    return candidate if parts.scheme.lower() in ("http", "https") and parts.netloc else None


# -- cards ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """One cited article: its numbers, what is known of it, and the passages the answer used
    (overlapping passages joined), each as (text, cited?) pieces."""

    anchor: str
    article_id: str
    numbers: list[int]
    title: str
    url: str | None
    source: str
    published: str
    blocks: list[list[tuple[str, bool]]]


def cards_of(answer: Answer, turn: int) -> list[Card]:
    """One card per cited article, in the order of their first citation number."""
    by_article: dict[str, list[Citation]] = {}
    for citation in answer.citations:
        by_article.setdefault(citation.article_id, []).append(citation)
    cards = []
    for article_id, cites in by_article.items():
        first = cites[0]
        cards.append(Card(
            anchor=source_anchor(turn, first.n), article_id=article_id,
            numbers=[c.n for c in cites], title=first.title or article_id,
            url=safe_url(first.url), source=first.source, published=first.published,
            blocks=passage_blocks(cites)))
    return cards


def passage_blocks(cites: Sequence[Citation]) -> list[list[tuple[str, bool]]]:
    """The article text the citations quote, overlapping or touching passages joined into one
    block, split into pieces with every cited sentence (absolute spans) marked."""
    segments: list[list[Any]] = []  # [start, end, text]
    for c in sorted(cites, key=lambda c: (c.start, -c.end)):
        if segments and c.start <= segments[-1][1]:
            last = segments[-1]
            if c.end > last[1]:
                last[2] += c.passage[last[1] - c.start:]
                last[1] = c.end
        else:
            segments.append([c.start, c.end, c.passage])
    marks = _merged(span for c in cites for span in c.highlights)
    blocks = []
    for start, end, text in segments:
        pieces: list[tuple[str, bool]] = []
        position = 0
        for mark_start, mark_end in marks:
            a, b = max(mark_start - start, 0), min(mark_end - start, end - start)
            if a >= b:
                continue
            if a > position:
                pieces.append((text[position:a], False))
            pieces.append((text[a:b], True))
            position = b
        if position < len(text):
            pieces.append((text[position:], False))
        blocks.append(pieces)
    return blocks


def _merged(spans: Any) -> list[tuple[int, int]]:
    merged: list[list[int]] = []  # overlapping or touching spans become one mark
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


# -- answers ----------------------------------------------------------------------------------

def answer_parts(answer: Answer, turn: int) -> list[dict[str, Any]]:
    """The answer text as pieces: plain text, or a citation marker linked to its card. The
    last marker of a run (``[1][2]``) carries the outlets and dates of the run's articles, and
    is marked "older story" when its claim is from an earlier day than another of the answer.

    Only numbers 1..len(citations) become links: a bracketed number quoted from an article (a
    footnote mark) that names no citation stays plain text.
    """
    cards = {n: card.anchor for card in cards_of(answer, turn) for n in card.numbers}
    by_n = {c.n: c for c in answer.citations}
    older = {n for claim in answer.claims if claim.older for n in claim.citations}
    text = answer.answer
    parts: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    position = 0

    def close_run() -> None:
        if run:
            seen: dict[tuple[str, str], Citation] = {}
            for part in run:
                c = part["citation"]
                seen.setdefault((c.source, c.published), c)
            run[-1]["meta"] = list(seen.values())
            run[-1]["older"] = any(part["citation"].n in older for part in run)
            run.clear()

    for match in MARKER.finditer(text):
        n = int(match[1])
        between = text[position:match.start()]
        if between.strip() or n not in by_n:
            close_run()
        if between:
            parts.append({"text": between})
        if n in by_n:
            part = {"citation": by_n[n], "card": cards[n], "meta": None, "older": False}
            parts.append(part)
            run.append(part)
        else:
            close_run()
            parts.append({"text": match[0]})
        position = match.end()
    close_run()
    if position < len(text):
        parts.append({"text": text[position:]})
    return parts


def filters_text(filters: Filters | None) -> str:
    """The active filters in words ("articles from Reuters published from 2024-01-01"), or ""."""
    if filters is None:
        return ""
    words = ["articles"]
    if filters.sources:
        words.append("from " + ", ".join(filters.sources))
    if filters.since and filters.until:
        words.append(f"published {filters.since} to {filters.until}")
    elif filters.since:
        words.append(f"published from {filters.since}")
    elif filters.until:
        words.append(f"published until {filters.until}")
    return " ".join(words) if len(words) > 1 else ""


def streaming_html(text: str) -> str:
    """A partial answer while it streams in: its sources are not known yet, so no links."""
    return render("streaming.html", text=text)


def answer_html(answer: Answer, turn: int, filters: Filters | None = None) -> str:
    """The final answer as a chat message: linked citations with their outlet and date, any
    notice, a decline's active filters (with a button that clears them), and, folded away, the
    closest passages of a decline and the standalone question that was searched for."""
    return render("answer.html", answer=answer, turn=turn, parts=answer_parts(answer, turn),
                  filters=filters_text(filters) if answer.declined else "",
                  seconds=answer.timings_ms.get("total_ms", 0.0) / 1000)


def message_html(text: str, kind: str = "error") -> str:
    """A short message under the question box (a refused question, a failure), or nothing."""
    return render("message.html", text=text, kind=kind)


@dataclass(frozen=True)
class AnsweredTurn:
    """One answered question of the conversation, as the sources panel lists it."""

    turn: int
    question: str
    answer: Answer
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # names it in the feedback file
    filters: Filters | None = None


def sources_html(turns: Sequence[AnsweredTurn]) -> str:
    """The sources of every answer so far, newest first, so that any [n] in the chat has a
    target to jump to."""
    groups = [{"turn": item.turn, "question": item.question,
               "cards": cards_of(item.answer, item.turn)} for item in reversed(turns)]
    return render("sources.html", groups=groups)
