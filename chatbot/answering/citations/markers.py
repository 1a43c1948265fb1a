"""The ``[n]`` citation marker: written, found and split here and nowhere else.

newsbot writes one or more markers after every answer sentence (``... talks. [1][2]``). The
renderers link them, the evaluation checks and strips them, the service streams an answer
sentence by sentence along them, and follow-up rewriting removes them from earlier answers: all
through this module, so the format cannot drift between readers.

Language models write markers less tidily ("[1, 2]", "[Source 1]", a marker after the full
stop); ``parse_cited_sentences`` reads those, for checking a model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from index.chunking import sentence_spans

MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AT_END = re.compile(r"(?:\s*\[\d+\])+\s*$")
# Answer sentences end with their markers: break after a marker not followed by another one.
_SENTENCE_BREAK = re.compile(r"(?<=\])\s+(?!\[)")

# What models write: "[1]", "[1, 2]", "[1 and 3]", "[Source 2]".
_MODEL_MARKER = re.compile(
    r"\[\s*(?:sources?\s*)?(\d+(?:\s*(?:,|;|and|&)\s*(?:sources?\s*)?\d+)*)\s*\]", re.IGNORECASE)
_LEADING_MODEL_MARKERS = re.compile(rf"^\s*(?:{_MODEL_MARKER.pattern}\s*)+", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def markers(numbers: Iterable[int]) -> str:
    """The markers for these citation numbers, in order, each once: ``[1][3]``."""
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def cited_numbers(text: str) -> list[int]:
    """Every citation number written in ``text``, in order (repeats kept)."""
    return [int(n) for n in MARKER.findall(text)]


def strip_markers(text: str) -> str:
    """``text`` without its markers, spaces collapsed (a marker "[2]" must not count as the
    answer "2", nor be read as a word by a follow-up)."""
    return " ".join(MARKER.sub(" ", text).split())


def split_answer(text: str) -> list[str]:
    """An answer's sentences, each with its markers."""
    return [piece for piece in _SENTENCE_BREAK.split(text.strip()) if piece]


def ends_with_marker(sentence: str) -> bool:
    return bool(_MARKERS_AT_END.search(sentence))


def replace_markers(text: str, replace: Callable[[int, str], str]) -> str:
    """``text`` with each marker replaced by ``replace(n, marker_text)`` (renderers link them)."""
    return MARKER.sub(lambda match: replace(int(match[1]), match[0]), text)


@dataclass
class CitedSentence:
    """One sentence of a model's answer, its citation markers taken out."""

    text: str
    numbers: list[int]


def parse_cited_sentences(text: str) -> list[CitedSentence]:
    """Split a model's answer into sentences with the source numbers each one cites.

    Markers right after a sentence's full stop ("... talks. [1] Next ...") belong to the
    sentence before them; "[1, 2]", "[1][2]" and "[Source 1]" are all read.
    """
    sentences: list[CitedSentence] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        leading = _LEADING_MODEL_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1].numbers.extend(_model_numbers(leading.group()))
            piece = piece[leading.end():]
        numbers = _model_numbers(piece)
        clean = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _MODEL_MARKER.sub("", piece))
        clean = _BULLET.sub("", " ".join(clean.split())).replace("**", "")
        if clean:
            sentences.append(CitedSentence(clean, numbers))
        elif numbers and sentences:
            sentences[-1].numbers.extend(numbers)
    return sentences


def _model_numbers(text: str) -> list[int]:
    return [int(n) for match in _MODEL_MARKER.finditer(text)
            for n in re.findall(r"\d+", match[1])]
