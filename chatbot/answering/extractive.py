"""Answerers: turn a question and retrieved passages into cited claims.

Every answerer has the same shape: ``stream(question, passages)`` yields text deltas for display
and ends with one Draft, the authoritative result. The extractive answerer never writes a word
of its own: it picks the sentences of the passages that best answer the question and cites
each, or declines when the evidence is weak.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from chatbot.answering.answer_fit import answer_fit
from chatbot.answering.answerability import AnswerabilityModel, answers, load_model
from chatbot.answering.citations.draft import Claim, Draft, Support
from chatbot.answering.coreference import leading_pronoun_subject, with_subject
from index.chunking import Span
from index.embedding import Embedder
from index.store.records import Passage
from index.store.terms import term_set, terms

# How alike two picked sentences may be before the second adds nothing (cosine).
_REDUNDANT_SIMILARITY = 0.9
# A further sentence joins the answer only if it scores this close to the best one.
_FOLLOWER_RATIO = 0.75
class Answerer(Protocol):
    """What ChatService needs of an answerer."""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """Text deltas (possibly none) for display, then exactly one Draft."""
        ...


@dataclass
class Evidence:
    """One sentence of a passage, scored as an answer to the question.

    ``reading`` is the sentence as scored: an opening pronoun is replaced by the subject of the
    sentence before it, whose Evidence is kept as ``antecedent`` so the answer can show it.
    """

    passage: Passage
    span: Span
    text: str
    reading: str
    antecedent: Evidence | None = None
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None


def candidate_idf(readings: Sequence[AbstractSet[str]]) -> Callable[[str], float]:
    """IDF over the candidate sentences: words every candidate shares (the topic) weigh less."""
    df: Counter[str] = Counter()
    for words in readings:
        df.update(words)
    n = len(readings)
    return lambda term: math.log(1 + n / (1 + df.get(term, 0)))


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
            item = Evidence(passage, span, text, with_subject(text, subject) if subject else text,
                            antecedent=previous if subject else None)
            if (passage.article_key, span) not in seen:
                seen.add((passage.article_key, span))
                evidence.append(item)
            previous = item
    return evidence


@dataclass
class ExtractiveAnswerer:
    """Picks 1..max_sentences answer sentences by meaning and by weighted word overlap."""

    embedder: Embedder
    max_sentences: int = 3
    min_evidence: float = 0.35
    sentence_budget: int = 8
    answerability: AnswerabilityModel | None = field(default_factory=load_model)

    def score(self, question: str, passages: list[Passage]) -> list[Evidence]:
        """The most promising sentences of the passages, scored and sorted best first.

        Encoding sentences is the expensive step of answering, so it is done only for the
        ``sentence_budget`` sentences that look best by cheap signals (rare-word overlap, the
        passage's own similarity, answer type); the rest cannot win anyway.
        """
        evidence = sentences_of(passages)
        if not evidence:
            return []
        question_terms = set(terms(question))
        readings = [term_set(e.reading) for e in evidence]
        idf = candidate_idf(readings)
        question_weight = sum(idf(t) for t in question_terms) or 1.0
        for item, words in zip(evidence, readings, strict=True):
            overlap = sum(idf(t) for t in question_terms & words) / question_weight
            item.parts = {"overlap": overlap, "fit": answer_fit(question, item.reading),
                          "passage_dense": item.passage.scores.get("dense", 0.0)}
            item.score = _combine(item.parts["passage_dense"], overlap, item.parts["fit"])
        shortlist = sorted(evidence, key=lambda e: e.score, reverse=True)[:self.sentence_budget]
        question_vector = self.embedder.embed_query(question)
        vectors = self.embedder.embed_cached([e.reading for e in shortlist])
        for item, vector in zip(shortlist, vectors, strict=True):
            item.vector = vector
            item.parts["dense"] = float(vector @ question_vector)
            item.score = _combine(item.parts["dense"], item.parts["overlap"], item.parts["fit"])
        return sorted(shortlist, key=lambda e: e.score, reverse=True)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """No deltas: the answer is complete at once and shown sentence by sentence."""
        yield self.answer(question, passages)

    def answer(self, question: str, passages: list[Passage]) -> Draft:
        return self.compose(self.score(question, passages), passages, question)

    def compose(self, ranked: list[Evidence], passages: list[Passage],
                question: str | None = None) -> Draft:
        """The answer from sentences already scored (the LLM answerer's fallback reuses its
        ranking instead of embedding every sentence again). With the question, whether to
        answer at all is chatbot.answering.answerability's decision."""
        model = self.answerability if question is not None else None
        if not answers(question or "", ranked, self.min_evidence, model):
            return Draft([], ranked[0].score if ranked else 0.0, closest=passages[:3])
        best = ranked[0]
        chosen = [best]
        for item in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if item.score < max(self.min_evidence, _FOLLOWER_RATIO * best.score):
                break
            if any(_similar(item, other) for other in chosen):
                continue
            chosen.append(item)
        return Draft(_claims_with_context(chosen), best.score)


def _combine(similarity: float, overlap: float, fit: float) -> float:
    """A sentence's evidence score in 0..1: meaning and rare-word overlap, equally weighted,
    scaled by how well the sentence fits the kind of answer asked for."""
    return (0.5 * max(similarity, 0.0) + 0.5 * overlap) * fit


def _claims_with_context(chosen: list[Evidence]) -> list[Claim]:
    """One claim per sentence; a sentence opening with a pronoun is preceded by its antecedent
    (unless already shown), so "But it has ruled out ..." never appears without its subject."""
    claims: list[Claim] = []
    shown: set[tuple[str, Span]] = set()
    for item in chosen:
        antecedent = item.antecedent
        if antecedent is not None and (antecedent.passage.article_key,
                                       antecedent.span) not in shown:
            claims.append(Claim(antecedent.text, [Support(antecedent.passage, antecedent.span,
                                                          item.score)]))
            shown.add((antecedent.passage.article_key, antecedent.span))
        claims.append(Claim(item.text, [Support(item.passage, item.span, item.score)]))
        shown.add((item.passage.article_key, item.span))
    return claims


def _similar(a: Evidence, b: Evidence) -> bool:
    """Two sentences that say the same thing (wire copies, overlapping chunks)."""
    if a.text == b.text:
        return True
    if a.vector is None or b.vector is None:
        return False
    return float(a.vector @ b.vector) >= _REDUNDANT_SIMILARITY
