"""Chroma storage of passages and articles, embedded (on disk) or on a Chroma server.

Two collections per index:

* ``<name>-passages``: one record per chunk, its embedding, its text and where it sits in the
  article (offsets and sentence spans), plus the article's metadata for filtering and citing.
* ``<name>-articles``: one record per article, the cleaned text (citations are checked
  against it) and the article's ``version`` (a hash of text and metadata).

Replacing an article is ordered so that readers never see half of it: the new version's
passages are added first, then the article record flips to the new version, then the old
passages are deleted. Retrieval keeps only passages whose version is the article's current one,
so between those steps a reader sees the old article whole, then the new one whole; a process
killed half-way leaves only invisible leftovers that the next write of that article removes.

Embeddings are always passed explicitly: Chroma's default embedding function would try to
download a model.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np

from index.store.errors import StoreUnavailableError
from index.store.records import (
    ArticleWrite,
    Passage,
    StoredArticle,
    article_key,
    article_metadata,
    article_version,
    day_number,
    passage_id,
)
from index.store.search_filter import SearchFilter

_COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9._-]{3,500}$")
# Article keys per metadata read ("article_key $in [...]"): large enough to save round trips,
# small enough to keep each filtered read quick.
_KEYS_PER_READ = 100
# Unfiltered nearest neighbours read per wanted passage before a filter is applied (see query).
_OVERFETCH = 4


class ChromaStore:
    """Passages and articles in Chroma; the only module that speaks Chroma's API."""

    def __init__(self, client: Any, name: str = "newsbot") -> None:
        for suffix in ("passages", "articles"):
            if not _COLLECTION_NAME.match(f"{name}-{suffix}"):
                raise ValueError(f"invalid index name {name!r}: use letters, digits, '.', '_', '-'")
        self.client = client
        self.name = name
        try:
            self.passages = client.get_or_create_collection(
                f"{name}-passages", embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}})
            self.articles = client.get_or_create_collection(
                f"{name}-articles", embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}})
            self._max_batch = int(client.get_max_batch_size())
        except Exception as exc:
            raise StoreUnavailableError(f"cannot open the Chroma store: {exc}") from exc

    # -- writing ------------------------------------------------------------------------------

    def current_versions(self, keys: Sequence[str]) -> dict[str, str]:
        """The stored version of each article key that exists."""
        return {key: str(metadata["version"]) for key, metadata in self._records(keys).items()}

    def _records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The article records' metadata of the keys that exist, read by id."""
        records: dict[str, dict[str, Any]] = {}
        for batch in _batches(list(dict.fromkeys(keys)), self._max_batch):
            got = self.articles.get(ids=batch, include=["metadatas"])
            records.update(zip(got["ids"], got["metadatas"] or [], strict=True))
        return records

    def write_articles(self, writes: Sequence[ArticleWrite]) -> list[tuple[str, str]]:
        """Store several articles in a few large calls; returns (key, version) of each.

        Three steps, each over the whole group, ordered so that readers always see exactly one
        complete version of every article (see module doc): all new passages, then all article
        records, then the superseded passages. Few large calls instead of several per article
        matter most with a Chroma server, where every call is an HTTP round trip.
        """
        written: list[tuple[str, str]] = []
        ids: list[str] = []
        vectors: list[np.ndarray] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        article_records: list[tuple[str, np.ndarray, str, dict[str, Any]]] = []
        for write in writes:
            key, version = article_key(write.article_id), article_version(write.article)
            common = article_metadata(write.article, write.article_id, key, version)
            ids += [passage_id(key, version, chunk.index) for chunk in write.chunks]
            vectors.append(np.asarray(write.vectors, dtype=np.float32))
            documents += [chunk.text for chunk in write.chunks]
            metadatas += [{**common, "start": c.start, "end": c.end,
                           "sentences": json.dumps(c.sentences)} for c in write.chunks]
            centroid = write.vectors.mean(axis=0)
            centroid /= float(np.linalg.norm(centroid)) or 1.0
            article_records.append((key, centroid, write.article.text, {
                **common, "authors": json.dumps(write.article.authors),
                "passages": len(write.chunks), "ingested_at": time.time()}))
            written.append((key, version))
        all_vectors = np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32)
        for lo in range(0, len(ids), self._max_batch):
            hi = lo + self._max_batch
            self.passages.upsert(ids=ids[lo:hi], embeddings=all_vectors[lo:hi],
                                 documents=documents[lo:hi], metadatas=metadatas[lo:hi])
        for lo in range(0, len(article_records), self._max_batch):
            batch = article_records[lo:lo + self._max_batch]
            self.articles.upsert(ids=[r[0] for r in batch], embeddings=[r[1] for r in batch],
                                 documents=[r[2] for r in batch], metadatas=[r[3] for r in batch])
        self.remove_leftovers(dict(written))
        return written

    def remove_leftovers(self, versions: dict[str, str]) -> None:
        """Delete the passages of these articles (key -> current version) of other versions.

        Every write ends with it. The ingest also calls it for unchanged articles: a writer
        killed after an article's record flipped to the new version but before the old
        version's passages were deleted leaves them behind. Readers never see them, but they
        hold disk and dense-search slots, and since the article then counts as unchanged, no
        later write of it would remove them.
        """
        keys = list(versions)
        for lo in range(0, len(keys), _KEYS_PER_READ):
            got = self.passages.get(where={"article_key": {"$in": keys[lo:lo + _KEYS_PER_READ]}},
                                    include=["metadatas"])
            stale = [record_id for record_id, metadata in zip(got["ids"], got["metadatas"] or [],
                                                              strict=True)
                     if versions.get(str(metadata["article_key"])) != metadata["version"]]
            for batch in _batches(stale, self._max_batch):
                self.passages.delete(ids=batch)

    def delete_article(self, key: str) -> None:
        """Remove an article and all its passages (every version)."""
        self.articles.delete(ids=[key])
        self.passages.delete(where={"article_key": key})

    def published_before(self, day: date) -> dict[str, str]:
        """Article key -> id of the articles published before ``day`` (undated ones excluded)."""
        got = self.articles.get(where={"$and": [{"published_day": {"$gt": 0}},
                                                {"published_day": {"$lt": day_number(day)}}]},
                                include=["metadatas"])
        return {record_id: str(m["article_id"])
                for record_id, m in zip(got["ids"], got["metadatas"] or [], strict=True)}

    # -- reading ------------------------------------------------------------------------------

    def query(self, vector: np.ndarray, k: int, search_filter: SearchFilter | None = None,
              current_only: bool = True) -> list[Passage]:
        """The ``k`` passages nearest to ``vector`` (cosine) that the filter accepts; current
        versions only unless a caller that merges several reads filters once itself.

        Chroma's own filtered search reads the filter's matches from its metadata index before
        searching, which costs about 0.6 s at 100,000 passages even when nearly every passage
        matches (an "as of" date usually does). So the nearest ``_OVERFETCH * k`` passages are
        read unfiltered (a few ms) and filtered here; only a narrow filter that leaves fewer
        than ``k`` of them falls back to Chroma's filtered search. Both give the same passages.
        """
        if k <= 0:
            return []
        if not search_filter:
            passages = self._nearest(vector, k, None)
        else:
            nearest = self._nearest(vector, _OVERFETCH * k, None)
            passages = [p for p in nearest if search_filter.accepts(p.source, p.published_day)]
            if len(passages) < k and len(nearest) == _OVERFETCH * k:
                passages = self._nearest(vector, k, search_filter.to_where())
            passages = passages[:k]
        return self.keep_current(passages) if current_only else passages

    def _nearest(self, vector: np.ndarray, k: int, where: dict[str, Any] | None,
                 ) -> list[Passage]:
        result = self.passages.query(
            query_embeddings=[vector], n_results=k, where=where,
            include=["documents", "metadatas", "distances", "embeddings"])
        passages = []
        for record_id, text, metadata, distance, embedding in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0],
                result["distances"][0], result["embeddings"][0], strict=True):
            passage = Passage.from_record(record_id, text, metadata, embedding)
            passage.scores["dense"] = 1.0 - float(distance)
            passages.append(passage)
        return passages

    def get_passages(self, ids: Sequence[str], current_only: bool = True) -> list[Passage]:
        """Passages by id, in the order asked, missing ids skipped; current versions only
        unless the caller filters itself (see ``query``)."""
        found: dict[str, Passage] = {}
        for batch in _batches(list(ids), self._max_batch):
            got = self.passages.get(ids=batch, include=["documents", "metadatas", "embeddings"])
            for record_id, text, metadata, embedding in zip(
                    got["ids"], got["documents"] or [], got["metadatas"] or [],
                    _rows(got["embeddings"]), strict=True):
                found[record_id] = Passage.from_record(record_id, text, metadata, embedding)
        passages = [found[i] for i in ids if i in found]
        return self.keep_current(passages) if current_only else passages

    def keep_current(self, passages: list[Passage]) -> list[Passage]:
        """Drop passages of article versions that are not (or no longer) the stored one."""
        versions = self.current_versions([p.article_key for p in passages])
        return [p for p in passages if versions.get(p.article_key) == p.version]

    def passages_of(self, versions: dict[str, str], batch: int = _KEYS_PER_READ,
                    ) -> dict[str, list[Passage]]:
        """The passages of the given article versions (key -> version), in article order.

        Read by id where possible: a current article's record gives its passage count, and
        passage ids follow from key, version and index. That is several times quicker than
        the metadata filter (one article at 100k passages: ~3 ms instead of ~15 ms), and a
        keyword-index update does it for every changed article. Versions that are no longer
        current, or whose passages are not all where their ids say, are read by the filter.
        """
        found: dict[str, list[Passage]] = {key: [] for key in versions}
        records = self._records(list(versions))
        counts = {key: int(records[key].get("passages") or 0) for key, version in versions.items()
                  if key in records and str(records[key]["version"]) == version}
        wanted = [passage_id(key, versions[key], index)
                  for key, count in counts.items() for index in range(count)]
        for ids in _batches(wanted, self._max_batch):
            self._collect(self.passages.get(ids=ids, include=["documents", "metadatas"]),
                          versions, found)
        filtered = [key for key in versions if len(found[key]) != counts.get(key, -1)]
        for lo in range(0, len(filtered), batch):
            keys = filtered[lo:lo + batch]
            for key in keys:
                found[key] = []
            self._collect(self.passages.get(where={"article_key": {"$in": keys}},
                                            include=["documents", "metadatas"]),
                          {key: versions[key] for key in keys}, found)
        for passages in found.values():
            passages.sort(key=lambda p: p.start)
        return found

    @staticmethod
    def _collect(got: Any, versions: dict[str, str], found: dict[str, list[Passage]]) -> None:
        """Add the read passages that are of the wanted versions to ``found``."""
        for record_id, text, metadata in zip(got["ids"], got["documents"] or [],
                                             got["metadatas"] or [], strict=True):
            passage = Passage.from_record(record_id, text, metadata)
            if versions.get(passage.article_key) == passage.version:
                found[passage.article_key].append(passage)

    def scan_passages(self, page: int = 5000) -> Iterator[list[Passage]]:
        """Every stored passage (all versions), a page at a time: reading everything this way
        is several times cheaper than by article (no metadata filter to evaluate)."""
        offset = 0
        while True:
            got = self.passages.get(include=["documents", "metadatas"], offset=offset,
                                    limit=page)
            yield [Passage.from_record(record_id, text, metadata) for record_id, text, metadata
                   in zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                          strict=True)]
            if len(got["ids"]) < page:
                return
            offset += page

    def passage_counts(self) -> dict[tuple[str, str], int]:
        """(article key, version) -> how many passages that version has, for every article."""
        counts: dict[tuple[str, str], int] = {}
        offset = 0
        while True:
            got = self.articles.get(include=["metadatas"], offset=offset, limit=self._max_batch)
            for record_id, metadata in zip(got["ids"], got["metadatas"] or [], strict=True):
                counts[(record_id, str(metadata["version"]))] = int(metadata["passages"] or 0)
            if len(got["ids"]) < self._max_batch:
                return counts
            offset += self._max_batch

    def changed_articles(self, since: float | None) -> dict[str, str]:
        """Article key -> version for articles written at or after ``since`` (None: all)."""
        where = {"ingested_at": {"$gte": since}} if since is not None else None
        versions: dict[str, str] = {}
        offset = 0
        while True:
            got = self.articles.get(where=where, include=["metadatas"], offset=offset,
                                    limit=self._max_batch)
            for record_id, metadata in zip(got["ids"], got["metadatas"] or [], strict=True):
                versions[record_id] = str(metadata["version"])
            if len(got["ids"]) < self._max_batch:
                return versions
            offset += self._max_batch

    def article_text(self, key: str) -> str | None:
        got = self.articles.get(ids=[key], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def list_articles(self, offset: int = 0, limit: int = 50) -> list[StoredArticle]:
        got = self.articles.get(include=["metadatas"], offset=offset, limit=limit)
        return [
            StoredArticle(key=record_id, article_id=str(m["article_id"]),
                          version=str(m["version"]), title=str(m.get("title") or ""),
                          source=str(m.get("source") or ""), url=str(m.get("url") or ""),
                          published=str(m.get("published") or ""),
                          passages=int(m.get("passages") or 0),
                          ingested_at=float(m.get("ingested_at") or 0.0))
            for record_id, m in zip(got["ids"], got["metadatas"] or [], strict=True)
        ]

    def count_passages(self) -> int:
        return int(self.passages.count())

    def count_articles(self) -> int:
        return int(self.articles.count())

    def ping(self) -> None:
        """Raise StoreUnavailableError unless the store answers."""
        try:
            self.client.heartbeat()
            self.articles.count()
        except Exception as exc:
            raise StoreUnavailableError(f"the Chroma store does not answer: {exc}") from exc


def _rows(embeddings: Any) -> list[Any]:
    """Chroma returns embeddings as an array or a list; iterate rows either way."""
    return [] if embeddings is None else list(embeddings)


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for lo in range(0, len(items), size):
        yield items[lo:lo + size]
