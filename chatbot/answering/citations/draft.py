"""Citations are data, not prose: claims travel with the passages that support them.

An answerer produces a Draft (claims, each with its supporting passages); ``build_answer``
numbers the passages in order of first use and writes one ``[n]`` after every sentence, so the
answer text and its citation list can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from chatbot.answering.citations.markers import markers
from chatbot.schema import Answer, Citation, DatedClaim, FallbackReason
from index.chunking import Span
from index.store.records import Passage

DECLINE_MESSAGE = "The sources I have do not answer that."
# The decline when filters limited the search (the Answer's ``filtered``).
DECLINE_IN_SELECTION = ("The sources I have do not answer that in the outlets and dates you "
                        "selected.")


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
    answered_by: Literal["extractive", "llm"] = "extractive"
    fallback_reason: FallbackReason | None = None

    @property
    def declined(self) -> bool:
        return not self.claims


def build_answer(draft: Draft, standalone: str) -> Answer:
    """Number the cited passages in order of first use and end each sentence with its [n].

    A decline carries no citations (it claims nothing) but lists the closest passages, so the
    user can read what the sources do say.
    """
    if draft.declined:
        return Answer(answer=DECLINE_MESSAGE, declined=True, standalone_question=standalone,
                      notice=draft.notice, answered_by=draft.answered_by,
                      fallback_reason=draft.fallback_reason,
                      closest=[as_citation(n, p) for n, p in enumerate(draft.closest, 1)])
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[str] = []
    dated: list[DatedClaim] = []
    for claim in draft.claims:
        cited: list[int] = []
        for support in claim.supports:
            passage = support.passage
            if passage.id not in numbers:
                numbers[passage.id] = len(numbers) + 1
                citations.append(as_citation(numbers[passage.id], passage, support.score))
            citation = citations[numbers[passage.id] - 1]
            if support.span not in citation.highlights:
                citation.highlights.append(support.span)
            cited.append(citation.n)
        sentences.append(f"{claim.text.strip()} {markers(cited)}")
        first = claim.supports[0].passage if claim.supports else None
        dated.append(DatedClaim(text=claim.text.strip(), citations=cited,
                                source=first.source if first else "",
                                published=first.published if first else ""))
    newest = max((c.published[:10] for c in dated if c.published), default="")
    for claim_date in dated:
        claim_date.older = bool(claim_date.published) and claim_date.published[:10] < newest
    return Answer(answer=" ".join(sentences), citations=citations, claims=dated,
                  standalone_question=standalone, notice=draft.notice,
                  answered_by=draft.answered_by, fallback_reason=draft.fallback_reason)


def as_citation(n: int, passage: Passage, score: float | None = None) -> Citation:
    """``passage`` as source ``n``; its score is its ranking's unless ``score`` is given."""
    if score is None:
        score = passage.scores.get("rerank", passage.scores.get("dense", 0.0))
    return Citation(n=n, article_id=passage.article_id, title=passage.title,
                    source=passage.source, url=passage.url, published=passage.published,
                    passage=passage.text, start=passage.start, end=passage.end,
                    score=round(score, 4))
