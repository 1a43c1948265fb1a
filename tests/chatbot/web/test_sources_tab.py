"""The Sources tab's guard and listing, without a browser."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import gradio as gr
import pytest
from pydantic import SecretStr

from chatbot.service import ChatService, create_service
from chatbot.web.security import KeyChecker
from chatbot.web.ui.library import SourcesUI, sources_tab_allowed, sources_table_html
from index.feeds.registry import Source, SourceRow, SourceState
from tests.chatbot.web.conftest import XSS_ARTICLE
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
