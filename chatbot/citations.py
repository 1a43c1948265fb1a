"""Citations are data, not prose: claims travel with the passages that support them.

An answerer produces a Draft (claims, each with its supporting passages); ``build_answer``
numbers the passages in order of first use and writes one ``[n]`` after every sentence, so the
answer text and its citation list can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.schema import Answer, Citation
from index.chunking import Span
from index.store import Passage

DECLINE_MESSAGE = "The sources I have do not answer that."


@dataclass(frozen=True)
class Support:
    """A passage backing a claim, and the span (absolute, in the article) that says it."""

    passage: Passage
    span: Span
    score: float


@dataclass
class Claim:
    """One answer sentence (without citation markers) and what supports it."""

    text: str
    supports: list[Support]


@dataclass
class Draft:
    """An answer before numbering. No claims means the answerer declines."""

    claims: list[Claim]
    best_score: float = 0.0
    notice: str | None = None
    closest: list[Passage] = field(default_factory=list)

    @property
    def declined(self) -> bool:
        return not self.claims


def build_answer(draft: Draft, standalone: str) -> Answer:
    """Number the cited passages in order of first use and end each sentence with its [n]."""
    if draft.declined:
        return Answer(answer=DECLINE_MESSAGE, declined=True, standalone_question=standalone,
                      notice=draft.notice)
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[str] = []
    for claim in draft.claims:
        markers = []
        for support in claim.supports:
            passage = support.passage
            if passage.id not in numbers:
                numbers[passage.id] = len(numbers) + 1
                citations.append(Citation(
                    n=numbers[passage.id], article_id=passage.article_id, title=passage.title,
                    source=passage.source, url=passage.url, published=passage.published,
                    passage=passage.text, start=passage.start, end=passage.end,
                    score=round(support.score, 4)))
            citation = citations[numbers[passage.id] - 1]
            if support.span not in citation.highlights:
                citation.highlights.append(support.span)
            if f"[{citation.n}]" not in markers:
                markers.append(f"[{citation.n}]")
        sentences.append(f"{claim.text.strip()} {''.join(markers)}")
    return Answer(answer=" ".join(sentences), citations=citations,
                  standalone_question=standalone, notice=draft.notice)
