"""Who "he", "it" and "they" are: name phrases and pronoun replacement, without a model.

Used twice: to turn a follow-up question into a standalone one, and to read a passage sentence
that starts with a pronoun ("But it has ruled out a permanent ceasefire ...") as being about
the subject of the sentence before it, so it is scored, and shown, for what it is about.
"""

from __future__ import annotations

import re

_NAME_WORD = r"(?:[A-Z][\w’'.-]*|al-\w+|bin|ibn|de|da|van|von|der|la|le)"
_NAME = re.compile(rf"\b[A-Z][\w’'.-]*(?:\s+{_NAME_WORD}\b)*")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_NOT_NAMES = frozenset("""
what who whom whose when where why how which is are was were did does do can could will would
should shall may might must has have had and but so or if then the a an in on at of for to from
by with about as this that these those it its he she they we you i my our your their his her
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december us yet still however also meanwhile
""".split())
# Last words of names that are institutions or places, never the "he" or "she" of a sentence.
_INSTITUTION_WORDS = frozenset("""
house office ministry department council committee court party union states nations kingdom
bureau agency force army navy police government parliament senate congress assembly strip bank
university company group news times post street city county republic authority commission one
reserve fund association foundation institute service administration corporation network
league club board center centre school church museum hospital forces guard coalition alliance
movement front motors airlines airways federation organization organisation prize award cup
series open games park mountains river lake island airport stadium arena
""".split())
PERSON_PRONOUNS = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s"}
THING_PRONOUNS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s"}
PRONOUN = re.compile(r"\b(he|him|his|she|her|hers|it|its|they|them|their)\b", re.IGNORECASE)
_LEADING_PRONOUN = re.compile(
    r"^(?:(?:but|and|yet|still|so|however|meanwhile|also),?\s+)?(he|she|it|they|its|his|her|"
    r"their)\b", re.IGNORECASE)


def names(text: str) -> list[str]:
    """Capitalised name phrases in order ("Ismail Haniyeh", "Gaza Strip"), possessives removed."""
    found = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        while words and words[0].lower().strip("’'.,") in _NOT_NAMES:
            words.pop(0)
        if words:
            found.append(_POSSESSIVE.sub("", " ".join(words)).rstrip(".,"))
    return [name for name in found if name]


def people(candidates: list[str]) -> list[str]:
    """The names that can be a person: two or more words, not an institution or a place."""
    return [n for n in candidates
            if len(n.split()) >= 2 and n.split()[-1].lower() not in _INSTITUTION_WORDS
            and not re.search(r"-[a-z]+$", n)]  # "Nobel Peace Prize-winning"


def leading_pronoun_subject(sentence: str, previous_sentence: str) -> str | None:
    """The name a sentence's opening pronoun stands for: the previous sentence's first name.

    None when the sentence does not open with a pronoun or no name precedes it.
    """
    match = _LEADING_PRONOUN.match(sentence.strip())
    if not match or not previous_sentence:
        return None
    pronoun = match.group(1).lower()
    candidates = names(previous_sentence)
    if pronoun in PERSON_PRONOUNS:
        candidates = people(candidates) or candidates
    return candidates[0] if candidates else None


def with_subject(sentence: str, subject: str) -> str:
    """The sentence with its opening pronoun (and later copies of it) replaced by ``subject``."""
    match = _LEADING_PRONOUN.match(sentence.strip())
    if not match:
        return sentence
    pronoun = match.group(1).lower()
    suffix = {**PERSON_PRONOUNS, **THING_PRONOUNS}[pronoun]
    return re.sub(rf"\b{pronoun}\b", subject + suffix, sentence.strip(), flags=re.IGNORECASE)
