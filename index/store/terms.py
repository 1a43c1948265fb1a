"""Turning text into search terms: lower-cased, stop words dropped, stemmed.

One definition shared by the keyword index and the answerer's term overlap, so that a word
counts as "the same word" everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)

# English function words plus news filler that matches everything ("said", "told").
_STOP_WORDS_TEXT = """
a about above after again against all am an and any are aren't as at be because been
before being below between both but by can cannot could did do does doing down during each
few for from further had has have having he her here hers herself him himself his how i if
in into is it its itself let's me more most my myself no nor not of off on once only or
other ought our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your
yours yourself yourselves also just said says told according would could may might must
shall via per s t
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, keeping inner apostrophes, dots and hyphens ("U.S.", "al-Nono")."""
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Stemmed content terms of ``text`` in order, repeats kept (term frequency matters)."""
    words = [t for t in tokens(text) if t not in STOP_WORDS]
    return list(_stemmer().stemWords(words)) if words else []


@lru_cache(maxsize=20_000)
def term_set(sentence: str) -> frozenset[str]:
    """The distinct terms of a sentence, remembered: every question scores the sentences of
    its candidate passages, and popular stories' sentences come back question after question."""
    return frozenset(terms(sentence))
