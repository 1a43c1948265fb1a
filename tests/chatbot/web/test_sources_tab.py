"""The Sources tab's guard and listing, without a browser."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest
from pydantic import SecretStr

from chatbot.service import ChatService
from chatbot.web.security import KeyChecker, exposure_warnings
from chatbot.web.ui.library import (
    SourcesUI,
    sources_tab_allowed,
    sources_table_html,
    sources_writable,
)
from index.feeds.registry import Source, SourceRow, SourceState
from tests.conftest import make_settings


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
    ui = SourcesUI(service.with_settings(settings), KeyChecker(settings.admin_keys),
                   sources_writable(settings))
    with pytest.raises(gr.Error, match="admin key"):
        ui.add("https://feeds.example/rss.xml", "", "wrong")
    assert ui.manager.registry.sources() == []
    ui.add("https://feeds.example/rss.xml", "", "s3cret")
    assert [s.location for s in ui.manager.registry.sources()] == ["https://feeds.example/rss.xml"]
    assert not sources_tab_allowed(make_settings(tmp_path, api_keys=[SecretStr("k")]))
    assert sources_tab_allowed(make_settings(tmp_path))


def test_without_admin_keys_a_server_beyond_loopback_refuses_every_write(
        tmp_path: Path, service: ChatService) -> None:
    settings = make_settings(tmp_path / "d", host="0.0.0.0")
    assert sources_tab_allowed(settings) and not sources_writable(settings)
    ui = SourcesUI(service.with_settings(settings), KeyChecker(settings.admin_keys),
                   sources_writable(settings))
    upload = tmp_path / "story.txt"
    upload.write_text("The harbour of Port Elms reopened on Monday after storm repairs.\n")
    for write in (lambda: ui.add("https://feeds.example/rss.xml", "", None),
                  lambda: ui.remove("https://feeds.example/rss.xml", None),
                  lambda: ui.poll(None),
                  lambda: ui.upload([str(upload)], None)):
        with pytest.raises(gr.Error, match="admin key"):
            write()
    assert ui.manager.registry.sources() == [] and service.store.count_articles() == 0
    assert "No sources yet" in ui.show(None)  # reading the list stays open


@pytest.mark.parametrize(("host", "admin_keys", "writable"), [
    ("127.0.0.1", [], True), ("localhost", [], True), ("::1", [], True),
    ("0.0.0.0", [], False), ("::", [], False), ("10.0.0.7", [], False),
    ("news.intranet", [], False), ("0.0.0.0", ["s3cret"], True)])
def test_writes_need_an_admin_key_unless_the_server_is_loopback_only(
        tmp_path: Path, host: str, admin_keys: list[str], writable: bool) -> None:
    assert sources_writable(make_settings(tmp_path, host=host, admin_keys=admin_keys)) == writable


def test_serve_warns_when_it_listens_beyond_loopback_without_keys() -> None:
    assert exposure_warnings("127.0.0.1", [], []) == []
    api, admin = exposure_warnings("0.0.0.0", [], [])
    assert "no api_keys" in api and "no admin_keys" in admin and "read-only" in admin
    assert exposure_warnings("0.0.0.0", [SecretStr("k")], [SecretStr("a")]) == []
