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
from typing import TYPE_CHECKING, Literal, Protocol

from chatbot.answering.answer_fit import answer_fit
from chatbot.answering.answerability import (
    AnswerabilityModel,
    answers,
    focus_term,
    load_model,
)
from chatbot.answering.citations.draft import Claim, Draft, Support
from chatbot.answering.coreference import names
from chatbot.answering.evidence import Evidence, sentences_of
from chatbot.answering.furniture import display_offset, furniture_kind
from index.chunking import Span
from index.embedding import Embedder
from index.store.records import Passage
from index.store.terms import term_set, terms

if TYPE_CHECKING:
    from chatbot.answering.ranker import SentenceRanker
    from chatbot.answering.reader import Reader

Composition = Literal["coverage", "score"]
# How alike two picked sentences may be before the second adds nothing (cosine).
_REDUNDANT_SIMILARITY = 0.9
# "score" composition: a further sentence joins if it scores this close to the best one.
_FOLLOWER_RATIO = 0.75
# "coverage" composition: a further sentence joins only when it covers at least this share of
# the question's term weight that the sentences before it leave open, or states the question's
# subject when they do not; it is looked for among the best few sentences.
_MIN_NEW_COVERAGE = 0.2
_FOLLOWER_POOL = 3


class Answerer(Protocol):
    """What ChatService needs of an answerer."""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """Text deltas (possibly none) for display, then exactly one Draft."""
        ...


def candidate_idf(readings: Sequence[AbstractSet[str]]) -> Callable[[str], float]:
    """IDF over the candidate sentences: words every candidate shares (the topic) weigh less."""
    df: Counter[str] = Counter()
    for words in readings:
        df.update(words)
    n = len(readings)
    return lambda term: math.log(1 + n / (1 + df.get(term, 0)))


@dataclass
class ExtractiveAnswerer:
    """Picks 1..max_sentences answer sentences by meaning and by weighted word overlap."""

    embedder: Embedder
    max_sentences: int = 3
    min_evidence: float = 0.35
    sentence_budget: int = 8
    answerability: AnswerabilityModel | None = field(default_factory=load_model)
    sentence_ranker: SentenceRanker | None = None
    reader: Reader | None = None
    reader_sentences: int = 6
    composition: Composition = "coverage"
    fill_margin: float | None = None
    skip_furniture: bool = True

    def score(self, question: str, passages: list[Passage]) -> list[Evidence]:
        """The most promising sentences of the passages, scored and sorted best first.

        Encoding sentences (and reading them with the reader) is the expensive step of
        answering, so it is done only for the ``sentence_budget`` sentences that look best by
        cheap signals (rare-word overlap, the passage's own similarity, answer type); the rest
        cannot win anyway.
        """
        ranked, idf = self._rank_cheaply(question, passages)
        shortlist = ranked[:self.sentence_budget]
        if not shortlist:
            return []
        question_vector = self.embedder.embed_query(question)
        vectors = self.embedder.embed_cached([e.reading for e in shortlist])
        for item, vector in zip(shortlist, vectors, strict=True):
            item.vector = vector
            item.parts["dense"] = float(vector @ question_vector)
            item.score = evidence_score(item.parts["dense"], item.parts["overlap"],
                                        item.parts["fit"])
            item.parts["evidence"] = item.score
        if self.reader is not None:
            # The best few by evidence: reading is the costliest step per sentence.
            self.reader.score(question, sorted(shortlist, key=lambda e: e.evidence,
                                               reverse=True)[:self.reader_sentences])
        if self.sentence_ranker is not None:
            self.sentence_ranker.rank(question, shortlist, passages, idf)
            for item in shortlist:
                item.score = item.parts["ranker"]
        ranked = sorted(shortlist, key=lambda e: e.score, reverse=True)
        if self.reader is not None and "reader" not in ranked[0].parts:
            # The answer-or-decline decision reads the best sentence's reader score; one the
            # ranker lifted from beyond the read few is read now, or the decision would see
            # an unknown and silently answer.
            self.reader.score(question, ranked[:1])
        return ranked

    def rank_cheaply(self, question: str, passages: list[Passage]) -> list[Evidence]:
        """Every candidate sentence by its cheap score (``parts["cheap"]``), best first: what
        the shortlist is cut from, and what a reader is fitted on."""
        return self._rank_cheaply(question, passages)[0]

    def _rank_cheaply(self, question: str, passages: list[Passage],
                      ) -> tuple[list[Evidence], Callable[[str], float]]:
        """The cheap ranking and the candidates' IDF it weighed words with."""
        evidence = self.candidates(passages)
        question_terms = set(terms(question))
        readings = [term_set(e.reading) for e in evidence]
        idf = candidate_idf(readings)
        question_weight = sum(idf(t) for t in question_terms) or 1.0
        for item, words in zip(evidence, readings, strict=True):
            overlap = sum(idf(t) for t in question_terms & words) / question_weight
            item.parts = {"overlap": overlap, "fit": answer_fit(question, item.reading),
                          "passage_dense": item.passage.scores.get("dense", 0.0)}
            item.score = evidence_score(item.parts["passage_dense"], overlap, item.parts["fit"])
            item.parts["cheap"] = item.score
        return sorted(evidence, key=lambda e: e.score, reverse=True), idf

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        """No deltas: the answer is complete at once and shown sentence by sentence."""
        yield self.answer(question, passages)

    def answer(self, question: str, passages: list[Passage]) -> Draft:
        return self.compose(self.score(question, passages), passages, question)

    def candidates(self, passages: list[Passage]) -> list[Evidence]:
        """The sentences that may be answers: page furniture (captions, links, bylines,
        crossheads) never is, when ``skip_furniture`` is on."""
        evidence = sentences_of(passages)
        if self.skip_furniture:
            evidence = [e for e in evidence if furniture_kind(e.text) is None]
        return evidence

    def compose(self, ranked: list[Evidence], passages: list[Passage],
                question: str | None = None) -> Draft:
        """The answer from sentences already scored (the LLM answerer's fallback reuses its
        ranking instead of embedding every sentence again). With the question, whether to
        answer at all is chatbot.answering.answerability's decision."""
        model = self.answerability if question is not None else None
        if not answers(question or "", ranked, self.min_evidence, model):
            return Draft([], ranked[0].evidence if ranked else 0.0, closest=passages[:3])
        return self.compose_answer(ranked, passages, question or "")

    def compose_answer(self, ranked: list[Evidence], passages: list[Passage],
                       question: str) -> Draft:
        """The answer these sentences give, whether or not the decision would give it
        (cross-validation scores every decision on the same composed answers)."""
        if self.composition == "coverage":
            chosen = self._by_coverage(ranked, question, passages)
        else:
            chosen = self._by_score(ranked)
        return Draft(_claims_with_context(chosen), ranked[0].evidence)

    def _by_score(self, ranked: list[Evidence]) -> list[Evidence]:
        """The best sentence, then each next one scoring close to it (the former rule, kept
        to compare with)."""
        best = ranked[0]
        chosen = [best]
        for item in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if item.evidence < max(self.min_evidence, _FOLLOWER_RATIO * best.evidence):
                break
            if any(_similar(item, other) for other in chosen):
                continue
            chosen.append(item)
        return chosen

    def _by_coverage(self, ranked: list[Evidence], question: str,
                     passages: list[Passage]) -> list[Evidence]:
        """The best sentence, then each further one that covers a part of the question the
        chosen ones leave open; scoring close to the best is not a reason to join.

        Parts: the question's subject stated by the sentence itself ("Hamas rejects ..." when
        the first sentence only reports what an adviser said), looked for in the first
        sentence's article; the kind of answer asked for (a "who" question needs a person:
        when the first sentence names none, the best one that does joins); what the question
        asks about (``focus_term``: when no chosen sentence mentions it, the best shortlisted
        one that does joins); and the question's terms (weighted by rarity among the
        candidates), a sentence among the best few joining
        when it adds a fifth of their weight. A sentence shown with the one before it counts
        as two. With ``fill_margin``, the next best ones scoring within it of the best fill
        the room left.
        """
        question_terms = set(terms(question))
        idf = candidate_idf([term_set(e.reading) for e in ranked])
        total = sum(idf(t) for t in question_terms) or 1.0
        subject = next(iter(names(question)), "").lower()
        best = ranked[0]
        chosen = [best]
        covered = question_terms & term_set(best.reading)

        def room(item: Evidence) -> bool:
            shown = sum(1 + (e.antecedent is not None) for e in chosen)
            return shown + 1 + (item.antecedent is not None) <= self.max_sentences

        def fresh(item: Evidence) -> bool:
            return not any(_similar(item, other) for other in chosen)

        def join(item: Evidence) -> None:
            chosen.append(item)
            covered.update(question_terms & term_set(item.reading))

        if subject and not _states_subject(best, subject):
            # Every sentence of the first one's article, not only the shortlist (listed only
            # here: most answers state their subject already).
            stating = [item for item in self.candidates(passages)
                       if item.passage.article_key == best.passage.article_key
                       and _states_subject(item, subject) and fresh(item) and room(item)]
            if stating:
                # The one whose reading covers most of the question ("But it has ruled out
                # a permanent ceasefire ... a limited humanitarian truce", read as "Israel has
                # ruled out ...", over "Israel did not comment"); it is shown with the
                # sentence before it when it needs it. They were not all scored (only the
                # shortlist is), so their question terms decide.
                join(max(stating, key=lambda e: sum(
                    idf(t) for t in question_terms & term_set(e.reading))))
        if not best.gives_kind_asked:
            # The best sentence lacks the kind of answer asked for (a person for "who", a
            # number for "how many"): the best-ranked sentence that has it answers that part.
            for item in ranked[1:]:
                if (item.gives_kind_asked and item.evidence >= self.min_evidence
                        and fresh(item) and room(item)):
                    join(item)
                    break
        focus = focus_term(question)
        if focus and not any(focus in term_set(e.reading) for e in chosen):
            # No chosen sentence mentions what is asked about ("arena" in "At which arena did
            # she play her final game?"): the best-ranked shortlisted one that does joins.
            for item in ranked[1:self.sentence_budget]:
                if (focus in term_set(item.reading) and item.evidence >= self.min_evidence
                        and fresh(item) and room(item)):
                    join(item)
                    break
        for item in ranked[1:_FOLLOWER_POOL]:
            if not room(item):
                break
            if item.evidence < self.min_evidence or not fresh(item):
                continue
            new_terms = (question_terms & term_set(item.reading)) - covered
            if sum(idf(t) for t in new_terms) / total >= _MIN_NEW_COVERAGE:
                join(item)
        if self.fill_margin is not None:
            # The ranker is unsure: sentences scoring within ``fill_margin`` of the best are
            # alternatives the reader should see, not noise (a near-tie is often the answer).
            for item in ranked[1:_FOLLOWER_POOL]:
                if best.score - item.score > self.fill_margin or not room(item):
                    break
                if (all(item is not other for other in chosen)
                        and item.evidence >= self.min_evidence and fresh(item)):
                    join(item)
        return chosen


def _states_subject(item: Evidence, subject: str) -> bool:
    """The sentence, as read (an opening pronoun replaced by its subject), opens with the
    question's subject ("Hamas rejects ...")."""
    text = item.reading[display_offset(item.reading):].lower()
    return text.startswith(subject) or text.startswith("the " + subject)


def evidence_score(similarity: float, overlap: float, fit: float) -> float:
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
                                                          item.evidence)]))
            shown.add((antecedent.passage.article_key, antecedent.span))
        # Shown alone, a sentence drops its dateline and a droppable opening "But"; after its
        # antecedent it is shown whole. Either way the text is a verbatim span of the article.
        offset = 0 if antecedent is not None else display_offset(item.text)
        span = (item.span[0] + offset, item.span[1])
        claims.append(Claim(item.text[offset:], [Support(item.passage, span, item.evidence)]))
        shown.add((item.passage.article_key, item.span))
    return claims


def _similar(a: Evidence, b: Evidence) -> bool:
    """Two sentences that say the same thing (wire copies, overlapping chunks)."""
    if a.text == b.text:
        return True
    if a.vector is None or b.vector is None:
        return False
    return float(a.vector @ b.vector) >= _REDUNDANT_SIMILARITY
