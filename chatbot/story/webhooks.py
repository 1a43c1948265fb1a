"""Sending each change of a watched question to the server's webhook URLs.

Only URLs of the server's configuration are ever called (a user cannot name one: no request
forgery against the intranet). Each POST carries the change as JSON and, when a secret is set,
GitHub's signature header: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``, so the
receiver can check that the body came from this server unaltered. Deliveries run on a thread of
their own, in order, each retried with exponential backoff: a slow or down receiver never holds
up an ingest or a feed poll.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import threading

import httpx

from chatbot.schema import Watch, WatchChange

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-Newsbot-Event"


def signature(secret: str, body: bytes) -> str:
    """The header value for ``body``: ``sha256=`` and the hex HMAC-SHA256 under ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def change_body(watch: Watch, change: WatchChange) -> bytes:
    """The JSON a receiver gets: the watch (its question and latest answer) and the change."""
    return (f'{{"watch": {watch.model_dump_json()}, "change": {change.model_dump_json()}}}'
            .encode())


class Webhooks:
    """A background sender of change records to fixed URLs."""

    def __init__(self, urls: list[str], secret: str | None, attempts: int = 4,
                 first_delay: float = 0.5, timeout: float = 10.0) -> None:
        self.urls = list(urls)
        self.secret = secret
        self.attempts = attempts
        self.first_delay = first_delay
        self.timeout = timeout
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, watch: Watch, change: WatchChange) -> None:
        """Queue the change for every URL; returns at once."""
        if not self.urls:
            return
        self._queue.put(change_body(watch, change))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsbot-webhooks",
                                                daemon=True)
                self._thread.start()

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until every queued change was delivered or given up (the command line waits
        before it exits); False when ``timeout`` passed first."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                body = self._queue.get()
                try:
                    for url in self.urls:
                        self._send(client, url, body)
                finally:
                    self._queue.task_done()

    def _send(self, client: httpx.Client, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json", EVENT_HEADER: "watch.change"}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                response = client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = str(exc) or type(exc).__name__
            if attempt < self.attempts:
                threading.Event().wait(delay)
                delay *= 2
        log.warning("webhook %s gave up after %d attempts: %s", url, self.attempts, problem)
