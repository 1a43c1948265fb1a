"""The web UI's Sources tab: the followed feeds and folders, adding and removing feeds,
uploading article files, and polling on demand.

Everything a feed says (titles, URLs, error messages quoting a server) is untrusted text: the
listing is built here with every value escaped, because ``gr.HTML`` inserts HTML unsanitised.
Writing (upload, add or remove a feed, poll) needs a valid admin key; with no admin key
configured, only a server listening on loopback accepts writes and anywhere else the tab is
read-only. Every callback checks, since a hidden button can still be called.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from chatbot.service import ChatService
from chatbot.settings import Settings
from chatbot.web.security import KeyChecker, writes_allowed_without_key
from chatbot.web.uploads import UPLOAD_TYPES, check_uploads
from index.feeds.registry import SourceRow

log = logging.getLogger(__name__)

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
    if not rows:
        return '<p class="nb-empty">No sources yet: add a feed below.</p>'
    body = []
    for row in rows:
        state = row.state
        polled = (datetime.fromtimestamp(state.last_poll).strftime("%Y-%m-%d %H:%M")
                  if state.last_poll else "never")
        cells = [row.source.location, row.source.label, row.source.kind, polled, state.status,
                 str(len(state.articles)), state.last_error]
        body.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in
                   ("Source", "Label", "Kind", "Last poll", "Status", "Articles", "Last error"))
    return (f'<table class="nb-sources-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


class SourcesUI:
    """The tab's callbacks; each returns the refreshed listing and a status line."""

    def __init__(self, service: ChatService, admin: KeyChecker, writable: bool) -> None:
        self.service = service
        self.manager = service.sources
        self.admin = admin
        self.writable = writable

    def _check(self, key: str | None) -> None:
        if not self.admin.accepts(key):
            raise gr.Error("A valid admin key is needed to manage sources.", title="Not allowed")

    def _check_write(self, key: str | None) -> None:
        if not self.writable:
            raise gr.Error(_READ_ONLY, title="Not allowed")
        self._check(key)

    def _listing(self) -> str:
        return sources_table_html(self.manager.registry.rows())

    def show(self, key: str | None) -> str:
        self._check(key)
        return self._listing()

    def add(self, url: str, label: str, key: str | None) -> tuple[str, str, str, str]:
        self._check_write(key)
        try:
            source = self.manager.add_web_feed((url or "").strip(), (label or "").strip())
        except ValueError as exc:
            raise gr.Error(escape(_first_line(exc)), title="Cannot add that feed") from None
        return self._listing(), "", "", f"Added {escape(source.location)}; poll to fetch it."

    def remove(self, url: str, key: str | None) -> tuple[str, str, str]:
        self._check_write(key)
        try:
            self.manager.registry.remove((url or "").strip())
        except ValueError as exc:
            raise gr.Error(escape(str(exc)), title="Cannot remove that") from None
        return self._listing(), "", f"Removed {escape(url.strip())}."

    def poll(self, key: str | None) -> tuple[str, str]:
        self._check_write(key)
        results = self.manager.poll()
        lines = [f"{escape(r.source.location)}: {escape(r.summary())}" for r in results]
        return self._listing(), "<br>".join(lines) or "No sources to poll."

    def upload(self, files: list[Any] | None, key: str | None) -> tuple[None, str]:
        self._check_write(key)
        paths = [Path(f if isinstance(f, str) else f.name) for f in files or []]
        if not paths:
            raise gr.Error("Choose one or more article files first.")
        checked = check_uploads(paths, Path(get_upload_folder()),
                                self.service.settings.max_upload_bytes)
        failed = list(checked.refused)
        counts = "nothing ingested"
        if checked.accepted:
            report = self.service.ingest(checked.accepted)
            counts = ", ".join(f"{value} {name}" for name, value in report.counts.items())
            failed += [(Path(origin).name, reason) for origin, reason in report.failed]
        failures = "".join(f"<br>{escape(name)}: {escape(reason)}" for name, reason in failed)
        return None, f"{counts}{failures}"


def _first_line(error: Exception) -> str:
    """Pydantic's messages run over several lines; the first says what is wrong."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if len(lines) > 1 else str(error)


def build_sources_tab(service: ChatService, settings: Settings) -> None:
    """The tab's components and events; call inside a ``gr.Tab``."""
    writable = sources_writable(settings)
    ui = SourcesUI(service, KeyChecker(settings.admin_keys), writable)
    key = gr.Textbox(label="Admin key", type="password", elem_id="nb-admin-key",
                     visible=bool(settings.admin_keys))
    gr.Markdown(_READ_ONLY, visible=not writable, elem_id="nb-sources-read-only")
    listing = gr.HTML(elem_id="nb-sources-list", js_on_load=None)
    status = gr.HTML(elem_id="nb-sources-status", js_on_load=None)
    with gr.Row():
        show = gr.Button("Refresh list", size="sm", elem_id="nb-sources-refresh")
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
    show.click(ui.show, [key], [listing], **private)
    poll.click(ui.poll, [key], [listing, status], **private)
    add.click(ui.add, [url, label, key], [listing, url, label, status], **private)
    remove.click(ui.remove, [url, key], [listing, url, status], **private)
    upload.click(ui.upload, [files, key], [files, status], **private)
