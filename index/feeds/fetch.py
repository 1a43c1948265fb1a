"""Polite HTTP fetching for feeds and article pages.

A watcher polls the same hosts again and again, so the fetcher behaves like a good crawler:
it sends conditional requests (ETag / Last-Modified) so that an unchanged resource costs a 304
and no body; it waits ``delay`` seconds between two requests to one host; it obeys robots.txt
(RFC 9309, parsed by protego); and it bounds everything a hostile or broken server could
stretch (time, body size, redirect chains). Given an AddressGuard (URLs that came from the
web), it connects only to the addresses the guard accepts, on every hop. Every failure is a
``FetchError`` whose message says what went wrong, so one bad URL is reported and the rest of
a feed goes on.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from index.feeds.addresses import AddressGuard, guarded_transport

DEFAULT_USER_AGENT = "newsbot/0.1 (news question answering; polls feeds politely)"
_REDIRECTS = {301, 302, 303, 307, 308}
_ROBOTS_REDIRECTS = 5  # RFC 9309 2.3.1.2: follow at least five consecutive redirects


class FetchError(RuntimeError):
    """A URL could not be fetched; the message is meant for the person running the poll."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for every request: seconds, bytes, redirect hops, and the pause between two
    requests to one host."""

    timeout: float = 15.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    delay: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a version of a resource, and the article it held."""

    etag: str | None = None
    last_modified: str | None = None
    article_id: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A response: ``not_modified`` (a 304: the cached version is current) or a body."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    validators: Validators

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HttpCache:
    """The validators of every URL fetched successfully, persisted as one JSON file.

    Only validators are kept, never bodies: a 304 tells the caller that what it already
    ingested from the URL is current, which is all a poll needs to know.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, Validators] = {}
        if path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self._entries = {url: Validators(**value) for url, value in raw.items()}
            except (OSError, ValueError, TypeError):
                self._entries = {}  # a damaged cache only costs full downloads

    def get(self, url: str) -> Validators | None:
        with self._lock:
            return self._entries.get(url)

    def put(self, url: str, validators: Validators) -> None:
        with self._lock:
            self._entries[url] = validators

    def save(self) -> None:
        with self._lock:
            payload = {url: asdict(v) for url, v in self._entries.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, self.path)


class Fetcher:
    """GETs URLs under a FetchPolicy, with conditional requests from an HttpCache."""

    def __init__(self, policy: FetchPolicy | None = None, cache: HttpCache | None = None,
                 guard: AddressGuard | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.cache = cache
        self._client = httpx.Client(
            follow_redirects=False, timeout=self.policy.timeout,
            headers={"User-Agent": self.policy.user_agent},
            transport=guarded_transport(guard) if guard is not None else None)
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, conditional: bool = True) -> Fetched:
        """Fetch ``url``, following at most ``max_redirects`` redirects, each hop checked
        against robots.txt. Sends the cached validators when ``conditional``."""
        cached = self.cache.get(url) if self.cache and conditional else None
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            _check_scheme(current)
            if not self._allowed(current):
                raise FetchError(f"robots.txt of {_host(current)} disallows {current}")
            status, headers, body = self._request(current, cached)
            if status in _REDIRECTS and headers.get("location"):
                current = urljoin(current, headers["location"])
                continue
            if status == 304 and cached is not None:
                return Fetched(url, current, 304, "", b"", cached)
            if status != 200:
                raise FetchError(f"HTTP {status} from {current}")
            return Fetched(url, current, 200, headers.get("content-type", ""), body, Validators(
                etag=headers.get("etag"), last_modified=headers.get("last-modified")))
        raise FetchError(f"more than {self.policy.max_redirects} redirects from {url}")

    def remember(self, fetched: Fetched, article_id: str | None = None) -> None:
        """Keep ``fetched``'s validators, once what it held is safely ingested."""
        if self.cache is None or fetched.not_modified:
            return
        validators = fetched.validators
        if validators.etag or validators.last_modified:
            self.cache.put(fetched.url, Validators(validators.etag, validators.last_modified,
                                                   article_id))

    # -- one request ------------------------------------------------------------------------

    def _request(self, url: str, cached: Validators | None,
                 ) -> tuple[int, httpx.Headers, bytes]:
        headers: dict[str, str] = {}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        self._wait_turn(url)
        deadline = time.monotonic() + self.policy.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    return response.status_code, response.headers, b""
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.policy.max_bytes:
                    raise FetchError(self._too_large(url))
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.policy.max_bytes:
                        raise FetchError(self._too_large(url))
                    if time.monotonic() > deadline:
                        raise FetchError(f"timed out after {self.policy.timeout:g} s: {url}")
                    chunks.append(chunk)
                return 200, response.headers, b"".join(chunks)
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.policy.timeout:g} s: {url}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {exc}") from None

    def _too_large(self, url: str) -> str:
        return f"larger than the size cap of {self.policy.max_bytes:,} bytes: {url}"

    def _wait_turn(self, url: str) -> None:
        """Sleep until ``delay`` seconds have passed since the last request to this host."""
        host = _host(url)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last_request.get(host, 0.0) + self.policy.delay)
            self._last_request[host] = start
        if start > now:
            time.sleep(start - now)

    # -- robots.txt -------------------------------------------------------------------------

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self.policy.user_agent)

    def _read_robots(self, origin: str) -> Protego | None:
        """The host's robots.txt rules; None (everything allowed) when it has none.

        As RFC 9309 says: redirects are followed (up to five), a robots.txt that cannot be
        found (4xx, or too many redirects) allows everything, one that fails (5xx) allows
        nothing. A host that cannot be reached at all raises the FetchError that says so (not
        cached: the next request tries again).
        """
        url = f"{origin}/robots.txt"
        for _hop in range(_ROBOTS_REDIRECTS + 1):
            _check_scheme(url)
            status, headers, body = self._request(url, None)
            if status in _REDIRECTS and headers.get("location"):
                url = urljoin(url, headers["location"])
                continue
            if status == 200:
                return Protego.parse(body.decode("utf-8", errors="replace"))
            if status >= 500:
                return Protego.parse("User-agent: *\nDisallow: /\n")
            return None  # 4xx, or a redirect without a Location: no robots.txt
        return None


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(f"not an http(s) URL: {url}")


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()
