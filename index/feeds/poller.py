"""Polling the followed sources into the index.

Sources added on the web (the Sources tab) are fetched through an AddressGuard: whoever added
them chose the URL, so it must not reach the server's loopback, the intranet or a metadata
service unless the deployment allows it. Sources of the operator's own sources.toml and URLs
given on the command line are trusted as they are.

Polls are serialised by a lock: the watcher thread and a "Poll now" click never ingest the same
feed twice at once. The poller writes through an ``IndexWriter`` (the chat service), which keeps
the keyword index in step with every write, so this package never reaches into the chatbot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from index.articles import Loaded, load_paths
from index.feeds.addresses import AddressGuard, BlockedAddressError, parse_networks
from index.feeds.config import FeedSettings, FeedSource
from index.feeds.fetch import Fetcher, HttpCache
from index.feeds.reader import FeedError, Harvest, Kind, WebReader
from index.feeds.registry import PollResult, Source, SourceRegistry
from index.feeds.retention import retention_cutoff
from index.pipeline import IngestReport

log = logging.getLogger(__name__)


class IndexWriter(Protocol):
    """What polling needs of the index: add articles, and forget those past retention."""

    def ingest_loaded(self, loaded: list[Loaded]) -> IngestReport:
        """Store the loaded articles (idempotent); the report says what changed."""
        ...

    def drop_published_before(self, day: date) -> list[str]:
        """Remove every dated article published before ``day``; returns their ids."""
        ...


class SourceManager:
    """Polls the registry's sources into one index."""

    def __init__(self, writer: IndexWriter, settings: FeedSettings) -> None:
        self.writer = writer
        self.settings = settings
        self.registry = SourceRegistry(settings)
        self._lock = threading.RLock()

    # -- polling ------------------------------------------------------------------------------

    def poll(self, sources: Iterable[Source] | None = None, due_only: bool = False,
             ) -> list[PollResult]:
        """Poll the given sources (default: all, or only those due), then apply retention."""
        with self._lock:
            rows = {row.source.location: row for row in self.registry.rows()}
            chosen = list(sources) if sources is not None else [r.source for r in rows.values()]
            now = time.time()
            if due_only:
                chosen = [s for s in chosen if s.location not in rows or
                          rows[s.location].due_at <= now]
            results = [self._poll_one(source) for source in chosen]
            self.apply_retention()
            return results

    def poll_url(self, url: str, kind: Kind = "auto", label: str = "") -> PollResult:
        """Ingest one feed or page URL given on the command line (no state kept)."""
        with self._lock:
            return self._ingest_url(Source("feed", url, label), kind)

    def _poll_one(self, source: Source) -> PollResult:
        if source.kind == "folder":
            result = self._ingest_folder(source)
        else:
            result = self._ingest_url(source, "feed", web=source.origin == "added")
        self.registry.record(result)
        log.info("%s: %s", source.location, result.summary())
        return result

    def _ingest_url(self, source: Source, kind: Kind, web: bool = False) -> PollResult:
        fetcher = self._fetcher(self.web_guard() if web else None)
        reader = WebReader(fetcher, source.label, self._not_before())
        result = PollResult(source)
        try:
            harvest = reader.read(source.location, kind)
            result.report = self._ingest(harvest.loaded)
            result.report.unchanged += harvest.unchanged
            result.report.failed = harvest.failed + result.report.failed
            result.expired = harvest.expired
            result.not_modified = _not_modified(harvest)
            reader.commit(harvest, (origin for origin, _ in result.report.failed))
            if fetcher.cache is not None:
                fetcher.cache.save()
        except FeedError as exc:
            result.error = str(exc)
        finally:
            fetcher.close()
        return result

    def _ingest_folder(self, source: Source) -> PollResult:
        result = PollResult(source)
        path = Path(source.location)
        if not path.is_dir():
            result.error = f"no such folder: {path}"
            return result
        loaded = list(load_paths([path], max_chars=self.settings.max_article_chars))
        if source.label:
            loaded = [Loaded(item.origin, item.article.model_copy(update={"source": source.label}))
                      if item.article else item for item in loaded]
        result.report = self._ingest(loaded)
        return result

    def _ingest(self, loaded: list[Loaded]) -> IngestReport:
        return self.writer.ingest_loaded(loaded)

    def _fetcher(self, guard: AddressGuard | None = None) -> Fetcher:
        return Fetcher(self.settings.fetch, HttpCache(self.registry.folder / "http-cache.json"),
                       guard)

    def web_guard(self) -> AddressGuard:
        """The guard for URLs that came from the web, as the settings configure it."""
        return AddressGuard(self.settings.allow_private_networks,
                            parse_networks(self.settings.allowed_networks))

    def add_web_feed(self, url: str, label: str = "") -> Source:
        """Follow a feed added on the web; ValueError when it is not a URL or leads to an
        address the web guard refuses (checked now for a clear message, and on every fetch;
        a name that does not resolve yet may still be added)."""
        feed = FeedSource(url=url, label=label)
        host, port = _host_port(feed.url)
        try:
            self.web_guard().address_for(host, port)
        except BlockedAddressError as exc:
            raise ValueError(str(exc)) from None
        except httpx.ConnectError:
            pass
        return self.registry.add_feed(feed.url, feed.label)

    def _not_before(self) -> date | None:
        days = self.settings.retention_days
        return retention_cutoff(days) if days else None

    def apply_retention(self) -> list[str]:
        """Drop articles past retention_days from every index; returns their ids."""
        if not self.settings.retention_days:
            return []
        with self._lock:
            dropped = self.writer.drop_published_before(
                retention_cutoff(self.settings.retention_days))
            if dropped:
                self.registry.forget(dropped)
                log.info("retention: dropped %d article(s)", len(dropped))
            return dropped


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"not a valid port in {url}") from None
    if not parts.hostname:
        raise ValueError(f"no host in {url}")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _not_modified(harvest: Harvest) -> bool:
    """The URL itself answered 304: nothing in it changed since the last poll."""
    return harvest.feed is None and not harvest.loaded and not harvest.failed
