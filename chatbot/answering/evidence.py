"""A sentence of a retrieved passage as every ranking step sees it (``Evidence``).

The answerer, the rankers, the reader, the answer-or-decline decision and the language-model
prompt all read and score the same sentences; the type lives here, on its own, so that none of
them has to import another to know it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chatbot.answering.coreference import leading_pronoun_subject, with_subject
from chatbot.answering.furniture import needs_preceding
from index.chunking import Span
from index.store.records import Passage


@dataclass
class Evidence:
    """One sentence of a passage, scored as an answer to the question.

    ``reading`` is the sentence as scored: an opening pronoun is replaced by the subject of the
    sentence before it, whose Evidence is kept as ``antecedent`` so the answer can show it.
    ``previous`` is the sentence before it in its passage ("" for the first), which the reader
    reads beside it.
    """

    passage: Passage
    span: Span
    text: str
    reading: str
    antecedent: Evidence | None = None
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None
    previous: str = ""

    @property
    def evidence(self) -> float:
        """The 0..1 evidence score (meaning, overlap, answer type) that declining is
        calibrated on; ``score`` is whatever ordered the sentences (a learned ranker's is
        unbounded)."""
        return self.parts.get("evidence", self.score)

    @property
    def gives_kind_asked(self) -> bool:
        """The sentence holds the kind of answer asked for: an entity of the asked type when
        the recogniser read it, else it passes the answer-type checks (a number, a time, a
        new name)."""
        match = self.parts.get("entity_match")
        if match is not None:
            return match == 1.0
        return self.parts.get("fit", 1.0) >= 1.0


def sentences_of(passages: list[Passage]) -> list[Evidence]:
    """Every sentence of the passages once (neighbouring chunks share one), with its reading."""
    evidence: list[Evidence] = []
    seen: set[tuple[str, Span]] = set()
    for passage in passages:
        previous: Evidence | None = None
        for span, text in passage.sentence_texts():
            if not text.strip():
                continue
            subject = leading_pronoun_subject(text, previous.text) if previous else None
            # "But the group ..." cannot be shown alone: it comes with the sentence before it.
            joined = previous is not None and not subject and needs_preceding(text)
            item = Evidence(passage, span, text, with_subject(text, subject) if subject else text,
                            antecedent=previous if subject or joined else None,
                            previous=previous.text if previous else "")
            if (passage.article_key, span) not in seen:
                seen.add((passage.article_key, span))
                evidence.append(item)
            previous = item
    return evidence
