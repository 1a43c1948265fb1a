"""The keyword (BM25) side of hybrid search: a tantivy index kept in step with Chroma.

Chroma is the source of truth. This index is a derived cache, persisted beside the store and
brought up to date incrementally by ``sync``: it asks Chroma which articles changed since its
watermark and re-reads only those articles' passages. It is never rebuilt per query and never
rebuilt whole on ingest. Because it only follows Chroma, it works the same with an embedded
store and with a Chroma server shared by several processes (each keeps its own copy in step),
and a process killed mid-ingest cannot leave it disagreeing with the vectors for long: the
next sync repairs it. A cache that cannot be opened is discarded and rebuilt from Chroma.

tantivy does the engine's work (segments, deletes, merges, BM25 with k1 = 1.2 and b = 0.75,
top-k pruning, fast-field filters); it was measured against SQLite FTS5 and the earlier
hand-written index (benchmarks/keyword_engines.py). Text is turned into terms by
``index.store.terms`` (the answerer's definition of a word) and handed to tantivy as
whitespace-separated terms, so both agree on what a word is. One writer at a time: a
process takes the folder lock, applies its changes, commits and lets go, so an ingest and
any number of servers can share one folder; searches read a snapshot and never wait.
"""

from __future__ import annotations

import fcntl
import logging
import math
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from index.read_ahead import read_ahead
from index.store.chroma import ChromaStore
from index.store.keyword_state import SyncState
from index.store.search_filter import SearchFilter
from index.store.terms import terms

log = logging.getLogger(__name__)

# Articles written within this many seconds before the watermark are re-checked on sync, so a
# write whose timestamp lands just before another process's sync is never missed.
_WATERMARK_MARGIN_S = 120.0
# Articles read from Chroma per round while applying changes (bounds memory on a rebuild).
_ARTICLES_PER_READ = 400
_ENGINE = "tantivy"
_STATE = "state.sqlite3"
# The manifest of the format before tantivy; where it is, that format's *.npz segments go too.
_EARLIER_FORMAT = frozenset({"manifest.json", "manifest.json.tmp"})
# A term longer than this is not a word (base64, a run of digits): tantivy drops it.
_LONGEST_TERM = 200
_SMALL_WRITE_HEAP = 16_000_000
_LARGE_WRITE_HEAP = 128_000_000


@dataclass(frozen=True)
class KeywordHit:
    passage_id: str
    score: float


@dataclass(frozen=True)
class Row:
    """One passage as the keyword index sees it."""

    passage_id: str
    article_key: str
    source: str
    day: int
    terms: list[str]


def keyword_schema() -> tantivy.Schema:
    """The fields of a passage in the index (the search filter reads source and day)."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", tokenizer_name="terms", index_option="freq")
    builder.add_text_field("pid", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("key", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_integer_field("day", indexed=True, fast=True)
    return builder.build()


def keyword_engine(path: Path | None) -> tantivy.Index:
    """The tantivy index at ``path`` (created if new; in memory when None), ready to use."""
    schema = keyword_schema()
    index = tantivy.Index(schema, path=None if path is None else str(path), reuse=True)
    index.register_tokenizer("terms", tantivy.TextAnalyzerBuilder(
        tantivy.Tokenizer.whitespace()).filter(tantivy.Filter.remove_long(_LONGEST_TERM)).build())
    index.config_reader("manual")
    return index


class KeywordIndex:
    """BM25 over passages, persisted in ``folder`` and synced from a ChromaStore."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._newest_day: int | None = None  # newest_day's last answer
        self.folder.mkdir(parents=True, exist_ok=True)
        with _folder_lock(self.folder):
            try:
                self._open()
            except (OSError, ValueError) as exc:
                # A damaged cache is rebuilt from Chroma by the next sync; nothing is lost.
                log.warning("keyword index at %s unreadable (%s); it will be rebuilt",
                            self.folder, exc)
                self._discard()
                self._open()

    # -- the engine ---------------------------------------------------------------------------

    def _open(self) -> None:
        engine = self.folder / _ENGINE
        if not (self.folder / _STATE).exists() or not engine.exists():
            self._discard()  # no state, or an earlier format: start clean
            engine.mkdir()
        self._state = SyncState(self.folder / _STATE)
        try:
            self._index = keyword_engine(engine)
            self._schema = self._index.schema
            self._index.reload()
        except BaseException:
            self._state.close()
            raise

    def _discard(self) -> None:
        """Remove what this index keeps in the folder: the engine, the sync state (with
        SQLite's side files) and an earlier format's manifest and segments. Nothing else is
        touched, so a folder given by mistake (the parent of every index, a data folder)
        loses nothing: its own contents are not a damaged index."""
        if hasattr(self, "_state"):
            self._state.close()
        earlier_format = any((self.folder / name).exists() for name in _EARLIER_FORMAT)
        for child in self.folder.iterdir():
            if child.name == _ENGINE and child.is_dir():
                shutil.rmtree(child)
            elif child.name.startswith(_STATE) or child.name in _EARLIER_FORMAT or (
                    earlier_format and child.suffix == ".npz" and child.is_file()):
                child.unlink()

    def _refresh(self) -> None:
        """Search what is committed now (this process's changes and other processes')."""
        self._index.reload()

    def _write(self, gone: set[str], rows: Iterator[list[Row]], large: bool) -> None:
        """Delete the passages of ``gone`` articles and add ``rows``, in one commit."""
        writer = self._index.writer(_LARGE_WRITE_HEAP if large else _SMALL_WRITE_HEAP,
                                    0 if large else 1)
        try:
            for key in gone:
                writer.delete_documents_by_term("key", key)
            for batch in rows:
                for row in batch:
                    writer.add_document(tantivy.Document(
                        terms=" ".join(row.terms), pid=row.passage_id, key=row.article_key,
                        source=row.source, day=row.day))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            # Small merges finish here (milliseconds); the writer lock is released.
            writer.wait_merging_threads()

    # -- keeping in step with Chroma ----------------------------------------------------------

    def sync(self, store: ChromaStore) -> int:
        """Apply every article change Chroma has that this index lacks; returns articles changed.

        Cheap when nothing changed: one filtered read of article records and one count.
        """
        with self._lock, _folder_lock(self.folder):
            started = time.time()
            changed = store.changed_articles(self._state.watermark - _WATERMARK_MARGIN_S)
            known = self._state.versions(changed)
            stale = {key: version for key, version in changed.items()
                     if known.get(key) != version}
            if self._state.count() + len(set(stale) - set(known)) != store.count_articles():
                # Something was deleted (or missed): compare every article once.
                everything = store.changed_articles(None)
                known = self._state.versions()
                stale = {key: version for key, version in everything.items()
                         if known.get(key) != version}
                stale.update(dict.fromkeys(set(known) - set(everything), ""))
            applied = self._apply(store, stale) if stale else {}
            self._state.record(applied, started)
            self._refresh()
            return len(stale)

    def _apply(self, store: ChromaStore, stale: dict[str, str]) -> dict[str, str]:
        """Replace the stale articles' passages; returns the versions now applied."""
        applied = {key: "" for key, version in stale.items() if not version}
        current = [key for key, version in stale.items() if version]

        def rows() -> Iterator[list[Row]]:
            if len(current) > _ARTICLES_PER_READ and 2 * len(current) > store.count_articles():
                yield from scanned()  # most articles (a rebuild): read the store page by page
                return
            for lo in range(0, len(current), _ARTICLES_PER_READ):
                wanted = {key: stale[key] for key in current[lo:lo + _ARTICLES_PER_READ]}
                batch: list[Row] = []
                for key, passages in store.passages_of(wanted).items():
                    if not passages:  # the article changed again meanwhile; next sync
                        applied[key] = ""
                        continue
                    # The headline is searchable with every passage: it names the story's topic.
                    batch += [Row(p.id, key, p.source, p.published_day,
                                  terms(f"{p.title}\n{p.text}")) for p in passages]
                    applied[key] = wanted[key]
                yield batch

        def scanned() -> Iterator[list[Row]]:
            found: Counter[str] = Counter()
            seen: set[str] = set()
            for page in read_ahead(store.scan_passages()):
                # A writer may shift pages under the scan: never add a passage twice, and
                # count what each article got.
                wanted = [p for p in page if stale.get(p.article_key) == p.version
                          and p.id not in seen]
                seen.update(p.id for p in wanted)
                found.update(p.article_key for p in wanted)
                yield [Row(p.id, p.article_key, p.source, p.published_day,
                           terms(f"{p.title}\n{p.text}")) for p in wanted]
            expected = store.passage_counts()
            # An article read whole is applied; one a shifted page cut short is not (the next
            # sync reads it again by key).
            applied.update({key: stale[key] if found[key] and found[key] == expected.get(
                (key, stale[key])) else "" for key in current})

        self._write(set(stale), rows(), large=len(current) > _ARTICLES_PER_READ)
        return applied

    # -- searching ----------------------------------------------------------------------------

    @property
    def passages(self) -> int:
        return int(self._index.searcher().num_docs)

    @property
    def articles(self) -> int:
        with self._lock:
            return self._state.count()

    def passage_ids(self) -> set[str]:
        """Every live passage id: what an audit compares with the store's current passages."""
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return set()
        hits = searcher.search(tantivy.Query.all_query(), searcher.num_docs).hits
        return {str(searcher.doc(address)["pid"][0]) for _, address in hits}

    def newest_day(self) -> int:
        """The newest publication day (a day number) of the indexed passages, 0 when none is
        dated: the "now" of an archive, asked for with every question.

        Sorting a million passages by day takes ~9 ms, so the last answer is kept and only
        checked (two range queries, under 0.2 ms): passages of that day are still there and
        none is newer. Any process's ingest or deletion is seen, as the check reads the current
        index."""
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return 0
        known = self._newest_day
        if (known is not None and (known == 0 or self._holds_days(searcher, known, known))
                and not self._holds_days(searcher, known + 1, None)):
            return known
        hits = searcher.search(tantivy.Query.all_query(), 1, count=False,
                               order_by_field="day", order=tantivy.Order.Desc).hits
        self._newest_day = int(hits[0][0]) if hits else 0
        return self._newest_day

    def _holds_days(self, searcher: Any, lowest: int, highest: int | None) -> bool:
        """Whether a passage was published from day ``lowest`` to ``highest`` (None: on)."""
        days = tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer,
                                         lower_bound=lowest, upper_bound=highest,
                                         use_inverted_index=True)
        return bool(searcher.search(days, 1, count=False).hits)

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a (stemmed) term; unseen terms weigh most."""
        searcher = self._index.searcher()
        n = int(searcher.num_docs)
        # Deleted passages count until their segment is merged: never more than the live ones.
        df = min(n, int(searcher.doc_freq("terms", term))) if n else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int, search_filter: SearchFilter | None = None,
               ) -> list[KeywordHit]:
        """The ``k`` best passages by BM25 for ``query`` among those the filter accepts."""
        counts = Counter(t for t in terms(query) if len(t.encode()) <= _LONGEST_TERM)
        searcher = self._index.searcher()
        if not counts or not searcher.num_docs or k <= 0:
            return []
        Query, Occur = tantivy.Query, tantivy.Occur
        clauses: list[tuple[Any, Any]] = []
        for term, repeats in counts.items():
            clause = Query.term_query(self._schema, "terms", term, index_option="freq")
            clauses.append((Occur.Should, clause if repeats == 1 else
                            Query.boost_query(clause, float(repeats))))
        matched = Query.boolean_query(clauses)
        wanted = search_filter.to_tantivy(self._schema) if search_filter else None
        if wanted is not None:
            # The filter selects; it adds nothing to the score.
            matched = Query.boolean_query([(Occur.Must, matched),
                                           (Occur.Must, Query.const_score_query(wanted, 0.0))])
        hits = searcher.search(matched, k, count=False).hits
        return [KeywordHit(str(searcher.doc(address)["pid"][0]), float(score))
                for score, address in hits if score > 0]


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer at a time per index folder (an ingest and a server may share it)."""
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
