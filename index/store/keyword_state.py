"""What the keyword index has applied from Chroma: each article's version, and the watermark.

Kept in a small SQLite file beside the index, shared by every process that uses the folder, so
one process's sync is seen by the next one's (no process re-reads articles another already
applied). It is written after the index's own commit: a process killed in between leaves
versions that look older than the index, and the next sync applies those articles again,
which is harmless (their passages are replaced whole).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

FORMAT = "2"


class SyncState:
    """Article key -> applied version, and the time up to which Chroma's changes are applied."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS articles "
                         "(key TEXT PRIMARY KEY, version TEXT NOT NULL) WITHOUT ROWID")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        stored = self._get("format")
        if stored is None and self.count():
            raise ValueError("keyword state without a format")
        if stored is not None and stored != FORMAT:
            raise ValueError(f"unknown keyword index format {stored}")
        if stored is None:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))

    def _get(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def watermark(self) -> float:
        return float(self._get("watermark") or 0.0)

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def versions(self, keys: Iterable[str] | None = None) -> dict[str, str]:
        """The applied version of these article keys (all keys when None)."""
        if keys is None:
            return dict(self._db.execute("SELECT key, version FROM articles"))
        wanted = list(keys)
        found: dict[str, str] = {}
        for lo in range(0, len(wanted), 500):
            batch = wanted[lo:lo + 500]
            found.update(self._db.execute(
                f"SELECT key, version FROM articles WHERE key IN ({','.join('?' * len(batch))})",
                batch))
        return found

    def record(self, versions: Mapping[str, str], watermark: float) -> None:
        """Remember applied versions ("" = the article is gone) and the new watermark."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM articles WHERE key = ?",
                                 [(k,) for k, v in versions.items() if not v])
            self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?)",
                                 [(k, v) for k, v in versions.items() if v])
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)",
                             (repr(max(watermark, self.watermark)),))

    def close(self) -> None:
        self._db.close()
