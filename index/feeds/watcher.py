"""The watcher: polls the sources when they are due, until it is told to stop.

`newsbot watch` runs it in the foreground; `newsbot serve --watch` in a background thread of
the server, sharing the server's one ChatService (one model in memory, one writer).
"""

from __future__ import annotations

import logging
import threading
import time

from index.feeds.poller import SourceManager

log = logging.getLogger(__name__)

# The longest sleep between two checks: a source added meanwhile waits at most this long.
_MAX_SLEEP_S = 30.0


def watch(manager: SourceManager, stop: threading.Event) -> None:
    """Poll due sources, sleep until the next is due, repeat until ``stop`` is set.

    A poll that raises (a bug, a full disk) is logged and the watcher goes on: one bad
    source must not silence the others for the rest of the day.
    """
    while not stop.is_set():
        try:
            for result in manager.poll(due_only=True):
                level = logging.WARNING if result.error else logging.INFO
                log.log(level, "polled %s: %s", result.source.location, result.summary())
            rows = manager.registry.rows()
            next_due = min((row.due_at for row in rows), default=time.time() + _MAX_SLEEP_S)
        except Exception:
            log.exception("polling the sources failed")
            next_due = time.time() + _MAX_SLEEP_S
        stop.wait(min(_MAX_SLEEP_S, max(1.0, next_due - time.time())))


class BackgroundWatcher:
    """The watcher in a daemon thread, stopped (and joined) with the server."""

    def __init__(self, manager: SourceManager) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=watch, args=(manager, self._stop),
                                        name="newsbot-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
