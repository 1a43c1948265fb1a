"""Evaluation metrics as pure functions: answer matching, declines, retrieval, citations, support.

Everything here takes plain values and returns numbers or verdicts, so each definition can be
checked on hand-made cases whose right value is known (tests/chatbot/evaluation/test_metrics.py).
The definitions are explained for users in evals/README.md.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from chatbot.answering.citations.markers import (
    cited_numbers,
    ends_with_marker,
    split_answer,
    strip_markers,
)
from chatbot.schema import Answer

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCTUATION = frozenset(string.punctuation)

# The strict relevance window around a question's date (see DESIGN.md): news about "this week"
# is published shortly before the question, and sometimes a day or two after it.
WINDOW_DAYS_BEFORE = 14
WINDOW_DAYS_AFTER = 3



# -- answer matching --------------------------------------------------------------------------

def normalize_answer(text: str) -> str:
    """SQuAD's normalisation (lower case, punctuation and a/an/the removed, spaces collapsed),
    made safe for Unicode news text.

    Text is NFKC-folded first (non-breaking spaces, ligatures) and Unicode punctuation is removed
    like ASCII punctuation ("Haniyeh’s" == "Haniyeh's"), except dashes, which in news text join
    words without spaces ("Gaza—the") and so become a space instead.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    kept: list[str] = []
    for char in folded:
        category = unicodedata.category(char)
        if char in _ASCII_PUNCTUATION:
            continue
        if category == "Pd":
            kept.append(" ")
        elif not category.startswith("P"):
            kept.append(char)
    return " ".join(_ARTICLES.sub(" ", "".join(kept)).split())


def strip_citations(text: str) -> str:
    """The answer without its ``[n]`` markers, which would otherwise "contain" answers like 2."""
    return strip_markers(text)


def answer_sentences(text: str) -> list[str]:
    """The answer's sentences, each with its markers (every sentence ends with at least one)."""
    return split_answer(text)


def first_sentences(text: str, count: int) -> str:
    """The answer cut to its first ``count`` sentences: accuracy at a fixed answer size."""
    return " ".join(answer_sentences(text)[:count])


def contains_phrase(text: str, phrase: str) -> bool:
    """``phrase`` occurs in ``text`` as whole words, after normalisation ("Iran" is not in
    "Tirana"); a phrase that normalises to nothing is never contained."""
    wanted = normalize_answer(phrase)
    return bool(wanted) and f" {wanted} " in f" {normalize_answer(text)} "


def contains_answer(text: str, accepted: Sequence[str], all_required: bool = False) -> bool:
    """Any accepted string (every one with ``all_required``) occurs in the answer's text."""
    text = strip_citations(text)
    found = [contains_phrase(text, phrase) for phrase in accepted]
    return bool(found) and (all(found) if all_required else any(found))


def is_correct(text: str, declined: bool, *, accepted: Sequence[str], all_required: bool = False,
               unanswerable: bool = False, forbidden: Sequence[str] = ()) -> bool:
    """DESIGN.md's rule: an unanswerable question is right when declined; any other is right when
    answered (not declined) with the accepted string(s) and none of the forbidden ones."""
    if unanswerable:
        return declined
    if declined:
        return False
    clean = strip_citations(text)
    if any(contains_phrase(clean, phrase) for phrase in forbidden):
        return False
    return contains_answer(clean, accepted, all_required)


def named_choices(text: str, choices: Sequence[str]) -> set[str]:
    """The options an answer names. Longer options are matched first and masked, so naming
    "North Korea" does not also name "Korea"."""
    remaining = f" {normalize_answer(strip_citations(text))} "
    named: set[str] = set()
    for choice in sorted(choices, key=lambda c: len(normalize_answer(c)), reverse=True):
        wanted = normalize_answer(choice)
        if wanted and f" {wanted} " in remaining:
            named.add(choice)
            remaining = remaining.replace(f" {wanted} ", " \0 ")
    return named


def choice_correct(text: str, declined: bool, choices: Sequence[str], accepted: Sequence[str],
                   ) -> bool | None:
    """The answer names the right option and no other; None when no option is an accepted
    answer (the question cannot be scored this way)."""
    wanted = {normalize_answer(a) for a in accepted}
    right = [c for c in choices if normalize_answer(c) in wanted]
    if not right:
        return None
    return not declined and named_choices(text, choices) == {right[0]}


# -- declining --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeclineScores:
    """Declining treated as detecting unanswerable questions."""

    unanswerable: int
    declined: int
    correct_declines: int
    questions: int = 0

    @property
    def precision(self) -> float | None:
        """Of the declines, the share that were on unanswerable questions."""
        return self.correct_declines / self.declined if self.declined else None

    @property
    def recall(self) -> float | None:
        """Of the unanswerable questions, the share that were declined."""
        return self.correct_declines / self.unanswerable if self.unanswerable else None

    @property
    def false_declines(self) -> int:
        """Answerable questions that were declined."""
        return self.declined - self.correct_declines

    @property
    def false_decline_rate(self) -> float | None:
        """Of the answerable questions, the share that were declined."""
        answerable = self.questions - self.unanswerable
        return self.false_declines / answerable if answerable > 0 else None


def decline_scores(outcomes: Iterable[tuple[bool, bool]]) -> DeclineScores:
    """From (unanswerable, declined) pairs, one per question."""
    pairs = list(outcomes)
    return DeclineScores(unanswerable=sum(u for u, _ in pairs), declined=sum(d for _, d in pairs),
                         correct_declines=sum(u and d for u, d in pairs), questions=len(pairs))


# -- retrieval --------------------------------------------------------------------------------

def passage_is_relevant(passage_text: str, article_id: str, *, accepted: Sequence[str],
                        expected_sources: Sequence[str] = ()) -> bool:
    """Relevance of a retrieved passage: from the named articles when the question lists
    ``expected_sources``, else ("silver") any passage that contains an accepted answer."""
    if expected_sources:
        return article_id in expected_sources
    return any(contains_phrase(passage_text, phrase) for phrase in accepted)


def in_date_window(published: date | None, question_date: date) -> bool:
    """The strict relevance condition: published from 14 days before to 3 days after the
    question's date (an undated article is never in the window)."""
    if published is None:
        return False
    return (question_date - timedelta(days=WINDOW_DAYS_BEFORE) <= published
            <= question_date + timedelta(days=WINDOW_DAYS_AFTER))


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage in a ranked list, None when there is none."""
    return next((rank for rank, hit in enumerate(relevant, start=1) if hit), None)


def hit_at(rank: int | None, k: int) -> bool:
    """A relevant passage is among the top ``k``."""
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    """1/rank of the first relevant passage, 0 when none was retrieved (MRR averages this)."""
    return 1.0 / rank if rank else 0.0


# -- citations --------------------------------------------------------------------------------

def citation_problems(answer: Answer, article_text: Callable[[str], str | None]) -> list[str]:
    """What breaks the citation contract, empty when every citation is valid.

    Checked: every ``[n]`` in the text has a citation ``n``; every answer sentence carries a
    marker; every citation's passage is exactly the stored cleaned article at ``start:end``
    (``article_text`` looks an article up by id) and its highlights lie inside the passage.
    """
    problems: list[str] = []
    numbers = {c.n for c in answer.citations}
    for marker in sorted(set(cited_numbers(answer.answer)) - numbers):
        problems.append(f"[{marker}] has no citation")
    if not answer.declined:
        for sentence in answer_sentences(answer.answer):
            if not ends_with_marker(sentence):
                problems.append(f"sentence without a citation: {sentence[:60]!r}")
    for citation in answer.citations:
        text = article_text(citation.article_id)
        if text is None:
            problems.append(f"[{citation.n}] cites {citation.article_id!r}, not in the store")
        elif text[citation.start:citation.end] != citation.passage:
            problems.append(f"[{citation.n}] passage is not the article's text at "
                            f"{citation.start}:{citation.end}")
        for start, end in citation.highlights:
            if not citation.start <= start < end <= citation.end:
                problems.append(f"[{citation.n}] highlight {start}:{end} lies outside the passage")
    return problems


# -- latency ----------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation), None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else None


def mean(values: Sequence[float]) -> float | None:
    """The average, None for no values (a metric with nothing to average is "n/a", not 0)."""
    return sum(values) / len(values) if values else None
