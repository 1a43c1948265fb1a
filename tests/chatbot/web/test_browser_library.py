"""The Library tab in headless Chromium: it lists the indexed articles as soon as it opens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chatbot.web.browser import script_links_and_handlers, wait_for_chat, xss_flag
from tests.chatbot.web.conftest import XSS_ARTICLE, LiveSite, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_library_lists_the_indexed_articles_on_open_and_searches_them(
        page: Any, live: LiveSite, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live.chat_url)
    wait_for_chat(page)
    assert page.get_by_role("tab", name="Sources").count() == 0  # renamed: not the citations
    page.get_by_role("tab", name="Library").click()
    articles = page.locator("#nb-articles")
    articles.locator("tbody tr").first.wait_for()  # no button to press first
    assert "2 articles" in articles.inner_text()
    rows = articles.locator("tbody tr")
    assert rows.count() == 2
    first = rows.first.locator("td").all_inner_texts()
    assert first == [XSS_ARTICLE["title"], XSS_ARTICLE["source"], "2024-02-01",
                     first[3]] and int(first[3]) >= 1  # newest first, shown as text
    page.locator("#nb-articles-query textarea, #nb-articles-query input").first.fill("gazette")
    page.locator("#nb-articles-search").click()
    articles.get_by_text("1 article matching").wait_for()
    assert rows.count() == 1
    page.locator("#nb-articles-query textarea, #nb-articles-query input").first.fill("no such")
    page.locator("#nb-articles-query textarea, #nb-articles-query input").first.press("Enter")
    articles.get_by_text("No indexed article").wait_for()
    assert xss_flag(page) is None and script_links_and_handlers(page) == []
    screenshot(page, f"library-{size[0]}")
