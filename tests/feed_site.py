"""A real HTTP server on 127.0.0.1 that serves feeds and article pages, for tests without internet.

It answers conditional requests the way news sites do (ETag and Last-Modified, 304 when
nothing changed), can misbehave on purpose (slow, 500, wrong type, oversize, redirects) and
logs every request, so tests assert on what was actually fetched.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    location: str = ""
    modified: float = 0.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Logged:
    path: str
    status: int
    conditional: bool


class FeedSite:
    """Serve ``resources`` (path -> Resource) on ``host`` (a loopback address) until
    ``stop``; ``log`` lists every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.resources: dict[str, Resource] = {}
        self.log: list[Logged] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                site._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, path: str, body: str | bytes, **kwargs: Any) -> str:
        """Serve ``body`` at ``path`` (replacing what was there); returns its full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.resources[path] = Resource(data, modified=time.time(), **kwargs)
        return self.url + path

    def requests(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        resource = self.resources.get(handler.path)
        conditional = bool(handler.headers.get("If-None-Match")
                           or handler.headers.get("If-Modified-Since"))
        if resource is None:
            status, body, headers = 404, b"not found", {"Content-Type": "text/plain"}
        else:
            time.sleep(resource.delay)
            status, body, headers = resource.status, resource.body, {}
        if resource is not None and status == 200:
            headers = {"Content-Type": resource.content_type, "ETag": resource.etag,
                       "Last-Modified": formatdate(resource.modified, usegmt=True)}
            if handler.headers.get("If-None-Match") == resource.etag:
                status, body = 304, b""
        if resource is not None and resource.location:
            headers["Location"] = resource.location
        self.log.append(Logged(handler.path, status, conditional))
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; each item has link, title and optionally pubDate and author."""
    entries = "".join(
        "<item>"
        f"<title>{escape(item['title'])}</title><link>{escape(item['link'])}</link>"
        + (f"<pubDate>{item['pubDate']}</pubDate>" if "pubDate" in item else "")
        + (f"<dc:creator>{escape(item['author'])}</dc:creator>" if "author" in item else "")
        + "</item>" for item in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(title)}</title><link>http://example.invalid/</link>"
            f"<description>test feed</description>{entries}</channel></rss>")


def article_page(title: str, paragraphs: list[str], published: str = "") -> str:
    """A news page with navigation around the story, as sites serve them."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    meta = (f'<meta property="article:published_time" content="{published}">'
            if published else "")
    return ("<!DOCTYPE html><html><head>"
            f"<title>{escape(title)}</title>{meta}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{escape(title)}</h1>{body}</article>"
            "<footer>Copyright The Test Gazette</footer></body></html>")


TODAY = date.today()

STORIES = {
    "/news/bridge": ("Council approves harbour bridge rebuild",
                     ["The town council of Port Elms approved the rebuild of the harbour bridge "
                      "on Monday after storm damage closed it in January.",
                      "Works start in April and the new bridge should open in two years."]),
    "/news/library": ("Library reopens after flood",
                      ["The central library of Marston reopened on Friday after a flood in the "
                       "basement destroyed four thousand books last winter.",
                       "Volunteers catalogued donated books for three months."]),
    "/news/ferry": ("Ferry service to Gull Island resumes",
                    ["Ferries to Gull Island resumed on Saturday after the pier was repaired, "
                     "the operator Blue Line said.",
                     "Two crossings a day run until the summer timetable starts."]),
}


def publish(site: FeedSite, stories: dict[str, tuple[str, list[str]]],
            path: str = "/feed.xml") -> str:
    """Serve each story's page and a feed listing them all (dated today, by Ann Writer)."""
    items = []
    for link, (title, paragraphs) in stories.items():
        items.append({"link": site.put(link, article_page(title, paragraphs)),
                      "title": f"Feed: {title}", "author": "Ann Writer",
                      "pubDate": format_datetime(_noon(TODAY))})
    return site.put(path, rss("Port Elms Gazette", items), content_type="application/rss+xml")


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)

    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
