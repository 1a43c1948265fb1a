"""Watched questions and their changes, kept in SQLite in the data folder.

SQLite in WAL mode with full synchronous commits: every write is one transaction, durable when
it returns, so a process killed mid-write (kill -9, a power cut) leaves the last committed state
and loses nothing that was acknowledged. Each call opens its own connection: the server's
threads (requests, the feed watcher, ingest) never share one, and several processes may use the
same file.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from chatbot.schema import Answer, Filters, Watch, WatchChange, WatchedClaim

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, question TEXT NOT NULL, filters TEXT,
    created TEXT NOT NULL, last_checked TEXT, answer TEXT NOT NULL, declined INTEGER NOT NULL,
    claims TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS watches_owner ON watches (owner);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watch_id TEXT NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    at TEXT NOT NULL, answer TEXT NOT NULL, new TEXT NOT NULL, replaces TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS changes_watch ON changes (watch_id, id);
CREATE TABLE IF NOT EXISTS feed_tokens (
    token TEXT PRIMARY KEY, owner TEXT NOT NULL,
    watch_id TEXT REFERENCES watches (id) ON DELETE CASCADE, created TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS feed_tokens_target ON feed_tokens (owner, IFNULL(watch_id, ''));
"""
_WATCH_COLUMNS = ("w.id, w.question, w.filters, w.created, w.last_checked, w.answer, "
                  "w.declined, (SELECT COUNT(*) FROM changes c WHERE c.watch_id = w.id "
                  "AND NOT c.read)")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def answer_claims(answer: Answer) -> list[WatchedClaim]:
    """The answer's claims with their citations (none for a decline)."""
    if answer.declined:
        return []
    by_n = {c.n: c for c in answer.citations}
    return [WatchedClaim(text=claim.text, source=claim.source, published=claim.published,
                         citations=[by_n[n] for n in claim.citations if n in by_n])
            for claim in answer.claims]


class WatchStore:
    """The watches table and the changes table of one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection, one transaction: committed when the block ends, rolled back when
        it raises."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            with db:
                yield db

    def add(self, owner: str, question: str, filters: Filters | None, answer: Answer) -> Watch:
        watch_id = uuid.uuid4().hex[:12]
        with self._connect() as db:
            db.execute("INSERT INTO watches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                watch_id, owner, question, filters.model_dump_json() if filters else None,
                now(), now(), answer.answer, int(answer.declined), _claims_json(answer)))
        found = self.get(owner, watch_id)
        assert found is not None
        return found

    def get(self, owner: str, watch_id: str) -> Watch | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_WATCH_COLUMNS} FROM watches w WHERE w.owner = ? "
                             "AND w.id = ?", (owner, watch_id)).fetchone()
        return _watch(row) if row else None

    def watches(self, owner: str | None = None) -> list[Watch]:
        """The owner's watches (everyone's when ``owner`` is None), oldest first."""
        where, args = ("WHERE w.owner = ?", (owner,)) if owner is not None else ("", ())
        with self._connect() as db:
            rows = db.execute(f"SELECT {_WATCH_COLUMNS} FROM watches w {where} "
                              "ORDER BY w.created, w.rowid", args).fetchall()
        return [_watch(row) for row in rows]

    def remove(self, owner: str, watch_id: str) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM watches WHERE owner = ? AND id = ?",
                              (owner, watch_id)).rowcount > 0

    def claims(self, watch_id: str) -> list[WatchedClaim]:
        """The claims of the answer last recorded for the watch."""
        with self._connect() as db:
            row = db.execute("SELECT claims FROM watches WHERE id = ?", (watch_id,)).fetchone()
        return [WatchedClaim.model_validate(c) for c in json.loads(row[0])] if row else []

    def record(self, watch_id: str, answer: Answer, new: list[WatchedClaim],
               replaces: list[WatchedClaim]) -> WatchChange | None:
        """Store the watch's new answer, and the change when ``new`` holds claims; both in one
        transaction, so a crash never keeps one without the other."""
        with self._connect() as db:
            db.execute("UPDATE watches SET last_checked = ?, answer = ?, declined = ?, "
                       "claims = ? WHERE id = ?", (now(), answer.answer, int(answer.declined),
                                                   _claims_json(answer), watch_id))
            if not new:
                return None
            at = now()
            cursor = db.execute(
                "INSERT INTO changes (watch_id, at, answer, new, replaces) VALUES "
                "(?, ?, ?, ?, ?)", (watch_id, at, answer.answer, _json(new), _json(replaces)))
            change_id = cursor.lastrowid
        assert change_id is not None
        return WatchChange(id=change_id, watch_id=watch_id, at=at, answer=answer.answer,
                           new=new, replaces=replaces)

    def changes(self, owner: str, watch_id: str | None = None,
                mark_read: bool = False) -> list[WatchChange]:
        """The changes of one watch of the owner's (or of all of them), newest first;
        ``mark_read`` marks them read in the same transaction."""
        where = "w.owner = ?" + (" AND w.id = ?" if watch_id else "")
        args = (owner, watch_id) if watch_id else (owner,)
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.watch_id, c.at, c.answer, c.new, c.replaces, c.read FROM changes"
                f" c JOIN watches w ON w.id = c.watch_id WHERE {where} ORDER BY c.id DESC",
                args).fetchall()
            if mark_read and rows:
                db.executemany("UPDATE changes SET read = 1 WHERE id = ?",
                               [(row[0],) for row in rows])
        return [WatchChange(id=r[0], watch_id=r[1], at=r[2], answer=r[3],
                            new=json.loads(r[4]), replaces=json.loads(r[5]), read=bool(r[6]))
                for r in rows]

    def feed_token(self, owner: str, watch_id: str | None = None) -> str:
        """The secret of the private link to the owner's feed (``watch_id`` None) or to one
        watch's, made on first use. A feed reader cannot send a key; the link is the key to
        that one feed and to nothing else."""
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO feed_tokens VALUES (?, ?, ?, ?)",
                       (secrets.token_urlsafe(24), owner, watch_id, now()))
            row = db.execute("SELECT token FROM feed_tokens WHERE owner = ? AND "
                             "IFNULL(watch_id, '') = ?", (owner, watch_id or "")).fetchone()
        return str(row[0])

    def feed_of(self, token: str) -> tuple[str, str | None] | None:
        """The owner and the watch (None: all of the owner's) a private link reads."""
        with self._connect() as db:
            row = db.execute("SELECT owner, watch_id FROM feed_tokens WHERE token = ?",
                             (token,)).fetchone()
        return (str(row[0]), row[1]) if row else None

    def revoke_feed_tokens(self, owner: str) -> None:
        """Every private link of the owner's stops working; the next ones are new."""
        with self._connect() as db:
            db.execute("DELETE FROM feed_tokens WHERE owner = ?", (owner,))


def _watch(row: tuple[object, ...]) -> Watch:
    filters = Filters.model_validate_json(str(row[2])) if row[2] else None
    return Watch(id=str(row[0]), question=str(row[1]), filters=filters, created=str(row[3]),
                 last_checked=str(row[4]) if row[4] else None, answer=str(row[5]),
                 declined=bool(row[6]), unread=int(str(row[7])))


def _claims_json(answer: Answer) -> str:
    return _json(answer_claims(answer))


def _json(claims: list[WatchedClaim]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in claims], ensure_ascii=False)
