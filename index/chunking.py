"""Sentence-aware chunking with character offsets into the cleaned article.

Chunks are sized in the embedding model's own word-pieces: all-MiniLM-L6-v2 reads at most 256
of them and silently truncates the rest, so a chunk larger than that is only partly searchable
by meaning. Each chunk is a run of whole sentences (never cut mid-sentence unless one sentence
alone exceeds the budget) and records its sentences' spans, so the answerer cites exact
sentences without splitting text again at question time.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing nltk takes over a second: only processes that split text pay it
    from nltk.tokenize.punkt import PunktSentenceTokenizer

Span = tuple[int, int]
TokenCounter = Callable[[list[str]], list[int]]

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``text == article_text[start:end]``; sentence spans are absolute."""

    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


def _bundled_nltk_data() -> Path:
    """The nltk data folder that ships inside llama-index (``_static/nltk_cache``), found
    without importing llama-index (about two seconds of imports for one folder name)."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llama-index-core is not installed: it ships the Punkt model")
    return Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    """The English Punkt model that ships inside llama-index (no download, no NLTK_DATA)."""
    from nltk.data import path as nltk_path
    from nltk.tokenize import PunktTokenizer

    data = str(_bundled_nltk_data())
    if data not in nltk_path:
        nltk_path.append(data)
    return PunktTokenizer("english")


def sentence_spans(text: str) -> list[Span]:
    """Sentence spans of ``text``; a line break always ends a sentence.

    Cleaned articles hold one paragraph per line, and a heading or list item without final
    punctuation must not be glued to the sentence after it.
    """
    tokenizer = _punkt()
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        offset = line.start()
        spans.extend((offset + s, offset + e) for s, e in tokenizer.span_tokenize(line.group()))
    return spans


def _split_long_sentence(text: str, span: Span, budget: int, count: TokenCounter) -> list[Span]:
    """Cut a sentence that alone exceeds the budget into word windows that fit it."""
    words = [(m.start() + span[0], m.end() + span[0])
             for m in _WORD.finditer(text[span[0]:span[1]])]
    # Word-pieces per word vary; start from a safe guess and shrink windows that still overflow.
    pieces: list[Span] = []
    step = max(1, budget // 2)
    i = 0
    while i < len(words):
        size = min(step, len(words) - i)
        while size > 1:
            window = (words[i][0], words[i + size - 1][1])
            if count([text[window[0]:window[1]]])[0] <= budget:
                break
            size = max(1, size // 2)
        pieces.append((words[i][0], words[i + size - 1][1]))
        i += size
    return pieces


def chunk_text(text: str, count_tokens: TokenCounter, max_tokens: int = 200,
               overlap_sentences: int = 1) -> list[Chunk]:
    """Pack consecutive sentences into chunks of at most ``max_tokens`` model word-pieces.

    Neighbouring chunks share ``overlap_sentences`` sentences so that a fact stated across a
    sentence boundary is whole in at least one chunk.
    """
    spans = sentence_spans(text)
    if not spans:
        return []
    lengths = count_tokens([text[s:e] for s, e in spans])
    units: list[tuple[Span, int]] = []
    for span, length in zip(spans, lengths, strict=True):
        if length <= max_tokens:
            units.append((span, length))
        else:
            pieces = _split_long_sentence(text, span, max_tokens, count_tokens)
            units.extend(zip(pieces, count_tokens([text[s:e] for s, e in pieces]), strict=True))
    return list(_pack(text, units, max_tokens, overlap_sentences))


def _pack(text: str, units: list[tuple[Span, int]], max_tokens: int, overlap: int,
          ) -> Iterator[Chunk]:
    start = 0
    index = 0
    while start < len(units):
        end = start
        used = 0
        while end < len(units) and (end == start or used + units[end][1] <= max_tokens):
            used += units[end][1]
            end += 1
        sentences = tuple(span for span, _ in units[start:end])
        first, last = sentences[0][0], sentences[-1][1]
        yield Chunk(index, first, last, text[first:last], sentences)
        index += 1
        if end >= len(units):
            break
        start = max(end - overlap, start + 1)
