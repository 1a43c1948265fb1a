"""The Sources tab's guard and listing, without a browser."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest
from pydantic import SecretStr

from chatbot.service import ChatService
from chatbot.web.security import KeyChecker
from chatbot.web.ui.library import SourcesUI, sources_tab_allowed, sources_table_html
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
    ui = SourcesUI(service.with_settings(settings), KeyChecker(settings.admin_keys))
    with pytest.raises(gr.Error, match="admin key"):
        ui.add("https://feeds.example/rss.xml", "", "wrong")
    assert ui.manager.registry.sources() == []
    ui.add("https://feeds.example/rss.xml", "", "s3cret")
    assert [s.location for s in ui.manager.registry.sources()] == ["https://feeds.example/rss.xml"]
    assert not sources_tab_allowed(make_settings(tmp_path, api_keys=[SecretStr("k")]))
    assert sources_tab_allowed(make_settings(tmp_path))
