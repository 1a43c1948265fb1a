"""The Gradio chat in headless Chromium, as a person uses it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.chatbot.web.browser import (
    ANSWERS,
    ask,
    script_links_and_handlers,
    wait_for_chat,
    xss_flag,
)
from tests.chatbot.web.conftest import XSS_ARTICLE, XSS_QUESTION, LiveSite, screenshot
from tests.conftest import SEED_QUESTION

pytestmark = pytest.mark.browser


def _open(page: Any, live: LiveSite) -> None:
    page.goto(live.chat_url)
    wait_for_chat(page)


def test_seed_answer_cites_1_and_the_link_shows_the_highlighted_passage(
        page: Any, live: LiveSite) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    _open(page, live)
    answer = ask(page, SEED_QUESTION)
    assert "military campaign in Gaza" in answer.inner_text()
    cite = answer.locator("a.nb-cite", has_text="[1]")
    assert cite.count() == 1
    source = page.locator("#nb-sources .nb-source").first
    assert "'Very serious' negotiations ongoing for new Gaza truce" in source.inner_text()
    assert source.locator("mark", has_text="military campaign in Gaza").count() == 1
    cite.click()
    page.locator("#nb-src-1-1.nb-selected").wait_for()
    assert page.evaluate("location.hash") == ""  # no jump: only the sources column scrolls
    screenshot(page, "chat-seed-answer")
    # Fonts, scripts and styles all come from the app: the page never phones home.
    assert hosts == {urlsplit(live.app.url).netloc}


def test_example_question_is_answered_with_a_click(page: Any, live: LiveSite) -> None:
    _open(page, live)
    page.locator("#nb-chat button.example", has_text=SEED_QUESTION).click()
    answer = page.locator(ANSWERS).first
    answer.wait_for()
    assert "[1]" in answer.inner_text()
    assert page.locator("#nb-chat .user-row, #nb-chat [data-testid=user]").first.inner_text(
        ).strip() == SEED_QUESTION


def test_declined_answer_looks_different_and_search_shows_on_demand(page: Any,
                                                                     live: LiveSite) -> None:
    _open(page, live)
    answered = ask(page, SEED_QUESTION)
    declined = ask(page, "What is the boiling point of tungsten?")
    assert "do not answer that" in declined.inner_text()
    assert declined.locator(".nb-declined-label").is_visible()
    style = "e => getComputedStyle(e).borderLeftWidth + ' ' + getComputedStyle(e).fontStyle"
    assert answered.evaluate(style) == "0px normal"
    assert declined.evaluate(style) == "4px italic"
    assert declined.locator("a.nb-cite").count() == 0
    standalone = declined.locator(".nb-standalone")
    assert not standalone.is_visible()
    declined.locator("details.nb-searched summary").click()
    assert standalone.inner_text() == "What is the boiling point of tungsten?"
    assert "No source answered" in page.locator("#nb-sources .nb-group").first.inner_text()
    screenshot(page, "chat-declined")


def test_outlet_and_date_filters_narrow_the_sources(page: Any, live: LiveSite) -> None:
    _open(page, live)
    page.locator("#nb-filters button.label-wrap").click()
    outlets = page.locator("#nb-outlets input[role=combobox]")
    outlets.click()
    option = page.locator("ul[role=listbox] li", has_text="Gazette")
    assert option.inner_text().strip() == XSS_ARTICLE["source"]  # listed as text
    option.click()
    page.keyboard.press("Escape")
    # The seed article is not from that outlet: the bot must decline rather than use it.
    assert "do not answer that" in ask(page, SEED_QUESTION).inner_text()
    assert "[1]" in ask(page, XSS_QUESTION).inner_text()
    screenshot(page, "chat-filters")
    page.locator("#nb-since input.time").fill("2024-03-01")
    page.locator("#nb-since input.time").press("Enter")
    page.locator("#nb-until input.time").fill("2024-02-01")
    page.locator("#nb-until input.time").press("Enter")
    page.locator("#nb-question textarea").fill(XSS_QUESTION)
    page.locator("#nb-question textarea").press("Enter")
    page.get_by_text("is after 'Published until'").first.wait_for()
    # The refused question is still there to fix and send again.
    assert page.locator("#nb-question textarea").input_value() == XSS_QUESTION


def test_thumbs_and_comment_are_appended_to_the_feedback_file(page: Any,
                                                              live: LiveSite) -> None:
    feedback_file = live.app.settings.feedback_path
    before = feedback_file.read_text().splitlines() if feedback_file.exists() else []
    _open(page, live)
    ask(page, SEED_QUESTION)
    page.locator("#nb-chat button[aria-label=Dislike]").last.click()
    page.locator("#nb-comment-text textarea").wait_for()
    page.locator("#nb-comment-text textarea").fill("Should name Al-Nono's two conditions.")
    page.locator("#nb-send-comment").click()
    page.get_by_text("your comment was saved").wait_for()
    records = [json.loads(line) for line in feedback_file.read_text().splitlines()[len(before):]]
    assert [(r["rating"], r["comment"]) for r in records] == [
        ("down", ""), ("down", "Should name Al-Nono's two conditions.")]
    assert records[0]["id"] == records[1]["id"]
    assert records[0]["question"] == SEED_QUESTION
    assert records[0]["article_ids"] == ["000_795694ea5ffbf6dd"]
    assert not page.locator("#nb-comment-text textarea").is_visible()


def test_clear_chat_empties_the_conversation_and_the_sources(page: Any,
                                                             live: LiveSite) -> None:
    _open(page, live)
    ask(page, SEED_QUESTION)
    assert page.locator("#nb-sources .nb-source").count() >= 1
    page.locator("#nb-clear").click()
    page.locator("#nb-chat button.example").first.wait_for()
    assert page.locator(ANSWERS).count() == 0
    assert page.locator("#nb-sources .nb-source").count() == 0
    # A new conversation starts afresh: its first answer is turn 1 again.
    ask(page, SEED_QUESTION)
    assert page.locator("#nb-sources .nb-group").count() == 1


def test_hostile_article_is_shown_as_text_and_its_payloads_never_run(page: Any,
                                                                      live: LiveSite) -> None:
    _open(page, live)
    answer = ask(page, XSS_QUESTION)
    page.locator("#nb-sources .nb-source").first.wait_for()
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert xss_flag(page) is None
    assert "<img src=x onerror=" in answer.inner_text()
    panel = page.locator("#nb-sources").inner_text()
    assert "<script>window.__xss='title-script'</script>" in panel
    assert "[the port notice](javascript:window.__xss='md-link')" in panel
    assert "${window.__xss='template'}" in panel
    assert page.locator("#nb-chat img, #nb-sources img, #nb-sources script").count() == 0
    assert page.locator("#nb-sources a").count() == 0  # a javascript: URL is no link
    assert script_links_and_handlers(page) == []
    screenshot(page, "chat-hostile-article")
