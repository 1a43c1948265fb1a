"""Follow-up questions rewritten into standalone ones from the chat so far, without an LLM.

Retrieval sees one question at a time, so "And what about Israel?" or "When did he last visit
Egypt?" must first become "What is Israel's position on a temporary truce?" and "When did
Ismail Haniyeh last visit Egypt?". Three rules cover the follow-ups people type:

1. "What about X?" / "And X?": the previous question, with its main subject replaced by X.
2. Third-person pronouns: replaced by the most likely name from the previous question or, failing
   that, the last answer (people for he/she, other names for it/they).
3. Fragments too short to search for ("Why?", "How many?"): joined to the previous question.

Anything else is already standalone and is returned unchanged. Each user turn of the history
is resolved in order, so a follow-up to a follow-up still finds its subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.answering.coreference import PERSON_PRONOUNS, PRONOUN, THING_PRONOUNS, names, people
from chatbot.schema import Turn
from index.store.terms import terms

_SWITCH_SUBJECT = re.compile(
    r"^\s*(?:(?:and|but|so|ok(?:ay)?|also)[,\s]+)?(?:(?:what|how)\s+about\s+)?(?P<subject>.+?)"
    r"\s*[?.!]*\s*$", re.IGNORECASE)
_SWITCH_MARKER = re.compile(r"^\s*(?:and|but|so|ok(?:ay)?|also)\b|\b(?:what|how)\s+about\b",
                            re.IGNORECASE)
# A question with this few content terms cannot be searched for on its own.
_MIN_STANDALONE_TERMS = 2


def _switch_subject(question: str, previous: str) -> str | None:
    """Rule 1: "And what about Israel?" after "What is Hamas's position ...?"."""
    if not _SWITCH_MARKER.search(question):
        return None
    match = _SWITCH_SUBJECT.match(question)
    if not match:
        return None
    subject = match["subject"].strip()
    if len(subject.split()) > 6 or subject.endswith("?"):
        return None
    previous_names = names(previous)
    if not previous_names:
        return f"{previous.rstrip(' ?')} {subject}?"
    old = previous_names[0]
    replaced = re.sub(rf"\b{re.escape(old)}\b", subject, previous, count=1)
    return replaced if replaced != previous else None


def _resolve_pronouns(question: str, previous: str, last_answer: str) -> str | None:
    """Rule 2: "When did he last visit Egypt?" after a turn about Ismail Haniyeh."""
    match = PRONOUN.search(question)
    if not match:
        return None
    before = names(question[:match.start()])
    pronoun = match.group().lower()
    person = pronoun in PERSON_PRONOUNS
    if any(len(n.split()) >= 2 for n in before) or (before and not person):
        return None  # the question names its own subject before the pronoun
    candidates = names(previous) + names(last_answer)
    pool = (people(candidates) or candidates) if person else candidates
    if not pool:
        return None
    suffix = {**PERSON_PRONOUNS, **THING_PRONOUNS}[pronoun]
    start, end = match.span()
    return question[:start] + pool[0] + suffix + question[end:]


def _join_fragment(question: str, previous: str) -> str | None:
    """Rule 3: "Why?" or "How many?" continues the previous question."""
    if len(set(terms(question))) >= _MIN_STANDALONE_TERMS or names(question):
        return None
    return f"{question.rstrip(' ?')}: {previous}"


def rewrite_followup(question: str, previous: str, last_answer: str = "") -> str:
    """``question`` as a standalone question, given the previous (standalone) question."""
    if not previous:
        return question
    for rewrite in (_switch_subject(question, previous),
                    _resolve_pronouns(question, previous, last_answer),
                    _join_fragment(question, previous)):
        if rewrite:
            return rewrite
    return question


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question the bot should search for, with the chat so far taken into account."""
    previous = ""
    last_answer = ""
    for turn in history:
        if turn.role == "user":
            previous = rewrite_followup(turn.content.strip(), previous, last_answer)
        else:
            last_answer = turn.content
    return rewrite_followup(question, previous, last_answer)
