"""The list of followed sources and each one's state, on disk in the data folder.

Sources come from the sources file (or newsbot.toml's ``[sources]``) and from the web UI's
Sources tab; those added in the UI are kept in the data folder beside each source's state
(last poll, status, article count, last error), so `newsbot sources`, `newsbot watch` and a
server all see the same picture. Reading it needs no model and no store.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.feeds.config import (
    FeedSettings,
    FeedSource,
    SourceKind,
    SourcesConfig,
    load_sources_file,
)
from index.pipeline import IngestReport

log = logging.getLogger(__name__)

Status = Literal["never polled", "ok", "partial", "error"]


@dataclass(frozen=True)
class Source:
    """One feed or folder to follow."""

    kind: SourceKind
    location: str
    label: str = ""
    interval_minutes: float = 30.0
    origin: Literal["config", "added"] = "config"


@dataclass
class SourceState:
    """What the last poll of a source found; persisted between runs."""

    last_poll: float | None = None
    status: Status = "never polled"
    last_error: str = ""
    articles: list[str] = field(default_factory=list)
    last_changes: dict[str, int] = field(default_factory=dict)


@dataclass
class SourceRow:
    """A source with its state, as `newsbot sources` and the Sources tab list it."""

    source: Source
    state: SourceState

    @property
    def due_at(self) -> float:
        last = self.state.last_poll
        return 0.0 if last is None else last + self.source.interval_minutes * 60


@dataclass
class PollResult:
    """One poll of one source: what changed and what went wrong."""

    source: Source
    report: IngestReport = field(default_factory=IngestReport)
    not_modified: bool = False
    expired: int = 0
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.report.added or self.report.updated)

    def summary(self) -> str:
        if self.error:
            return f"error: {self.error}"
        counts = self.report.counts
        text = ", ".join(f"{value} {key}" for key, value in counts.items() if value)
        if self.not_modified:
            text = "not modified"
        if self.expired:
            text += f", {self.expired} past retention"
        return text or "nothing new"


class SourceRegistry:
    """The list of sources and each one's state, on disk in the data folder.

    Reading it needs no model and no store, so `newsbot sources` answers at once.
    """

    def __init__(self, settings: FeedSettings) -> None:
        self.settings = settings
        self.folder = settings.state_folder
        self._lock = threading.RLock()

    def configured(self) -> SourcesConfig:
        """The sources of newsbot.toml's [sources] table, else of the sources file."""
        if self.settings.sources is not None:
            return self.settings.sources
        if self.settings.sources_file.is_file():
            return load_sources_file(self.settings.sources_file)
        return SourcesConfig()

    def sources(self) -> list[Source]:
        config = self.configured()
        default = config.interval_minutes
        listed = [Source("feed", f.url, f.label, f.interval_minutes or default)
                  for f in config.feed]
        listed += [Source("folder", str(f.path), f.label, f.interval_minutes or default)
                   for f in config.folder]
        known = {s.location for s in listed}
        added = [Source(**{**item, "origin": "added"}) for item in self._read()["added"]]
        return listed + [s for s in added if s.location not in known]

    def rows(self) -> list[SourceRow]:
        states = self._read()["states"]
        return [SourceRow(s, SourceState(**states.get(s.location, {}))) for s in self.sources()]

    def add_feed(self, url: str, label: str = "") -> Source:
        """Follow a new feed (kept in the data folder); ValueError when it cannot be added."""
        feed = FeedSource(url=url, label=label)  # validates the URL
        with self._lock:
            if any(s.location == feed.url for s in self.sources()):
                raise ValueError(f"already following {feed.url}")
            source = Source("feed", feed.url, feed.label,
                            self.configured().interval_minutes, origin="added")
            data = self._read()
            data["added"].append({k: v for k, v in asdict(source).items() if k != "origin"})
            self._write(data)
            return source

    def remove(self, location: str) -> None:
        """Stop following a source added in the UI (file sources are edited in their file)."""
        with self._lock:
            data = self._read()
            kept = [item for item in data["added"] if item["location"] != location]
            if len(kept) == len(data["added"]):
                if any(s.location == location for s in self.sources()):
                    raise ValueError(f"{location} is listed in the sources file; remove it there")
                raise ValueError(f"not a source: {location}")
            data["added"] = kept
            data["states"].pop(location, None)
            self._write(data)

    def record(self, result: PollResult) -> None:
        """Keep what a poll found as the source's state."""
        with self._lock:
            data = self._read()
            state = SourceState(**data["states"].get(result.source.location, {}))
            state.last_poll = time.time()
            report = result.report
            if result.error:
                state.status, state.last_error = "error", result.error
            elif report.failed:
                state.status = "partial"
                state.last_error = "; ".join(f"{o}: {r}" for o, r in report.failed[:3]) + (
                    f" (and {len(report.failed) - 3} more)" if len(report.failed) > 3 else "")
            else:
                state.status, state.last_error = "ok", ""
            seen = report.added + report.updated + report.unchanged
            state.articles = sorted(set(state.articles) | set(seen))
            state.last_changes = {**report.counts, "expired": result.expired}
            data["states"][result.source.location] = asdict(state)
            self._write(data)

    def forget(self, article_ids: Iterable[str]) -> None:
        """Articles that left the index (retention) no longer count for their source."""
        gone = set(article_ids)
        with self._lock:
            data = self._read()
            for state in data["states"].values():
                state["articles"] = [a for a in state.get("articles", []) if a not in gone]
            self._write(data)

    def _read(self) -> dict[str, Any]:
        path = self.folder / "state.json"
        if not path.exists():
            return {"added": [], "states": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {"added": list(data.get("added", [])), "states": dict(data.get("states", {}))}
        except (OSError, ValueError) as exc:
            log.warning("source state %s unreadable (%s); starting afresh", path, exc)
            return {"added": [], "states": {}}

    def _write(self, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
