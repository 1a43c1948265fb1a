"""The Library tab's guard and listing, without a browser."""

from __future__ import annotations

import html
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient
from gradio.utils import get_upload_folder
from pydantic import SecretStr

from chatbot.service import ChatService, create_service
from chatbot.settings import Settings
from chatbot.web.app import create_app
from chatbot.web.ratelimit import RateLimiter
from chatbot.web.security import KeyChecker, exposure_warnings
from chatbot.web.ui.library import (
    SourcesUI,
    sources_tab_allowed,
    sources_table_html,
    sources_writable,
)
from index.feeds.registry import Source, SourceRow, SourceState
from tests.chatbot.web.conftest import XSS_ARTICLE, wait_for_chat
from tests.conftest import LOOPBACK, make_settings


def _sources_ui(service: ChatService, settings: Settings) -> SourcesUI:
    """The tab's callbacks over ``service`` with ``settings``, as the page builds them."""
    return SourcesUI(service.with_settings(settings), KeyChecker(settings.admin_keys),
                     sources_writable(settings), RateLimiter(0), set())


def test_listing_escapes_everything_a_feed_controls() -> None:
    row = SourceRow(Source("feed", "https://x.example/<script>alert(1)</script>",
                           label="<img src=x onerror=alert(1)>"),
                    SourceState(status="error", last_error="<b>HTTP 500</b>"))
    html = sources_table_html([row])
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_sources_tab_needs_an_admin_key_when_keys_are_configured(
        tmp_path: Path, service: ChatService) -> None:
    settings = make_settings(tmp_path / "d", admin_keys=["s3cret"])
    ui = _sources_ui(service, settings)
    with pytest.raises(gr.Error, match="admin key"):
        ui.add("https://feeds.example/rss.xml", "", "wrong", None)
    assert ui.manager.registry.sources() == []
    ui.add("https://feeds.example/rss.xml", "", "s3cret", None)
    assert [s.location for s in ui.manager.registry.sources()] == ["https://feeds.example/rss.xml"]
    assert not sources_tab_allowed(make_settings(tmp_path, api_keys=[SecretStr("k")]))
    assert sources_tab_allowed(make_settings(tmp_path))


def test_without_admin_keys_a_server_beyond_loopback_refuses_every_write(
        tmp_path: Path, service: ChatService) -> None:
    settings = make_settings(tmp_path / "d", host="0.0.0.0")
    assert sources_tab_allowed(settings) and not sources_writable(settings)
    ui = _sources_ui(service, settings)
    upload = tmp_path / "story.txt"
    upload.write_text("The harbour of Port Elms reopened on Monday after storm repairs.\n")
    ui.received.add(str(upload))
    for write in (lambda: ui.add("https://feeds.example/rss.xml", "", None, None),
                  lambda: ui.remove("https://feeds.example/rss.xml", None, None),
                  lambda: ui.poll(None, None),
                  lambda: ui.upload([str(upload)], None, None)):
        with pytest.raises(gr.Error, match="admin key"):
            write()
    assert ui.manager.registry.sources() == [] and service.store.count_articles() == 0
    assert "No sources yet" in ui.show(None, None)  # reading the list stays open


@pytest.mark.parametrize(("host", "admin_keys", "writable"), [
    ("127.0.0.1", [], True), ("localhost", [], True), ("::1", [], True),
    ("0.0.0.0", [], False), ("::", [], False), ("10.0.0.7", [], False),
    ("news.intranet", [], False), ("0.0.0.0", ["s3cret"], True)])
def test_writes_need_an_admin_key_unless_the_server_is_loopback_only(
        tmp_path: Path, host: str, admin_keys: list[str], writable: bool) -> None:
    assert sources_writable(make_settings(tmp_path, host=host, admin_keys=admin_keys)) == writable


def test_serve_warns_when_it_listens_beyond_loopback_without_keys() -> None:
    assert exposure_warnings("127.0.0.1", [], []) == []
    hosts, api, admin = exposure_warnings("0.0.0.0", [], [])
    assert "no allowed_hosts" in hosts and "DNS rebinding" in hosts
    assert "no api_keys" in api and "no admin_keys" in admin and "read-only" in admin
    assert exposure_warnings("0.0.0.0", [SecretStr("k")], [SecretStr("a")],
                             ["news.example"]) == []


@pytest.fixture
def upload_dir() -> Iterator[Path]:
    """A folder where Gradio keeps uploaded files, as an upload would create it."""
    folder = Path(get_upload_folder()) / f"newsbot-test-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_uploads_are_limited_in_size_and_type_and_must_be_uploaded_files(
        tmp_path: Path, service: ChatService, upload_dir: Path) -> None:
    settings = make_settings(tmp_path / "d", max_upload_bytes=2000)
    ui = _sources_ui(service, settings)
    story = upload_dir / "harbour.txt"
    story.write_text("Harbour reopens\n\nThe harbour of Port Elms reopened on Monday after "
                     "three weeks of storm repairs, the harbour master said.\n")
    big = upload_dir / "big.txt"
    big.write_text("The harbour of Port Elms reopened. " * 100)
    program = upload_dir / "tool.exe"
    program.write_bytes(b"MZ\x90\x00")
    outside = tmp_path / "notes.txt"  # a server file the request names, never uploaded
    outside.write_text("Private notes of the server's user about the harbour of Port Elms.\n")
    linked = upload_dir / "linked.txt"
    linked.symlink_to(outside)
    folder = upload_dir / "folder.txt"
    folder.mkdir()
    planted = upload_dir / "planted.txt"  # in the folder, never received by the endpoint
    planted.write_text("Planted\n\nA file the upload endpoint never received.\n")
    ui.received.update(str(p) for p in (story, big, program, linked, folder))

    _, status_html = ui.upload([str(p) for p in (story, big, program, outside, linked, folder,
                                                 planted)], None, None)

    status = html.unescape(status_html)
    assert status.startswith('<p class="nb-status">1 added')
    assert "big.txt: file too large (3,500 bytes; the limit is 2,000)" in status
    assert "'.exe'" not in status_html  # escaped on the way into the page
    assert "tool.exe: unsupported file type '.exe'" in status
    for name in ("notes.txt", "linked.txt", "folder.txt", "planted.txt"):
        assert f"{name}: not an uploaded file" in status
    assert [a.article_id for a in service.store.list_articles()] == ["harbour"]  # as the CLI
    assert not story.exists() and str(story) not in ui.received  # ingested once, then removed


def test_gradio_refuses_an_oversize_upload_while_receiving_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", rate_limit_per_minute=0, max_upload_bytes=5000)
    with TestClient(create_app(settings), base_url=LOOPBACK) as client:
        wait_for_chat(client.get)

        def upload(size: int) -> int:
            return client.post("/ui/gradio_api/upload", files={
                "files": ("story.txt", b"x" * size, "text/plain")}).status_code
        assert upload(4000) == 200
        assert upload(6000) == 413


def test_articles_are_paged_newest_first_and_searched_by_title_or_outlet(
        web_data_dir: Path) -> None:
    service = create_service(make_settings(web_data_dir))
    every = service.find_articles()
    assert every.total == service.stats().articles >= 1
    days = [a.published for a in every.articles]
    assert days == sorted(days, reverse=True)
    first = every.articles[0]
    assert service.find_articles(first.title.upper()[:12]).articles[0].id == first.id
    assert service.find_articles("no article is called this").total == 0
    assert [a.source for a in service.find_articles("GAZETTE").articles] == [
        XSS_ARTICLE["source"]]
    page = service.find_articles("", offset=0, limit=1)
    assert len(page.articles) == 1 and page.next_offset == 1
    assert service.find_articles("", offset=1, limit=1).next_offset is None
    assert service.date_range() == (date(2024, 2, 1), date(2024, 2, 1))
