"""Follow-up questions rewritten into standalone ones from the chat so far, without an LLM.

Retrieval sees one question at a time, so "And what about Israel?" or "When did he last visit
Egypt?" must first become "What is Israel's position on a temporary truce?" and "When did
Ismail Haniyeh last visit Egypt?". The forms people type, in the order they are tried:

1. A correction ("No, I meant the 2022 one", "I meant Joe Biden"): the previous question with
   its year or its subject replaced.
2. "What about X?" / "And X?": the previous question with its subject (first name) replaced by
   X. A connector before a whole question ("And what does Israel insist on?") is dropped and the
   question is read as it is, never spliced into the previous one.
3. Pronouns (he, she, it, they, his, her, its, their, ...): replaced by the most likely name
   from the previous question or, failing that, the last answer (people for he/she).
4. Whatever still leans on the conversation ("Why?", "When was that?", "What did the company
   say?", a connector, an unresolved pronoun) cannot be rewritten with confidence: it is
   searched as typed plus the previous turn's key names and terms, "Why? (about Hamas's
   position on a temporary truce)", rather than as a guessed sentence.

A question that leans on nothing (its own subject, enough words, no pronoun) is a new topic and
is returned unchanged: it must not inherit the old one. Every rewrite is checked by
chatbot.answering.rewrite_check; one that repeats a phrase or is not a sentence is replaced by
rule 4.
Each user turn of the history is resolved in order, so a follow-up to a follow-up still finds
its subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.answering.coreference import PERSON_PRONOUNS, PRONOUN, THING_PRONOUNS, names, people
from chatbot.answering.rewrite_check import rewrite_problems, split_context
from chatbot.schema import Turn
from index.store.terms import STOP_WORDS, terms

_CONNECTOR = re.compile(r"^\s*(?:(?:and|but|so|ok(?:ay)?|also|then|well|now)\b[,\s]*)+",
                        re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+", re.IGNORECASE)
_CORRECTION = re.compile(
    r"^\s*(?:(?:no|nope|sorry|oops|actually|wait|not\s+that)\b[,.!\s]*)*"
    r"(?:i\s+meant|i\s+mean|i\s+was\s+asking\s+about|make\s+(?:that|it))\s+(?P<x>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had)\b", re.IGNORECASE)
_WH_AUX = re.compile(
    r"^(?:(?:what|who|whom|whose|when|where|why|which)(?:\s+[a-z]+)??|how(?:\s+(?:many|much|long|"
    r"old|often|far))?)\s+(?P<aux>is|are|was|were|do|does|did|will|would|can|could|should|has|"
    r"have|had)\s+", re.IGNORECASE)
_WH_VERB = re.compile(r"^(?:what|who|which(?:\s+[a-z]+)?)\s+[a-z]+\s+", re.IGNORECASE)
_PREPOSITION_PHRASE = re.compile(r"^(?P<p>in|on|at|for|with|from|during|after|before|against)\s+"
                                 r"(?:the\s+)?[A-Z0-9]", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A definite description that points back ("the company", "that deal") or a bare demonstrative.
_POINTS_BACK = re.compile(
    r"\b(?:the|this|that|these|those)\s+(?-i:[a-z0-9-]+\s+)?(?-i:company|companies|firm|deal|"
    r"agreement|"
    r"bill|law|country|group|team|plan|case|cases|report|decision|move|vote|event|war|attack|"
    r"storm|election|ruling|lawsuit|trial|policy|proposal|program|programme|project|merger|"
    r"acquisition|order|ban|strike|talks|meeting|summit|announcement|incident|shooting|"
    r"organi[sz]ation|agency|party|government|president|leader|minister|official|man|woman|"
    r"city|state|product|show|film|movie|book|game|award|prize|record|virus|outbreak|people|"
    r"victims|suspect|senator|judge|court|council|patients|problem|issue|dress|money|fee|"
    r"stop|trip|visit|fire|flood|quake|earthquake|hurricane|vehicle|car|plane|ship|one|ones|"
    r"same)\b|\b(?:that|this|then|there)\s*[?.!]?\s*$|\b(?:next|instead|else|afterwards)\b|"
    r"\b(?:that|this)\s+(?:happen|mean|come|start|end|take|cost|say)", re.IGNORECASE)
# "there" and "then" point back ("What happened there?", "Who led the party then?"), but not
# the "there" of "is there" / "there were".
_PLACE_OR_TIME = re.compile(r"\b(?:there|then)\b", re.IGNORECASE)
_EXISTENTIAL_THERE = re.compile(
    r"\b(?:is|are|was|were|be|been|will|would)\s+there\b|"
    r"\bthere\s+(?:is|are|was|were|be|been|will|would|have|has|had|\'s)\b", re.IGNORECASE)
# "Which city was hit worst?": a kind of thing asked for, or an extreme, with nothing named.
_ASKS_AMONG = re.compile(
    r"^\s*(?:which|what)\s+[a-z]+\s+(?:is|are|was|were|did|does|do|has|have|had|will)\b|"
    r"\b(?:most|least|worst|best|[a-z]{3,}est)\b", re.IGNORECASE)
_FEW_TERMS = 3
# A definite description: "the referee", "the spacecraft's crew", "the biggest city".
_DEFINITE = re.compile(r"\bthe\s+[a-z]", re.IGNORECASE)
# A description that says what it is of ("the boiling point of tungsten", "the capital of
# Peru"): it describes a thing of its own, not one the chat was about.
_QUALIFIED = re.compile(
    r"\bthe\s+(?:\w+\s+){1,3}(?:of|in|for)\s+(?!(?:the|this|that|it|its|them|their|there)\b)[a-z]",
    re.IGNORECASE)
# At most this many names and phrases of the previous turn go with a question as its context.
_CONTEXT_PHRASES = 5
# A question with this few content terms cannot be searched for on its own.
_MIN_STANDALONE_TERMS = 2
# "her" is possessive before a word that is not one of these ("asked her about ...").
_AFTER_OBJECT_HER = STOP_WORDS | {"say", "said", "tell", "ask", "for", "to"}


# -- the previous turn's key names and terms ------------------------------------------------

def context_terms(previous: str, last_answer: str = "") -> list[str]:
    """The previous question's key names and terms, in its own words, for a search that
    cannot be rewritten ("Hamas's position on a temporary truce"; "Hamas, hostage talks")."""
    question, context = split_context(previous)
    if context:  # the previous turn was itself searched with context: keep it
        return [c.strip() for c in context.strip("() ").removeprefix("about ").split(",")]
    aux = _WH_AUX.match(question)
    if aux:
        body = question[aux.end():].rstrip(" ?.!")
        if aux["aux"].lower() in {"is", "are", "was", "were"} and len(body.split()) <= 9:
            return _with_answer_names([body], last_answer)  # "What is X?": about X
    else:  # "Who won the Tony Award?": the wh-word and the verb go
        body = _WH_VERB.sub("", question.rstrip(" ?.!"), count=1)
    first = body.split()[0] if body.split() else ""
    if first.islower() and first not in STOP_WORDS:
        body = body[len(first):]  # "Which continent will require ...": a verb
    found = names(question)
    phrases: list[str] = _with_answer_names(list(found), last_answer)
    run: list[str] = []
    after_name = False
    for word in body.split() + ["."]:
        bare = word.strip(",.;:!?\"'“”")
        is_name = any(bare and bare in name.replace(".", " ").split() + name.split()
                      for name in found)
        content = bool(bare) and bare.lower() not in STOP_WORDS and not is_name
        if content and not (after_name and not run and aux is not None):
            run.append(bare)
        elif run:
            phrases.append(" ".join(run))
            run = []
        after_name = is_name
    return list(dict.fromkeys(p for p in phrases if p))[:_CONTEXT_PHRASES]


def _with_answer_names(phrases: list[str], last_answer: str) -> list[str]:
    """Add the first names of the last answer: what it was about ("the company")."""
    added = 0
    for name in names(last_answer):
        if added < 2 and not any(name in phrase for phrase in phrases):
            phrases.append(name)
            added += 1
    return list(dict.fromkeys(p for p in phrases if p))[:_CONTEXT_PHRASES]


def with_context(question: str, previous: str, last_answer: str = "") -> str:
    """Rule 4: the question as typed, plus what the previous turn was about."""
    own = question.strip()
    if own and own[0].islower():
        own = own[0].upper() + own[1:]
    if own and own[-1] not in "?.!":
        own += "?"
    known = set(terms(own))
    context = [c for c in context_terms(previous, last_answer) if not set(terms(c)) <= known]
    return f"{own} (about {', '.join(context)})" if context else own


# -- the rules --------------------------------------------------------------------------------

def _correction(question: str, previous: str) -> str | None:
    """Rule 1: "No, I meant the 2022 one" / "I meant Joe Biden"."""
    match = _CORRECTION.match(question)
    if not match:
        return None
    wanted = match["x"]
    year = _YEAR.search(wanted)
    if year:
        if _YEAR.search(previous):
            return _YEAR.sub(year.group(), previous, count=1)
        return f"{previous.rstrip(' ?.!')} in {year.group()}?"
    new, old = names(wanted), names(previous)
    if new and old:
        return re.sub(rf"\b{re.escape(old[0])}\b", new[0], previous, count=1)
    return None


def _switch_subject(body: str, previous: str) -> str | None:
    """Rule 2: "What about Israel?" after "What is Hamas's position on a temporary truce?"."""
    subject = body.strip().rstrip(" ?.!")
    if not subject or len(subject.split()) > 6 or _QUESTION_START.match(subject):
        return None
    phrase = _PREPOSITION_PHRASE.match(subject)
    if phrase:  # "What about in Volcano?" after "... co-star with in Donnie Brasco?"
        same = re.search(rf"\b{phrase['p']}\s+(?:the\s+)?[A-Z0-9][^?,;]*", previous)
        if not same:
            return None
        return previous[:same.start()] + subject + previous[same.end():].lstrip()
    old = names(previous)
    if not old or not names(subject) or subject.lower() in previous.lower():
        # "What about last year's winner?" names no new subject: a description, not a name
        # to put in the previous question's place.
        return None
    return re.sub(rf"\b{re.escape(old[0])}\b", subject, previous, count=1)


def _referent(pronoun: str, previous: str, last_answer: str, earlier: Sequence[str],
              ) -> str | None:
    """Who or what a pronoun stands for, when that is clear; None when it is not.

    He/she: the first person the previous question names, else the last answer, else an
    earlier turn. It/they: only when the previous question names exactly one thing and its
    answer no other ("What started the fire?" names none; "Which airline will buy Spirit?",
    answered with another airline, names two): a wrong guess is worse than searching with
    the context.
    """
    if pronoun in PERSON_PRONOUNS:
        for source in (names(previous), names(last_answer), list(earlier)):
            found = people(source)
            if found:
                return found[0]
        return None
    first_sentence = re.split(r"(?<=[.!?])\s", last_answer.strip(), maxsplit=1)[0]
    asked = names(previous)
    named: list[str] = []
    for name in asked + names(first_sentence):
        if not any(name in other or other in name for other in named):
            named.append(name)
    return named[0] if len(named) == 1 and asked else None


def _resolve_pronouns(question: str, previous: str, last_answer: str,
                      earlier: Sequence[str] = ()) -> str | None:
    """Rule 3: "When did he last visit Egypt?" after a turn about Ismail Haniyeh."""
    match = PRONOUN.search(question)
    if not match:
        return None
    before = names(question[:match.start()])
    pronoun = match.group().lower()
    person = pronoun in PERSON_PRONOUNS
    if any(len(n.split()) >= 2 for n in before) or (before and not person):
        return None  # the question names its own subject before the pronoun
    referent = _referent(pronoun, previous, last_answer, earlier)
    if referent is None:
        return None
    suffix = {**PERSON_PRONOUNS, **THING_PRONOUNS}[pronoun]
    start, end = match.span()
    if pronoun == "her":
        following = question[end:].split()
        if following and following[0].strip("?.,!").lower() not in _AFTER_OBJECT_HER:
            suffix = "'s"
    rewritten = question[:start] + referent + suffix + question[end:]
    group = PERSON_PRONOUNS if person else THING_PRONOUNS
    for later in reversed(list(PRONOUN.finditer(rewritten, start + len(referent + suffix)))):
        word = later.group().lower()
        if word in group and word != "her":  # the same referent again ("... his plan")
            rewritten = rewritten[:later.start()] + referent + group[word] + rewritten[later.end():]
    return rewritten[0].upper() + rewritten[1:]


def _modifies_a_noun(question: str, end: int) -> bool:
    """The word after a pointer like "the storm" is a content word ("the storm repairs"): the
    phrase names a thing of its own rather than pointing back."""
    following = question[end:].split(maxsplit=1)
    word = following[0].strip("?.!,;:").lower() if following else ""
    return word.isalpha() and word not in STOP_WORDS


def _leans_on_conversation(question: str, previous: str) -> bool:
    """Whether the question cannot be searched for on its own. "The storm" does not point back
    in a question that names something new and uses it as a modifier: "When did the harbour
    of Port Elms reopen after the storm repairs?" is a new topic, whatever the chat was about;
    "How many owners in the United States face the problem?" still leans on it."""
    if PRONOUN.search(question):
        return True
    if _PLACE_OR_TIME.search(_EXISTENTIAL_THERE.sub(" ", question)):
        return True
    if _DEFINITE.search(question) and not names(question) and not _QUALIFIED.search(question):
        # "What is the referee's name?", "Where was the spacecraft launched from?": a thing
        # described, nothing named, and not said what it is of.
        return True
    if not names(question) and len(set(terms(question))) <= _FEW_TERMS and _ASKS_AMONG.search(
            question):
        return True
    pointers = list(_POINTS_BACK.finditer(question))
    if pointers:
        before = {n.lower() for n in names(previous)}
        names_new = any(n.lower() not in before for n in names(question))
        return not (names_new and all(_modifies_a_noun(question, m.end()) for m in pointers))
    return len(set(terms(question))) < _MIN_STANDALONE_TERMS and not names(question)


def rewrite_followup(question: str, previous: str, last_answer: str = "",
                     earlier: Sequence[str] = ()) -> str:
    """``question`` as a standalone question, given the previous (standalone) question, the
    last answer and the names of earlier turns (most recent first)."""
    question = " ".join(question.split())
    if not previous:
        return question
    base, _ = split_context(previous)
    rewrite = _correction(question, base)
    if rewrite is None:
        connector = _CONNECTOR.match(question)
        body = question[connector.end():] if connector else question
        about = _ABOUT.match(body)
        if about:
            body = body[about.end():]
        if connector or about:
            rewrite = _switch_subject(body, base)
            if rewrite is None and _QUESTION_START.match(body):
                question = body[0].upper() + body[1:]  # "And what does X ...?": read as asked
                rewrite = _resolve_pronouns(question, base, last_answer, earlier)
                if rewrite is None or _leans_on_conversation(rewrite, base):
                    rewrite = with_context(rewrite or question, previous, last_answer)
            elif rewrite is None:
                rewrite = with_context(question, previous, last_answer)
        else:
            rewrite = _resolve_pronouns(question, base, last_answer, earlier)
            if (rewrite or question) and _leans_on_conversation(rewrite or question, base):
                rewrite = with_context(rewrite or question, previous, last_answer)
    if rewrite is None:
        return question  # a new topic
    if rewrite_problems(rewrite):
        return with_context(question, previous, last_answer)
    return rewrite


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question the bot should search for, with the chat so far taken into account."""
    previous = ""
    last_answer = ""
    earlier: list[str] = []
    for turn in history:
        if turn.role == "user":
            earlier = names(previous) + names(last_answer) + earlier
            previous = rewrite_followup(turn.content.strip(), previous, last_answer, earlier)
        else:
            last_answer = turn.content
    earlier = names(previous) + names(last_answer) + earlier
    return rewrite_followup(question, previous, last_answer, earlier)
