"""The Library tab in headless Chromium: a feed added and polled there becomes answerable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chatbot.web.browser import ask, script_links_and_handlers, wait_for_chat, xss_flag
from tests.chatbot.web.conftest import RunningApp, screenshot, serve_app, web_settings
from tests.feed_site import STORIES, FeedSite, publish

pytestmark = pytest.mark.browser

HOSTILE_LABEL = "Gazette <img src=x onerror=\"window.__xss='label'\">"


@pytest.fixture
def feed_app(tmp_path: Path) -> Iterator[tuple[RunningApp, FeedSite]]:
    site = FeedSite()
    app = serve_app(web_settings(tmp_path / "data", fetch_delay_seconds=0.0,
                                 sources_file=tmp_path / "none.toml",
                                 fetch_allow_private_networks=True))  # the feed is on 127.0.0.1
    yield app, site
    app.stop()
    site.stop()


def _field(page: Any, elem_id: str) -> Any:
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def test_feed_added_and_polled_in_sources_tab_becomes_answerable(
        page: Any, feed_app: tuple[RunningApp, FeedSite]) -> None:
    app, site = feed_app
    feed = publish(site, STORIES)
    page.goto(f"{app.url}/ui/")
    wait_for_chat(page)
    page.get_by_role("tab", name="Library").click()
    page.locator("#nb-articles", has_text="The index is empty").wait_for()  # loads on open
    _field(page, "nb-feed-url").fill(feed)
    _field(page, "nb-feed-label").fill(HOSTILE_LABEL)
    page.locator("#nb-feed-add").click()
    listing = page.locator("#nb-sources-list")
    listing.get_by_text(feed).wait_for()
    assert "never polled" in listing.inner_text()

    page.locator("#nb-sources-poll").click()
    page.locator("#nb-sources-status", has_text="3 added").wait_for(timeout=120_000)
    row = listing.locator("tr", has_text=feed)
    assert "ok" in row.inner_text() and HOSTILE_LABEL in row.inner_text()  # shown as text
    page.locator("#nb-articles-search").click()
    page.locator("#nb-articles", has_text="3 articles").wait_for()
    screenshot(page, "sources-tab-polled")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "When do the bridge works start?")
    assert "April" in answer.inner_text()
    assert xss_flag(page) is None
    assert script_links_and_handlers(page) == []


def test_library_tab_is_read_only_beyond_loopback_without_admin_keys(
        page: Any, tmp_path: Path) -> None:
    # Settings as for a server listening on every interface (this test app still listens on
    # 127.0.0.1 only): no admin keys, so nobody may write.
    app = serve_app(web_settings(tmp_path / "data", host="0.0.0.0",
                                 sources_file=tmp_path / "none.toml"))
    try:
        page.goto(f"{app.url}/ui/")
        wait_for_chat(page)
        page.get_by_role("tab", name="Library").click()
        page.locator("#nb-sources-read-only", has_text="needs an admin key").wait_for()
        for control in ("nb-feed-add", "nb-sources-poll", "nb-upload", "nb-upload-go",
                        "nb-feed-url"):
            assert not page.locator(f"#{control}").is_visible()
        screenshot(page, "library-tab-read-only")
    finally:
        app.stop()
