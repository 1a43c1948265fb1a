"""The web UI's Library tab: the articles in the index (paged, searchable by title or outlet),
the followed feeds and folders, adding and removing feeds, uploading article files, and polling
on demand. It loads as soon as it is opened.

Everything a feed or an article says (titles, URLs, error messages quoting a server) is
untrusted text: the lists are rendered through autoescaping templates (``ui/templates/``),
because ``gr.HTML`` inserts HTML unsanitised. Writing (upload, add or remove a feed, poll) needs
a valid admin key; with no admin key configured, only a server listening on loopback accepts
writes and anywhere else the tab is read-only. Every callback checks, since a hidden button
can still be called, and wrong admin keys count against the caller's address like wrong API
keys. Uploaded files are checked by chatbot.web.uploads before anything reads them.
"""

from __future__ import annotations

import logging
from collections.abc import MutableSet
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
from pydantic import ValidationError

from chatbot.service import ChatService
from chatbot.settings import Settings
from chatbot.web.ratelimit import RateLimiter, too_many_keys_message
from chatbot.web.security import KeyChecker, client_id, writes_allowed_without_key
from chatbot.web.ui.render import render
from chatbot.web.uploads import UPLOAD_TYPES, check_uploads, discard_uploads
from index.feeds.registry import SourceRow
from index.validation import describe

log = logging.getLogger(__name__)

ARTICLES_PER_PAGE = 20
_READ_ONLY = ("Adding to the index needs an admin key, and this server has none: set admin_keys "
              "in its settings (or serve on 127.0.0.1 only).")


def sources_tab_allowed(settings: Settings) -> bool:
    """The tab exists when no keys are configured at all, or when admin keys are."""
    return bool(settings.admin_keys) or not settings.api_keys


def sources_writable(settings: Settings) -> bool:
    """Writes go through with a valid admin key, or with none configured on loopback only."""
    return bool(settings.admin_keys) or writes_allowed_without_key(settings.host)


def sources_table_html(rows: list[SourceRow]) -> str:
    """The sources as an HTML table, every value escaped."""
    cells = []
    for row in rows:
        state = row.state
        polled = (datetime.fromtimestamp(state.last_poll).strftime("%Y-%m-%d %H:%M")
                  if state.last_poll else "never")
        cells.append([row.source.location, row.source.label, row.source.kind, polled,
                      state.status, str(len(state.articles)), state.last_error])
    return render("sources_table.html", rows=cells)


def _status(*lines: str) -> str:
    return render("status.html", lines=[line for line in lines if line])


class SourcesUI:
    """The tab's callbacks; each returns the refreshed listing and a status line."""

    def __init__(self, service: ChatService, admin: KeyChecker, writable: bool,
                 limiter: RateLimiter, received: MutableSet[str]) -> None:
        self.service = service
        self.manager = service.sources
        self.admin = admin
        self.writable = writable
        self.limiter = limiter
        self.received = received  # the paths Gradio's upload endpoint wrote

    def _accepts(self, key: str | None, request: gr.Request | None) -> bool:
        """Whether ``key`` is a valid admin key; a wrong one is counted against the address,
        and an address with too many wrong ones is refused whatever it sends."""
        if not self.admin.required:
            return True
        host = request.client.host if request is not None and request.client else None
        address = client_id(host)
        wait = self.limiter.key_wait(address)
        if wait:
            raise gr.Error(too_many_keys_message(wait), title="Slow down")
        if self.admin.accepts(key):
            return True
        self.limiter.wrong_key(address)
        return False

    def _check(self, key: str | None, request: gr.Request | None) -> None:
        if not self._accepts(key, request):
            raise gr.Error("A valid admin key is needed to manage sources.", title="Not allowed")

    def _check_write(self, key: str | None, request: gr.Request | None) -> None:
        if not self.writable:
            raise gr.Error(_READ_ONLY, title="Not allowed")
        self._check(key, request)

    def _listing(self) -> str:
        return sources_table_html(self.manager.registry.rows())

    def show(self, key: str | None, request: gr.Request) -> str:
        self._check(key, request)
        return self._listing()

    def open(self, key: str | None, query: str | None, request: gr.Request,
             ) -> tuple[str, str, int, str]:
        """The tab as it opens: the sources and the first page of articles. Without the
        admin key (when one is configured) it says what is needed instead of failing."""
        if not self._accepts(key, request):
            needed = _status("Enter the admin key to see and manage the library.")
            return "", "", 0, needed
        return (self._listing(), self.articles_html(query, 0), 0, _status(""))

    def articles_html(self, query: str | None, offset: int) -> str:
        page = self.service.find_articles(query or "", offset, ARTICLES_PER_PAGE)
        return render("articles_table.html", page=page, query=(query or "").strip())

    def page(self, key: str | None, query: str | None, offset: int, step: int,
             request: gr.Request | None) -> tuple[str, int]:
        """Articles matching ``query``, the page ``step`` pages from ``offset``."""
        self._check(key, request)
        total = self.service.find_articles(query or "", 0, 1).total
        offset = max(0, min(offset + step * ARTICLES_PER_PAGE,
                            (max(total, 1) - 1) // ARTICLES_PER_PAGE * ARTICLES_PER_PAGE))
        return self.articles_html(query, offset), offset

    def add(self, url: str, label: str, key: str | None, request: gr.Request,
            ) -> tuple[str, str, str, str]:
        self._check_write(key, request)
        try:
            source = self.manager.add_web_feed((url or "").strip(), (label or "").strip())
        except ValueError as exc:
            return gr.skip(), gr.skip(), gr.skip(), _status(
                f"Cannot add that feed: {_what_to_fix(exc)}")
        return (self._listing(), "", "",
                _status(f"Added {source.location}; poll to fetch it."))

    def remove(self, url: str, key: str | None, request: gr.Request) -> tuple[str, str, str]:
        self._check_write(key, request)
        try:
            self.manager.registry.remove((url or "").strip())
        except ValueError as exc:
            return gr.skip(), gr.skip(), _status(f"Cannot remove that: {_what_to_fix(exc)}")
        return self._listing(), "", _status(f"Removed {url.strip()}.")

    def poll(self, key: str | None, request: gr.Request) -> tuple[str, str]:
        self._check_write(key, request)
        results = self.manager.poll()
        lines = [f"{r.source.location}: {r.summary()}" for r in results]
        return self._listing(), _status(*lines) if lines else _status("No sources to poll.")

    def upload(self, files: list[Any] | None, key: str | None, request: gr.Request,
               ) -> tuple[None, str]:
        """Ingest uploaded files: only files Gradio's upload endpoint received pass, whatever
        paths the request names (see chatbot.web.uploads)."""
        self._check_write(key, request)
        if not files:
            return None, _status("Choose one or more article files first.")
        checked = check_uploads(files if isinstance(files, list) else [files], self.received,
                                self.service.settings.max_upload_bytes)
        failed = list(checked.refused)
        counts = "nothing ingested"
        if checked.accepted:
            try:
                report = self.service.ingest(checked.accepted)
            finally:
                discard_uploads(checked.accepted, self.received)
            counts = ", ".join(f"{value} {name}" for name, value in report.counts.items())
            failed += [(_file_name(origin), reason) for origin, reason in report.failed]
        return None, _status(counts, *(f"{name}: {reason}" for name, reason in failed))


def _file_name(origin: str) -> str:
    """An ingest report's origin (``/cache/x/feed.jsonl:3``) without the cache's folders."""
    return Path(origin).name


def _what_to_fix(error: Exception) -> str:
    """A refusal in words: pydantic's errors field by field (not its trailing link)."""
    if isinstance(error, ValidationError):
        return describe(error, "value")
    return str(error).strip()


def build_sources_tab(service: ChatService, settings: Settings, tab: gr.Tab,
                      limiter: RateLimiter, received: MutableSet[str]) -> None:
    """The tab's components and events; call inside ``tab``. ``received`` is the page's set
    of paths Gradio's upload endpoint wrote (``Blocks.upload_file_set``)."""
    writable = sources_writable(settings)
    ui = SourcesUI(service, KeyChecker(settings.admin_keys), writable, limiter, received)
    key = gr.Textbox(label="Admin key", type="password", elem_id="nb-admin-key",
                     visible=bool(settings.admin_keys))
    gr.Markdown(_READ_ONLY, visible=not writable, elem_id="nb-sources-read-only")
    status = gr.HTML(elem_id="nb-sources-status", js_on_load=None)
    gr.Markdown("### Articles in the index")
    with gr.Row(equal_height=True):
        query = gr.Textbox(show_label=False, placeholder="Search titles and outlets…",
                           scale=4, elem_id="nb-articles-query", label="Search articles")
        search = gr.Button("Search", size="sm", scale=1, elem_id="nb-articles-search")
    articles = gr.HTML(elem_id="nb-articles", js_on_load=None)
    offset = gr.State(0)
    with gr.Row():
        previous = gr.Button("← Newer", size="sm", elem_id="nb-articles-prev")
        following = gr.Button("Older →", size="sm", elem_id="nb-articles-next")
    gr.Markdown("### Followed feeds and folders")
    listing = gr.HTML(elem_id="nb-sources-list", js_on_load=None)
    with gr.Row():
        show = gr.Button("Refresh", size="sm", elem_id="nb-sources-refresh")
        poll = gr.Button("Poll now", variant="primary", size="sm", elem_id="nb-sources-poll",
                         visible=writable)
    with gr.Row(visible=writable):
        url = gr.Textbox(label="Feed URL", placeholder="https://example.com/rss.xml", scale=3,
                         elem_id="nb-feed-url")
        label = gr.Textbox(label="Label (outlet name)", scale=2, elem_id="nb-feed-label")
    with gr.Row(visible=writable):
        add = gr.Button("Add feed", size="sm", elem_id="nb-feed-add")
        remove = gr.Button("Remove feed", size="sm", elem_id="nb-feed-remove")
    files = gr.File(label=f"Upload articles ({' '.join(UPLOAD_TYPES)}; at most "
                          f"{settings.max_upload_bytes:,} bytes each)",
                    file_count="multiple", file_types=UPLOAD_TYPES, elem_id="nb-upload",
                    visible=writable)
    upload = gr.Button("Ingest files", size="sm", elem_id="nb-upload-go", visible=writable)

    private: dict[str, Any] = {"api_visibility": "private"}
    opened: dict[str, Any] = {"fn": ui.open, "inputs": [key, query],
                              "outputs": [listing, articles, offset, status], **private}
    tab.select(**opened)
    key.submit(**opened)
    show.click(ui.show, [key], [listing], **private)
    def paging(step: int | None) -> Any:
        """A callback showing the page ``step`` pages on (None: the first page)."""
        def turn(k: str | None, q: str | None, o: int, request: gr.Request) -> tuple[str, int]:
            return ui.page(k, q, 0 if step is None else o, step or 0, request)
        return turn

    for trigger in (query.submit, search.click):
        trigger(paging(None), [key, query, offset], [articles, offset], **private)
    previous.click(paging(-1), [key, query, offset], [articles, offset], **private)
    following.click(paging(1), [key, query, offset], [articles, offset], **private)
    poll.click(ui.poll, [key], [listing, status], **private)
    add.click(ui.add, [url, label, key], [listing, url, label, status], **private)
    remove.click(ui.remove, [url, key], [listing, url, status], **private)
    upload.click(ui.upload, [files, key], [files, status], **private)
