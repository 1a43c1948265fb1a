"""What the store holds, as Python values: passages, articles, and the keys that name them.

Shared by the Chroma store, the keyword index and everything that ranks or cites passages, so
none of them depends on how the other stores its records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

import numpy as np

from index.articles import Article
from index.chunking import Chunk, Span


def article_key(article_id: str) -> str:
    """A short fixed-length key for an article identity (ids may be long URLs)."""
    return hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:16]


def article_version(article: Article) -> str:
    """A hash of everything stored about an article: any change means a new version."""
    payload = json.dumps(article.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:12]


def day_number(day: date | None) -> int:
    """A date as YYYYMMDD, because Chroma compares only numbers in range filters (0 = unknown)."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def day_from_number(number: int) -> date | None:
    """The date of a ``day_number`` (YYYYMMDD); None when unknown (0) or not a date."""
    if not number:
        return None
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


@dataclass
class Passage:
    """A stored chunk with what is needed to rank it, quote it and cite it."""

    id: str
    article_id: str
    article_key: str
    version: str
    text: str
    start: int
    end: int
    sentences: list[Span]
    title: str = ""
    source: str = ""
    url: str = ""
    published: str = ""
    published_day: int = 0
    scores: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_record(cls, record_id: str, text: str, metadata: dict[str, Any],
                    vector: Any = None) -> Passage:
        return cls(
            id=record_id,
            article_id=str(metadata["article_id"]),
            article_key=str(metadata["article_key"]),
            version=str(metadata["version"]),
            text=text,
            start=int(metadata["start"]),
            end=int(metadata["end"]),
            sentences=[(int(s), int(e)) for s, e in json.loads(str(metadata["sentences"]))],
            title=str(metadata.get("title") or ""),
            source=str(metadata.get("source") or ""),
            url=str(metadata.get("url") or ""),
            published=str(metadata.get("published") or ""),
            published_day=int(metadata.get("published_day") or 0),
            vector=None if vector is None else np.asarray(vector, dtype=np.float32),
        )

    def sentence_texts(self) -> list[tuple[Span, str]]:
        """The passage's sentences with their absolute spans in the article."""
        return [((s, e), self.text[s - self.start:e - self.start]) for s, e in self.sentences]


@dataclass(frozen=True)
class StoredArticle:
    """An article as the store knows it."""

    key: str
    article_id: str
    version: str
    title: str
    source: str
    url: str
    published: str
    passages: int
    ingested_at: float


@dataclass(frozen=True)
class ArticleWrite:
    """One cleaned article ready to store: its chunks and their vectors, in chunk order."""

    article: Article
    article_id: str
    chunks: Sequence[Chunk]
    vectors: np.ndarray


def passage_id(key: str, version: str, index: int) -> str:
    return f"{key}-{version}-{index:05d}"


def article_metadata(article: Article, article_id: str, key: str, version: str,
                     ) -> dict[str, Any]:
    """The fields every passage record of an article carries, and its article record too."""
    return {
        "article_id": article_id,
        "article_key": key,
        "version": version,
        "title": article.title,
        "source": source_label(article),
        "url": article.url or "",
        "published": article.published.isoformat() if article.published else "",
        "published_day": day_number(article.published),
    }


def source_label(article: Article) -> str:
    if article.source:
        return article.source
    host = urlparse(article.url or "").hostname or ""
    return host.removeprefix("www.")
