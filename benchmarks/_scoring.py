"""Answer matching for benchmark scripts: SQuAD-style normalisation and "contains"."""

from __future__ import annotations

import re
import string

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalise(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (SQuAD's normalisation)."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """True when the normalised text contains any normalised accepted answer (as a substring,
    like the benchmark's own scorer, so results compare with published baselines)."""
    haystack = normalise(text)
    return any(normalise(a) in haystack for a in answers if normalise(a))


def names_only_choice(text: str, answers: list[str], choices: list[str]) -> bool:
    """True when the text names a correct choice and no other choice."""
    named = [c for c in choices if contains_answer(text, [c])]
    return bool(named) and all(contains_answer(c, answers) for c in named)
