"""The keyword engine, compared: tantivy (used), SQLite FTS5, and the earlier hand-written index.

    .venv/bin/python benchmarks/keyword_engines.py --store /tmp/nb-scale/size-100000 \
        --work /tmp/nb-engines [--updates 15] [--questions 200]

``--store`` is a data folder with a Chroma store (e.g. one ``benchmarks/scale.py`` built); the
engines keep their indexes under ``--work``, and the update test writes new versions of a few
of the store's oldest articles into that store (use a copy you may change). Every engine runs
the same ``sync`` from Chroma and the same term definition (``index.store.terms``); only the
engine under it differs:

* ``tantivy``: ``index.store.keyword.KeywordIndex``, what newsbot uses.
* ``sqlite-fts5``: the same class over SQLite FTS5 (stdlib ``sqlite3``), defined below.
* ``hand-written``: the scipy segment index newsbot used before, read from git history
  (``--before``, default: the last commit that had it).

Measured: rebuild from Chroma, updating one article (the sync after one old article got a new
version in Chroma: the Chroma read is the same for all), each in wall time and in the CPU time
of all the process's threads (which a busy machine inflates less), BM25 top-40 query p50/p95
over dev questions asked "as of" their dates (engines take turns question by question, so they
see the same machine load), and disk. Prints a table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from benchmarks._output import print_table, write_results  # noqa: E402
from index.store.keyword import _STATE, KeywordHit, KeywordIndex, Row  # noqa: E402
from index.store.keyword_state import SyncState  # noqa: E402
from index.store.records import day_number  # noqa: E402
from index.store.search_filter import SearchFilter  # noqa: E402
from index.store.terms import terms  # noqa: E402

DEV_QUESTIONS = REPO.parent / "shared" / "bench" / "realtimeqa-dev" / "questions.jsonl"
K = 40


class Fts5KeywordIndex(KeywordIndex):
    """The same keyword index over SQLite FTS5: passages in a table, terms in an FTS5 table
    whose tokenizer splits on spaces only (the terms are made by ``index.store.terms``)."""

    def _open(self) -> None:
        self._state = SyncState(self.folder / _STATE)
        self._db = sqlite3.connect(self.folder / "fts5.sqlite3", check_same_thread=False,
                                   isolation_level=None)
        self._db.executescript("""
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS passages (rowid INTEGER PRIMARY KEY, pid TEXT NOT NULL,
                key TEXT NOT NULL, source TEXT NOT NULL, day INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS passages_key ON passages (key);
            CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(terms,
                tokenize = "unicode61 remove_diacritics 0 tokenchars '''.-'");
            CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, row);
        """)

    def _discard(self) -> None:
        if hasattr(self, "_db"):
            self._db.close()
        super()._discard()

    def _refresh(self) -> None:
        return

    def _write(self, gone: set[str], rows: Iterator[list[Row]], large: bool) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            for key in gone:
                db.execute("DELETE FROM fts WHERE rowid IN "
                           "(SELECT rowid FROM passages WHERE key = ?)", (key,))
                db.execute("DELETE FROM passages WHERE key = ?", (key,))
            for batch in rows:
                for row in batch:
                    rowid = db.execute(
                        "INSERT INTO passages (pid, key, source, day) VALUES (?, ?, ?, ?)",
                        (row.passage_id, row.article_key, row.source, row.day)).lastrowid
                    db.execute("INSERT INTO fts (rowid, terms) VALUES (?, ?)",
                               (rowid, " ".join(row.terms)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @property
    def passages(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def passage_ids(self) -> set[str]:
        return {str(r[0]) for r in self._db.execute("SELECT pid FROM passages")}

    def idf(self, term: str) -> float:
        n = self.passages
        row = self._db.execute("SELECT doc FROM vocab WHERE term = ?", (term,)).fetchone()
        df = min(n, int(row[0])) if row else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int, search_filter: SearchFilter | None = None,
               ) -> list[KeywordHit]:
        counts = Counter(terms(query))
        if not counts:
            return []
        # A repeated phrase is scored once per repeat, as a repeated query word is elsewhere.
        match = " OR ".join('"' + t.replace('"', '""') + '"'
                            for t, n in counts.items() for _ in range(n))
        where, args = _sql_filter(search_filter)
        got = self._db.execute(
            "SELECT p.pid, -bm25(fts) AS score FROM fts JOIN passages p ON p.rowid = fts.rowid "
            f"WHERE fts MATCH ? {where} ORDER BY score DESC LIMIT ?", (match, *args, k))
        return [KeywordHit(str(pid), float(score)) for pid, score in got]


def _sql_filter(search_filter: SearchFilter | None) -> tuple[str, list[Any]]:
    """``SearchFilter`` as SQL over the passages table (the FTS5 candidate's filter form)."""
    if not search_filter:
        return "", []
    clauses: list[str] = []
    args: list[Any] = []
    if search_filter.sources:
        clauses.append(f"p.source IN ({','.join('?' * len(search_filter.sources))})")
        args += list(search_filter.sources)
    if search_filter.since:
        clauses.append("p.day >= ?")
        args.append(day_number(search_filter.since))
    if search_filter.until:
        clauses.append("p.day > 0 AND p.day <= ?")
        args.append(day_number(search_filter.until))
    return "".join(f" AND {c}" for c in clauses), args


@dataclass(frozen=True)
class _ArrayFilter(SearchFilter):
    """The filter's array form the hand-written index reads (``mask``), as it was."""

    def mask(self, sources: Sequence[str], days: np.ndarray) -> np.ndarray:
        mask = np.ones(len(sources), dtype=bool)
        if self.sources:
            mask &= np.isin(np.array(sources, dtype=object), list(self.sources))
        if self.since:
            mask &= days >= day_number(self.since)
        if self.until:
            mask &= (days > 0) & (days <= day_number(self.until))
        return mask


def _hand_written(before: str | None) -> type:
    """The earlier KeywordIndex class, loaded from git history."""
    path = "index/store/keyword.py"
    if before is None:
        found = subprocess.run(["git", "log", "--format=%H", "-S", "from scipy import sparse",
                                "--", path], cwd=REPO, capture_output=True, text=True,
                               check=True).stdout.split()
        if not found:
            raise SystemExit("no commit with the hand-written keyword index found")
        before = found[0]
        source = _git_show(before, path)
        if "from scipy import sparse" not in source:  # found[0] is the commit that removed it
            before, source = f"{before}^", _git_show(f"{before}^", path)
    else:
        source = _git_show(before, path)
    module_file = Path(tempfile.mkdtemp()) / "hand_written_keyword.py"
    module_file.write_text(source)
    spec = importlib.util.spec_from_file_location("hand_written_keyword", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    print(f"hand-written index from {before}")
    return module.KeywordIndex


def _git_show(rev: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


def _update_article(store: Any, key: str, n: int) -> None:
    """Write a new version of one stored article (its title changes) through the ingest's
    write path, reusing its passages' vectors."""
    from index.articles import Article
    from index.chunking import Chunk
    from index.store.records import ArticleWrite

    record = store.articles.get(ids=[key], include=["metadatas", "documents"])
    meta, text = record["metadatas"][0], record["documents"][0]
    got = store.passages.get(where={"$and": [{"article_key": key},
                                             {"version": meta["version"]}]},
                             include=["metadatas", "embeddings"])
    found = sorted(zip(got["metadatas"], got["embeddings"], strict=True),
                   key=lambda item: int(item[0]["start"]))
    chunks = [Chunk(i, int(m["start"]), int(m["end"]), text[int(m["start"]):int(m["end"])],
                    tuple(tuple(s) for s in json.loads(m["sentences"])))
              for i, (m, _) in enumerate(found)]
    article = Article(id=meta["article_id"], title=f"{meta['title']} (update {n})",
                      source=meta["source"], url=meta["url"] or None,
                      published=date.fromisoformat(meta["published"]) if meta["published"]
                      else None, text=text)
    store.write_articles([ArticleWrite(article, meta["article_id"], chunks,
                                       np.asarray([v for _, v in found], np.float32))])


def _disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[int(q * (len(values) - 1))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--updates", type=int, default=15)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--before", help="git revision of the hand-written index")
    parser.add_argument("--engines", default="hand-written,sqlite-fts5,tantivy")
    args = parser.parse_args()

    from chatbot.settings import load_settings
    from index.store.chroma import ChromaStore
    from index.store.client import open_client

    settings = load_settings(config_file=None, data_dir=args.store)
    store = ChromaStore(open_client(path=settings.store_path), settings.index_name)
    classes: dict[str, Any] = {"tantivy": KeywordIndex, "sqlite-fts5": Fts5KeywordIndex}
    wanted = args.engines.split(",")
    if "hand-written" in wanted:
        classes["hand-written"] = _hand_written(args.before)
    engines: dict[str, Any] = {}
    rows: dict[str, dict[str, Any]] = {}
    for name in wanted:
        folder = args.work / name
        shutil.rmtree(folder, ignore_errors=True)
        start, cpu = time.perf_counter(), time.process_time()
        engine = classes[name](folder)
        engine.sync(store)
        rows[name] = {"rebuild_s": round(time.perf_counter() - start, 1),
                      "rebuild_cpu_s": round(time.process_time() - cpu, 1),
                      "passages": engine.passages}
        engines[name] = engine
        print(f"{name}: rebuilt in {rows[name]['rebuild_s']} s", flush=True)

    # The oldest articles: in the oldest segment (or first pages) of every engine.
    oldest = store.articles.get(include=[], limit=args.updates)["ids"]
    update_ms: dict[str, list[float]] = {name: [] for name in engines}
    update_cpu_ms: dict[str, list[float]] = {name: [] for name in engines}
    for n, key in enumerate(oldest):
        _update_article(store, key, n)
        for name in _turns(list(engines), n):
            start, cpu = time.perf_counter(), time.process_time()
            changed = engines[name].sync(store)
            update_ms[name].append((time.perf_counter() - start) * 1000)
            update_cpu_ms[name].append((time.process_time() - cpu) * 1000)
            assert changed >= 1, (name, changed)

    questions = [json.loads(line) for line in DEV_QUESTIONS.open()][:args.questions]
    query_ms: dict[str, list[float]] = {name: [] for name in engines}
    for n, q in enumerate(questions):
        plain = SearchFilter(until=date.fromisoformat(q["date"]))
        for name in _turns(list(engines), n):
            search_filter = _ArrayFilter(until=plain.until) if name == "hand-written" else plain
            start = time.perf_counter()
            engines[name].search(q["question"], K, search_filter)
            query_ms[name].append((time.perf_counter() - start) * 1000)

    for name, row in rows.items():
        row.update({
            "update_one_article_ms_p50": round(statistics.median(update_ms[name]), 1),
            "update_one_article_ms_max": round(max(update_ms[name]), 1),
            "update_cpu_ms_p50": round(statistics.median(update_cpu_ms[name]), 1),
            "query_p50_ms": _pct(query_ms[name], 0.5),
            "query_p95_ms": _pct(query_ms[name], 0.95),
            "disk_mb": _disk_mb(args.work / name),
        })
    print_table(rows, "engine")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cpus")
    write_results("keyword_engines", {"rows": rows, "load": load, "cpus": os.cpu_count()})


def _turns(names: list[str], n: int) -> list[str]:
    """The engines in a rotating order, so none always runs first."""
    shift = n % len(names)
    return names[shift:] + names[:shift]


if __name__ == "__main__":
    main()
