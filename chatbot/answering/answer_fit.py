"""Can this sentence hold the answer? Cheap checks on the kind of answer a question asks for.

A sentence that shares every word with the question can still be useless to the asker: it may
restate the question (news quizzes are scraped along with the news), ask a question itself, or
lack the kind of thing asked for: a number for "how many", a time for "when", a name for "who"
or "which". Each failed check multiplies the sentence's evidence score by a factor below one,
so a sentence that fails is used only when nothing better exists.
"""

from __future__ import annotations

import re

from chatbot.answering.coreference import names
from index.store.terms import term_set, terms

# Factors applied to a sentence's evidence score; measured on the RealTime QA dev slice.
WRONG_TYPE = 0.5
NO_NEW_NAME = 0.7
RESTATES_QUESTION = 0.3
IS_A_QUESTION = 0.5
# Articles are written by strangers: a sentence that gives orders to the answering system
# ("ignore previous instructions", "reveal your system prompt") is never evidence, however
# many of the question's words it repeats to get picked.
ADDRESSES_THE_BOT = 0.0
# A sentence must add at least this many content terms the question does not have.
_MIN_NEW_TERMS = 2

_NUMBER_WORDS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                 r"forty|fifty|hundred|thousand|million|billion|trillion|dozens?|half|percent|"
                 r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth")
_TIME_WORDS = (r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
               r"march|april|may|june|july|august|september|october|november|december|today|"
               r"yesterday|tomorrow|tonight|weeks?|months?|years?|days?|hours?|decades?|since|"
               r"ago|(19|20)\d\d")

_CHECKS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    # (what the question asks, what a sentence needs to be able to answer it)
    (re.compile(r"\bhow old\b", re.I),
     re.compile(r"\d|\baged?\b|\byears? old\b|-year-old", re.I)),
    (re.compile(r"\bhow (long|often)\b", re.I),
     re.compile(rf"\d|\b(one|{_NUMBER_WORDS}|{_TIME_WORDS})\b", re.I)),
    (re.compile(r"\bhow (many|much|far|big|tall|high|large)\b|\bwhat (percentage|percent|"
                r"number|share|amount|price|proportion)\b", re.I),
     re.compile(rf"\d|\b(one|{_NUMBER_WORDS})\b", re.I)),
    (re.compile(r"^\s*when\b|\bwhat (year|date|day|month|time)\b", re.I),
     re.compile(rf"\b({_TIME_WORDS})\b", re.I)),
]
ASKS_NAME = re.compile(r"^\s*(who|whose|which)\b|^\s*what (company|country|city|team|state|"
                        r"group|organi[sz]ation|agency|brand|app|party|nation|film|movie|show|"
                        r"song|album|book|person)\b", re.I)

_ORDERS = re.compile(r"\b(ignore|disregard|forget)\s+(all\s+)?(the\s+|of\s+)?(previous|prior|"
                     r"above|earlier|your|any|all)\b.{0,20}\b(instructions?|prompts?|rules)\b"
                     r"|\bsystem prompt\b", re.I)

_YES_NO = re.compile(r"^\s*(is|are|was|were|has|have|had|did|does|do|can|could|will|would|"
                     r"should)\b", re.I)


def fits_answer_type(question: str, sentence: str) -> bool:
    """Whether the sentence holds the kind of thing asked for (a number, an age, a time)."""
    for asks, needs in _CHECKS:
        if asks.search(question):
            return bool(needs.search(sentence))
    return True


def answer_fit(question: str, sentence: str) -> float:
    """1.0 when the sentence can answer the question, less for each check it fails."""
    if _ORDERS.search(sentence):
        return ADDRESSES_THE_BOT
    factor = 1.0 if fits_answer_type(question, sentence) else WRONG_TYPE
    if ASKS_NAME.search(question):
        asked = {n.lower() for n in names(question)}
        if not any(n.lower() not in asked for n in names(sentence)):
            factor *= NO_NEW_NAME
    restates = len(term_set(sentence) - set(terms(question))) < _MIN_NEW_TERMS
    if restates and not _YES_NO.match(question):  # "Did X say Y?" is answered by "X said Y."
        factor *= RESTATES_QUESTION
    if sentence.rstrip(" \"'”’)").endswith("?"):
        factor *= IS_A_QUESTION
    return factor
