"""The embed widget on an intranet page served from another origin, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chatbot.web.browser import ask, script_links_and_handlers, wait_for_chat, xss_flag
from tests.chatbot.web.conftest import XSS_QUESTION, LiveSite, StaticSite, screenshot
from tests.conftest import SEED_QUESTION

pytestmark = pytest.mark.browser

LAUNCHER = "newsbot-widget button.launcher"  # Playwright's CSS reaches into open shadow roots
FRAME = "newsbot-widget iframe"


def _style(page: Any, selector: str, *properties: str) -> dict[str, str]:
    return dict(page.locator(selector).first.evaluate(
        "(e, props) => props.map(p => [p, getComputedStyle(e)[p]])", list(properties)))


def _open_widget(page: Any, site: StaticSite) -> Any:
    """Open the intranet page, click the chat button, return the chat's frame."""
    page.goto(site.page_url)
    page.locator(LAUNCHER).click()
    page.locator(FRAME).wait_for()
    frame = page.locator(FRAME).element_handle().content_frame()
    frame.wait_for_load_state()
    return frame


def test_widget_on_another_origin_opens_the_chat_and_answers(page: Any, live: LiveSite) -> None:
    assert live.intranet.origin != live.app.url
    page.goto(live.intranet.page_url)
    launcher = page.locator(LAUNCHER)
    assert launcher.inner_text().strip() == "Ask the news desk"
    assert launcher.get_attribute("aria-expanded") == "false"
    # The page's broad `button`, `iframe`, `*` rules do not reach the widget...
    assert _style(page, LAUNCHER, "backgroundColor", "fontFamily", "textTransform",
                  "letterSpacing") == {
        "backgroundColor": "rgb(29, 78, 216)",
        "fontFamily": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        "textTransform": "none", "letterSpacing": "normal"}
    # ...and the widget's `.panel`, `.launcher` rules do not reach the page.
    assert _style(page, "#desk-notes", "position", "backgroundColor") == {
        "position": "static", "backgroundColor": "rgb(255, 248, 220)"}
    assert _style(page, "#page-button", "position", "backgroundColor", "textTransform") == {
        "position": "static", "backgroundColor": "rgb(228, 87, 46)",
        "textTransform": "uppercase"}
    screenshot(page, "widget-closed")

    frame = _open_widget(page, live.intranet)
    assert launcher.get_attribute("aria-expanded") == "true"
    assert _style(page, FRAME, "borderTopWidth") == {"borderTopWidth": "0px"}
    wait_for_chat(frame)
    answer = ask(frame, SEED_QUESTION)
    assert "military campaign in Gaza" in answer.inner_text()
    assert answer.locator("a.nb-cite", has_text="[1]").count() == 1
    assert "military campaign in Gaza" in frame.locator("#nb-sources mark").first.inner_text()
    screenshot(page, "widget-answer")

    page.locator("newsbot-widget button.close").click()
    assert not page.locator(FRAME).is_visible()
    assert launcher.get_attribute("aria-expanded") == "false"


def test_widget_shows_the_hostile_article_as_text(page: Any, live: LiveSite) -> None:
    frame = _open_widget(page, live.intranet)
    wait_for_chat(frame)
    answer = ask(frame, XSS_QUESTION)
    frame.locator("#nb-sources .nb-source").first.wait_for()
    page.wait_for_timeout(500)
    assert "<img src=x onerror=" in answer.inner_text()
    assert xss_flag(frame) is None and xss_flag(page) is None
    assert script_links_and_handlers(frame) == []
    answer.locator("a.nb-cite", has_text="[1]").click()  # jump to the source in the panel
    frame.wait_for_function("() => document.querySelector(':target') !== null")
    source = frame.locator(":target")
    assert "<script>window.__xss='title-script'</script>" in source.inner_text()
    page.wait_for_timeout(300)
    assert xss_flag(frame) is None
    screenshot(page, "widget-hostile-article")


def test_a_site_not_listed_in_embed_origins_cannot_frame_the_chat(page: Any,
                                                                  live: LiveSite) -> None:
    assert live.stranger.origin not in live.app.settings.embed_origins
    frame = _open_widget(page, live.stranger)
    # Chromium refuses the frame (CSP frame-ancestors) and shows its own error page instead.
    page.wait_for_function(
        "() => document.querySelector('newsbot-widget').shadowRoot.querySelector('iframe')")
    page.wait_for_timeout(1000)
    assert frame.url.startswith("chrome-error://")
    assert frame.locator("#nb-question").count() == 0
