"""The keyword (BM25) side of hybrid search: an inverted index kept in step with Chroma.

Chroma is the source of truth. This index is a derived cache, persisted beside the store and
brought up to date incrementally by ``sync``: it asks Chroma which articles changed since its
watermark and re-reads only those articles' passages. It is never rebuilt per query and never
rebuilt whole on ingest. Because it only follows Chroma, it works the same with an embedded
store and with a Chroma server shared by several processes (each keeps its own copy in step),
and a process killed mid-ingest cannot leave it disagreeing with the vectors for long: the
next sync repairs it.

Layout: term frequencies live in immutable segments (a sparse passage x term matrix each);
new passages go to a new segment, replaced or deleted passages are tombstoned, and segments are
merged when there are too many. BM25 statistics (document frequency, average length) are
computed over live rows at query time, so no score is stale after an update.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from index.store.chroma import ChromaStore
from index.store.search_filter import SearchFilter
from index.store.terms import terms

log = logging.getLogger(__name__)

_MANIFEST = "manifest.json"
_FORMAT = 1
# Articles written within this many seconds before the watermark are re-checked on sync, so a
# write whose timestamp lands just before another process's sync is never missed.
_WATERMARK_MARGIN_S = 120.0
_MAX_SEGMENTS = 8


@dataclass
class _Segment:
    """An immutable batch of passages: ids, filter fields, lengths and a CSC term matrix."""

    name: str
    passage_ids: list[str]
    article_keys: np.ndarray
    sources: list[str]
    days: np.ndarray
    lengths: np.ndarray
    matrix: sparse.csc_matrix  # rows = passages, columns = term ids, values = term frequency
    alive: np.ndarray

    def save(self, folder: Path) -> None:
        path = folder / f"{self.name}.npz"
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp, ids=np.array(self.passage_ids, dtype=object), keys=self.article_keys,
            sources=np.array(self.sources, dtype=object), days=self.days, lengths=self.lengths,
            data=self.matrix.data, indices=self.matrix.indices, indptr=self.matrix.indptr,
            shape=np.array(self.matrix.shape), alive=self.alive)
        os.replace(tmp, path)

    @classmethod
    def load(cls, folder: Path, name: str) -> _Segment:
        with np.load(folder / f"{name}.npz", allow_pickle=True) as z:
            matrix = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]),
                                       shape=tuple(z["shape"]))
            return cls(name, list(z["ids"]), z["keys"], list(z["sources"]), z["days"],
                       z["lengths"], matrix, z["alive"].astype(bool))


@dataclass(frozen=True)
class KeywordHit:
    passage_id: str
    score: float


class KeywordIndex:
    """BM25 over passages, persisted in ``folder`` and synced from a ChromaStore."""

    def __init__(self, folder: Path, k1: float = 1.2, b: float = 0.75) -> None:
        self.folder = folder
        self.k1, self.b = k1, b
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._segments: list[_Segment] = []
        self._article_versions: dict[str, str] = {}
        self._watermark = 0.0
        self._df: np.ndarray = np.zeros(0, dtype=np.int64)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._load()

    # -- persistence --------------------------------------------------------------------------

    def _load(self) -> None:
        path = self.folder / _MANIFEST
        if not path.exists():
            return
        try:
            manifest = json.loads(path.read_text())
            if manifest.get("format") != _FORMAT:
                raise ValueError(f"unknown keyword index format {manifest.get('format')}")
            self._vocab = {term: i for i, term in enumerate(manifest["vocab"])}
            self._segments = [_Segment.load(self.folder, name) for name in manifest["segments"]]
            self._article_versions = dict(manifest["articles"])
            self._watermark = float(manifest["watermark"])
        except (OSError, ValueError, KeyError) as exc:
            # A damaged cache is rebuilt from Chroma by the next sync; nothing is lost.
            log.warning("keyword index at %s unreadable (%s); it will be rebuilt", self.folder, exc)
            self._vocab, self._segments, self._article_versions = {}, [], {}
            self._watermark = 0.0
        self._recount()

    def _save(self) -> None:
        with _folder_lock(self.folder):
            for segment in self._segments:
                if not (self.folder / f"{segment.name}.npz").exists():
                    segment.save(self.folder)
            manifest = {
                "format": _FORMAT,
                "vocab": sorted(self._vocab, key=self._vocab.__getitem__),
                "segments": [s.name for s in self._segments],
                "articles": self._article_versions,
                "watermark": self._watermark,
            }
            tmp = self.folder / f"{_MANIFEST}.tmp"
            tmp.write_text(json.dumps(manifest))
            os.replace(tmp, self.folder / _MANIFEST)
            keep = {f"{s.name}.npz" for s in self._segments} | {_MANIFEST}
            for stale in self.folder.glob("*.npz"):
                if stale.name not in keep:
                    stale.unlink(missing_ok=True)

    # -- keeping in step with Chroma ----------------------------------------------------------

    def sync(self, store: ChromaStore) -> int:
        """Apply every article change Chroma has that this index lacks; returns articles changed.

        Cheap when nothing changed: one filtered read of article records and one count.
        """
        with self._lock:
            started = time.time()
            changed = store.changed_articles(self._watermark - _WATERMARK_MARGIN_S)
            stale = {key: version for key, version in changed.items()
                     if self._article_versions.get(key) != version}
            if len(set(self._article_versions) | set(stale)) != store.count_articles():
                # Something was deleted (or missed): compare every article once.
                everything = store.changed_articles(None)
                stale = {key: version for key, version in everything.items()
                         if self._article_versions.get(key) != version}
                stale.update(dict.fromkeys(set(self._article_versions) - set(everything), ""))
            if stale:
                self._apply(store, stale)
            self._watermark = max(self._watermark, started)
            if stale or not (self.folder / _MANIFEST).exists():
                self._save()
            return len(stale)

    def _apply(self, store: ChromaStore, stale: dict[str, str]) -> None:
        self._tombstone(set(stale))
        rows: list[tuple[str, str, str, int, Counter[str]]] = []
        current = {key: version for key, version in stale.items() if version}
        for key in set(stale) - set(current):
            self._article_versions.pop(key, None)
        for key, passages in store.passages_of(current).items():
            if not passages:  # the article changed again meanwhile; the next sync catches it
                continue
            for p in passages:
                # The headline is searchable with every passage: it names the story's topic.
                rows.append((p.id, key, p.source, p.published_day,
                             Counter(terms(f"{p.title}\n{p.text}"))))
            self._article_versions[key] = current[key]
        if rows:
            self._segments.append(self._build_segment(rows))
        if len(self._segments) > _MAX_SEGMENTS:
            self._merge()
        self._recount()

    def _tombstone(self, keys: set[str]) -> None:
        for segment in self._segments:
            if len(segment.article_keys):
                hit = np.isin(segment.article_keys, list(keys))
                if hit.any() and (segment.alive & hit).any():
                    segment.alive = segment.alive & ~hit
                    segment.name = _new_name()  # changed segments are written anew

    def _build_segment(self, rows: list[tuple[str, str, str, int, Counter[str]]]) -> _Segment:
        indptr, indices, data = [0], [], []
        for *_, counts in rows:
            for term, tf in counts.items():
                indices.append(self._vocab.setdefault(term, len(self._vocab)))
                data.append(tf)
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
            shape=(len(rows), len(self._vocab))).tocsc()
        return _Segment(
            name=_new_name(), passage_ids=[r[0] for r in rows],
            article_keys=np.array([r[1] for r in rows]), sources=[r[2] for r in rows],
            days=np.array([r[3] for r in rows], dtype=np.int64),
            lengths=np.array([sum(r[4].values()) for r in rows], dtype=np.float32),
            matrix=matrix, alive=np.ones(len(rows), dtype=bool))

    def _merge(self) -> None:
        """Fold all segments into one, dropping dead rows (bounded query cost and disk)."""
        width = len(self._vocab)
        parts = [s for s in self._segments if s.alive.any()]
        if not parts:
            self._segments = []
            return
        keep = [np.flatnonzero(s.alive) for s in parts]
        matrix = sparse.vstack([_widen(s.matrix, width).tocsr()[k] for s, k in zip(
            parts, keep, strict=True)]).tocsc()
        self._segments = [_Segment(
            name=_new_name(),
            passage_ids=[s.passage_ids[i] for s, k in zip(parts, keep, strict=True) for i in k],
            article_keys=np.concatenate([s.article_keys[k] for s, k in zip(parts, keep,
                                                                           strict=True)]),
            sources=[s.sources[i] for s, k in zip(parts, keep, strict=True) for i in k],
            days=np.concatenate([s.days[k] for s, k in zip(parts, keep, strict=True)]),
            lengths=np.concatenate([s.lengths[k] for s, k in zip(parts, keep, strict=True)]),
            matrix=matrix, alive=np.ones(matrix.shape[0], dtype=bool))]

    def _recount(self) -> None:
        """Document frequencies and average length over live rows only."""
        df = np.zeros(len(self._vocab), dtype=np.int64)
        for segment in self._segments:
            matrix = segment.matrix
            alive_entries = np.concatenate([[0], np.cumsum(segment.alive[matrix.indices])])
            df[:matrix.shape[1]] += alive_entries[matrix.indptr[1:]] - \
                alive_entries[matrix.indptr[:-1]]
        self._df = df
        self._live_rows = sum(int(s.alive.sum()) for s in self._segments)
        total = sum(float(s.lengths[s.alive].sum()) for s in self._segments)
        self._avg_length = total / self._live_rows if self._live_rows else 1.0

    # -- searching ----------------------------------------------------------------------------

    @property
    def passages(self) -> int:
        return self._live_rows

    @property
    def articles(self) -> int:
        return len(self._article_versions)

    def passage_ids(self) -> set[str]:
        """Every live passage id: what an audit compares with the store's current passages."""
        with self._lock:
            return {passage_id for segment in self._segments
                    for passage_id, alive in zip(segment.passage_ids, segment.alive, strict=True)
                    if alive}

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a (stemmed) term; unseen terms weigh most."""
        n = self._live_rows
        term_id = self._vocab.get(term)
        df = int(self._df[term_id]) if term_id is not None and term_id < len(self._df) else 0
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def search(self, query: str, k: int, search_filter: SearchFilter | None = None,
               ) -> list[KeywordHit]:
        """The ``k`` best passages by BM25 for ``query`` among those the filter accepts."""
        with self._lock:
            counts = Counter(t for t in terms(query) if t in self._vocab)
            if not counts or not self._live_rows:
                return []
            ids = np.array([self._vocab[t] for t in counts])
            weights = np.array([self.idf(t) * q for t, q in counts.items()], dtype=np.float32)
            hits: list[KeywordHit] = []
            for segment in self._segments:
                hits.extend(self._search_segment(segment, ids, weights, k, search_filter))
            hits.sort(key=lambda h: h.score, reverse=True)
            return hits[:k]

    def _search_segment(self, segment: _Segment, term_ids: np.ndarray, weights: np.ndarray,
                        k: int, search_filter: SearchFilter | None) -> Iterator[KeywordHit]:
        known = term_ids < segment.matrix.shape[1]  # terms newer than the segment: no hits
        if not known.any():
            return
        sub = segment.matrix[:, term_ids[known]].tocoo()
        if not sub.nnz:
            return
        norm = self.k1 * (1 - self.b + self.b * segment.lengths[sub.row] / self._avg_length)
        contrib = weights[known][sub.col] * sub.data * (self.k1 + 1) / (sub.data + norm)
        scores = np.bincount(sub.row, weights=contrib, minlength=segment.matrix.shape[0])
        mask = segment.alive & (scores > 0)
        if search_filter is not None:
            mask &= search_filter.mask(segment.sources, segment.days)
        candidates = np.flatnonzero(mask)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        for row in candidates:
            yield KeywordHit(segment.passage_ids[row], float(scores[row]))


def _widen(matrix: sparse.csc_matrix, width: int) -> sparse.csc_matrix:
    """Pad a segment's matrix to the current vocabulary width (new terms came later)."""
    if matrix.shape[1] == width:
        return matrix
    indptr = np.concatenate([matrix.indptr,
                             np.full(width - matrix.shape[1], matrix.indptr[-1])])
    return sparse.csc_matrix((matrix.data, matrix.indices, indptr),
                             shape=(matrix.shape[0], width))


def _new_name() -> str:
    return f"seg-{uuid.uuid4().hex[:12]}"


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer at a time per index folder (an ingest and a server may share it)."""
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
