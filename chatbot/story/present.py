"""A timeline as an Answer, so the chat, ``ask`` and ``/api/ask`` show it with the same source
cards and ``[n]`` markers as any answer: a headline line with the newest development, then one
dated line per development, newest first."""

from __future__ import annotations

from chatbot.answering.citations.markers import markers
from chatbot.schema import Answer, Citation, DatedClaim, Timeline, TimelineEntry, date_label

NOTHING_ON_TOPIC = "The sources I have say nothing on that story."


def headline(timeline: Timeline) -> str:
    """"Latest: 12 Sep 2022, cnn.com: <the newest development> [1]"; "" when declined."""
    return f"Latest: {entry_line(timeline.entries[0])}" if timeline.entries else ""


def entry_line(entry: TimelineEntry) -> str:
    """"12 Sep 2022, cnn.com, also reported by 2 outlets (a, b): <claim> [1][2][3]": the
    markers end the line, as they end every sentence of an answer."""
    outlet = entry.citations[0].source if entry.citations else ""
    also = entry.also_reported_by
    parts = [date_label(entry.date) if entry.date else "undated", outlet] + (
        [f"also reported by {len(also)} outlet{'s' if len(also) > 1 else ''} ({', '.join(also)})"]
        if also else [])
    return f"{', '.join(p for p in parts if p)}: {entry.claim} {_markers(entry)}"


def timeline_answer(timeline: Timeline, standalone: str = "") -> Answer:
    """The timeline as an Answer: its text is the headline and the dated lines (each ending
    with its markers), its citations every entry's, its claims the entries with their
    outlet and day."""
    if timeline.declined:
        return Answer(answer=NOTHING_ON_TOPIC, declined=True, standalone_question=standalone)
    claims = []
    for entry in timeline.entries:
        claims.append(DatedClaim(text=entry.claim, citations=[c.n for c in entry.citations],
                                 source=entry.citations[0].source if entry.citations else "",
                                 published=entry.date or ""))
    text = "\n".join([headline(timeline), *(f"- {entry_line(e)}" for e in timeline.entries)])
    return Answer(answer=text, citations=all_citations(timeline), claims=claims,
                  standalone_question=standalone)


def all_citations(timeline: Timeline) -> list[Citation]:
    """Every entry's citations once, by number (the sources listed under a timeline)."""
    cited = {c.n: c for entry in timeline.entries for c in entry.citations}
    return [cited[n] for n in sorted(cited)]


def _markers(entry: TimelineEntry) -> str:
    return markers([c.n for c in entry.citations])
