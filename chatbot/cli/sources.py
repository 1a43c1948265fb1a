"""What the command line shows of sources: URL ingests, `newsbot sources`, `newsbot watch`.

Kept apart from cli.py so that the command definitions stay thin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.service import ChatService
from chatbot.settings import Settings
from index.feeds.registry import PollResult, SourceRegistry
from index.feeds.watcher import watch
from index.pipeline import IngestReport


def ingest_sources(service: ChatService, urls: Sequence[str], all_sources: bool,
                   report: IngestReport) -> None:
    """Ingest feed/page URLs and, with ``all_sources``, poll every source; merged into
    ``report``. A source that cannot be read at all is reported as one failure."""
    manager = service.sources
    results = [manager.poll_url(url) for url in urls]
    if all_sources:
        results += manager.poll()
    for result in results:
        _merge(report, result)  # a failed source is listed once, among the report's failures


def _merge(report: IngestReport, result: PollResult) -> None:
    part = result.report
    report.added += part.added
    report.updated += part.updated
    report.unchanged += part.unchanged
    report.failed += part.failed
    report.passages_written += part.passages_written
    if result.error:
        report.failed.append((result.source.location, result.error))


def sources_table(registry: SourceRegistry) -> Table:
    table = Table("source", "label", "every", "last poll", "status", "articles", "last error")
    for row in registry.rows():
        state = row.state
        polled = (datetime.fromtimestamp(state.last_poll).strftime("%Y-%m-%d %H:%M:%S")
                  if state.last_poll else "never")
        table.add_row(escape(row.source.location), escape(row.source.label),
                      f"{row.source.interval_minutes:g} min", polled, state.status,
                      str(len(state.articles)), escape(state.last_error))
    return table


def print_sources(settings: Settings, out: Console) -> None:
    registry = SourceRegistry(settings.feed_settings)
    if not registry.sources():
        out.print(f"no sources: list feeds and folders in {escape(str(settings.sources_file))} "
                  "or add them in the web UI's Library tab")
        return
    out.print(sources_table(registry))


def run_watch(service: ChatService, out: Console) -> None:
    """`newsbot watch`: log each poll's changes until Ctrl-C."""
    manager = service.sources
    if not manager.registry.sources():
        raise ValueError(f"no sources to watch: list them in {service.settings.sources_file}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    out.print(f"watching {len(manager.registry.sources())} source(s); Ctrl-C stops")
    stop = threading.Event()
    try:
        watch(manager, stop)
    except KeyboardInterrupt:
        stop.set()
        out.print("stopped")
