"""An Answer as text: its sentences with their ``[n]`` markers, then one line per source.

A client that shows only text (a chat portal speaking the OpenAI API, an assistant calling the
MCP tool, the terminal) must still show where each sentence comes from, so the sources travel
inside the text: ``[1][3] Title — outlet, 10 Jun 2022, <https://…>``, one line per article
with the numbers of its cited passages. Each source says its date once ("undated" when it has
none) rather than under every sentence.

Article text, titles and outlets are written by whoever published the article: in Markdown
they are escaped, so that a title cannot become a link, an image or HTML in the portal that
renders it; links are written only for http(s) addresses.
"""

from __future__ import annotations

import re

from chatbot.answering.citations.markers import markers
from chatbot.schema import Answer, Citation, date_label

SOURCES_HEADING = "**Sources**"
# What could turn article text into markup: emphasis, code, links, images, HTML, headings.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>#])")
_AFTER_ANSWER = re.compile(rf"\n\n(?:_Note: |{re.escape(SOURCES_HEADING)}\n)")
_SAFE_LINK = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)


def by_article(answer: Answer) -> list[list[Citation]]:
    """The answer's citations grouped by article, in the order the answer first cites them."""
    groups: dict[str, list[Citation]] = {}
    for citation in answer.citations:
        groups.setdefault(citation.article_id, []).append(citation)
    return list(groups.values())


def source_label(citation: Citation) -> str:
    """``Title — outlet, 10 Jun 2022``; an unknown outlet is left out, a missing date says
    "undated"."""
    when = date_label(citation.published) if citation.published else "undated"
    where = ", ".join(part for part in (citation.source, when) if part)
    return f"{citation.title or citation.article_id} — {where}"


def cited_sentences(answer: Answer, citation: Citation) -> list[str]:
    """The sentences of ``citation``'s passage that the answer rests on, where the answer does
    not already say them (a language model's paraphrase; an extract, even shortened by a
    dateline, is not repeated)."""
    said = [claim.text for claim in answer.claims if citation.n in claim.citations]
    found = []
    for start, end in citation.highlights:
        sentence = citation.passage[start - citation.start:end - citation.start].strip()
        if sentence and not any(text in sentence or sentence in text for text in said):
            found.append(sentence)
    return found


def answer_markdown_parts(answer: Answer) -> list[str]:
    """The cited answer as Markdown, in the pieces a stream sends (joined, the whole text):
    each sentence with its markers, any notice, then the "Sources" list with each source's
    title, outlet, date and link."""
    if answer.claims:
        sentences = [f"{escape_markdown(claim.text)} {markers(claim.citations)}"
                     for claim in answer.claims]
    else:
        sentences = [escape_markdown(answer.answer)]
    parts = [sentence if i == 0 else " " + sentence for i, sentence in enumerate(sentences)]
    if answer.notice:
        parts.append(f"\n\n_Note: {escape_markdown(answer.notice)}_")
    if answer.citations:
        lines = [f"\n\n{SOURCES_HEADING}\n"]
        for group in by_article(answer):
            link = _SAFE_LINK.fullmatch(group[0].url.strip())
            lines.append(f"- {markers(c.n for c in group)} "
                         f"{escape_markdown(source_label(group[0]))}"
                         + (f", <{link[0]}>" if link else ""))
        parts.append("\n".join(lines))
    return parts


def answer_from_markdown(content: str) -> str:
    """An earlier reply as the answer it was written from: the notice and the sources cut off,
    the escapes undone (a chat client sends the whole reply back as history)."""
    body = _AFTER_ANSWER.split(content, maxsplit=1)[0]
    return _ESCAPED.sub(r"\1", body)


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
