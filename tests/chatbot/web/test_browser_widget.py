"""The embed widget on an intranet page served from another origin, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chatbot.web.browser import (
    ask,
    axe_violations,
    script_links_and_handlers,
    wait_for_chat,
    xss_flag,
)
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
    # Marks follow the article's order, not the answer's: one of them holds the first claim.
    assert "military campaign in Gaza" in " ".join(
        frame.locator("#nb-sources mark").all_inner_texts())
    screenshot(page, "widget-answer")

    page.locator("newsbot-widget button.close").click()
    assert not page.locator(FRAME).is_visible()
    assert launcher.get_attribute("aria-expanded") == "false"


def test_widget_shows_the_hostile_article_as_text(page: Any, live: LiveSite) -> None:
    frame = _open_widget(page, live.intranet)
    wait_for_chat(frame)
    answer = ask(frame, XSS_QUESTION)
    # The panel is phone-sized: the sources wait in a sheet until a citation opens it.
    frame.locator("#nb-sources .nb-source").first.wait_for(state="attached")
    page.wait_for_timeout(500)
    assert "<img src=x onerror=" in answer.inner_text()
    assert xss_flag(frame) is None and xss_flag(page) is None
    assert script_links_and_handlers(frame) == []
    answer.locator("a.nb-cite", has_text="[1]").click()  # jump to the source in the panel
    source = frame.locator(".nb-source.nb-selected")
    source.wait_for()
    assert "<script>window.__xss='title-script'</script>" in source.inner_text()
    page.wait_for_timeout(300)
    assert xss_flag(frame) is None
    screenshot(page, "widget-hostile-article")


def test_a_site_not_listed_in_embed_origins_is_told_what_to_configure(page: Any,
                                                                     live: LiveSite) -> None:
    assert live.stranger.origin not in live.app.settings.embed_origins
    page.goto(live.stranger.page_url)
    page.locator(LAUNCHER).click()
    help_text = page.locator("newsbot-widget .help")
    help_text.wait_for()
    assert page.locator(FRAME).count() == 0  # no frame the browser would refuse
    text = help_text.inner_text()
    assert live.stranger.origin in text and "embed_origins" in text
    link = page.locator("newsbot-widget .help a.open-tab")
    assert link.get_attribute("href") == live.chat_url
    assert link.get_attribute("target") == "_blank"
    screenshot(page, "widget-not-allowed")
    page.keyboard.press("Escape")
    assert not help_text.is_visible()
    # The server still refuses to be framed there, whatever a page does with the script.
    headers = page.request.get(live.chat_url).headers
    assert live.stranger.origin not in headers["content-security-policy"]


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_escape_inside_the_chat_frame_closes_the_panel_and_no_library_tab_shows(
        page: Any, live: LiveSite, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    frame = _open_widget(page, live.intranet)
    wait_for_chat(frame)
    assert frame.get_by_role("tab", name="Chat").count() == 1
    assert not frame.get_by_role("tab", name="Library").is_visible()
    frame.locator("#nb-question textarea").click()  # the focus is inside the frame
    frame.locator("#nb-question textarea").press("Escape")
    page.wait_for_function("() => document.querySelector('newsbot-widget').shadowRoot"
                           ".querySelector('.panel').hidden")
    assert page.locator(LAUNCHER).get_attribute("aria-expanded") == "false"


@pytest.mark.slow
def test_axe_finds_no_serious_violation_in_the_widget(page: Any, live: LiveSite) -> None:
    frame = _open_widget(page, live.intranet)
    wait_for_chat(frame)
    ask(frame, SEED_QUESTION)
    assert axe_violations(page) == []
    assert axe_violations(frame) == []
