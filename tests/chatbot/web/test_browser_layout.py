"""The chat as a newsroom uses it all day, at desk and phone width: the conversation and the
box stay on screen, sources scroll on their own, refusals are said under the box, cards and
filters say what they know, and axe-core finds no serious problem."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chatbot.web.browser import (
    ANSWERS,
    ask,
    axe_violations,
    in_viewport,
    wait_for_chat,
)
from tests.chatbot.web.conftest import XSS_ARTICLE, XSS_QUESTION, LiveSite, screenshot
from tests.conftest import SEED_QUESTION

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1400, 900), "phone": (390, 844)}
BOX = "#nb-question textarea"


@pytest.fixture(params=list(VIEWPORTS))
def size(request: pytest.FixtureRequest, page: Any) -> str:
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return str(request.param)


def _open(page: Any, live: LiveSite) -> None:
    page.goto(live.chat_url)
    wait_for_chat(page)


def _sheet_open(page: Any) -> bool:
    return bool(page.evaluate("document.body.classList.contains('nb-sheet-is-open')"))


def _page_scroll(page: Any) -> list[int]:
    """How far the page and Gradio's outer containers are scrolled (all 0 when nothing is
    stranded)."""
    return list(page.evaluate("""() => [document.scrollingElement.scrollTop, ...Array.from(
        document.querySelectorAll('.gradio-container, .gradio-container .main, .contain'))
        .map(e => e.scrollTop)]"""))


@pytest.mark.slow
def test_chat_column_stays_in_view_after_clicking_every_citation_of_three_answers(
        page: Any, live: LiveSite, size: str) -> None:
    _open(page, live)
    for question in (SEED_QUESTION, XSS_QUESTION, SEED_QUESTION):
        ask(page, question)
    cites = page.locator("#nb-chat a.nb-cite")
    assert cites.count() >= 3
    assert page.locator(".nb-source.nb-selected").count() == 0  # nothing clicked yet
    for index in range(cites.count()):
        cite = cites.nth(index)
        cite.scroll_into_view_if_needed()
        target = cite.get_attribute("href").removeprefix("#")
        cite.click()
        card = page.locator(f"#{target}")
        page.wait_for_function("id => document.getElementById(id).classList.contains("
                               "'nb-selected')", arg=target)
        assert page.locator(".nb-source.nb-selected").count() == 1
        # The card's top is on screen, inside the sources column, which scrolled alone.
        assert card.evaluate("""e => { const r = e.getBoundingClientRect();
            const s = document.getElementById('nb-side').getBoundingClientRect();
            return r.top >= s.top - 1 && r.top < Math.min(s.bottom, window.innerHeight); }""")
        assert _page_scroll(page) == [0] * len(_page_scroll(page))
        if size == "phone":
            assert _sheet_open(page)
            screenshot(page, f"layout-{size}-sheet-open") if index == 0 else None
            page.locator("#nb-side .nb-sheet-close").click()
            assert not _sheet_open(page)
        assert in_viewport(page, BOX) and in_viewport(page, "#nb-ask")
        assert in_viewport(page, "#nb-chat")
    screenshot(page, f"layout-{size}-after-citations")


def test_refused_input_is_said_under_the_box_and_leaves_no_error_overlay(
        page: Any, live: LiveSite, size: str) -> None:
    _open(page, live)
    message = page.locator("#nb-message .nb-message")
    page.locator("#nb-ask").click()  # an empty question
    message.wait_for()
    assert "empty" in message.inner_text()
    page.locator(BOX).fill("why " * 2000)
    page.locator("#nb-ask").click()
    page.locator("#nb-message", has_text="too long").wait_for()
    if size == "phone":
        page.locator(".nb-sheet-open").click()
    page.locator("#nb-filters button.label-wrap").click()
    page.locator("#nb-since input.time").fill("last week")
    page.locator("#nb-since input.time").press("Enter")
    if size == "phone":
        page.locator("#nb-side .nb-sheet-close").click()
    page.locator(BOX).fill(XSS_QUESTION)
    page.locator("#nb-ask").click()
    page.locator("#nb-message", has_text="Published from: not a date").wait_for()
    assert page.locator(BOX).input_value() == XSS_QUESTION  # kept, to fix and send again
    assert in_viewport(page, "#nb-message") and in_viewport(page, BOX)
    screenshot(page, f"refused-{size}")
    assert page.get_by_text("Error", exact=True).count() == 0
    assert page.locator(".toast-body, .toast-wrap .error").count() == 0
    assert page.locator("[data-testid=status-tracker].error").count() == 0
    assert page.locator(ANSWERS).count() == 0
    # Mending the date lets the same question through, and the message goes away.
    if size == "phone":
        page.locator(".nb-sheet-open").click()
    page.locator("#nb-clear-filters").click()
    page.locator("#nb-message", has_text="Filters cleared").wait_for(state="attached")
    assert page.locator("#nb-since input.time").input_value() == ""
    if size == "phone":
        page.locator("#nb-side .nb-sheet-close").click()
    assert "[1]" in ask(page, XSS_QUESTION).inner_text()
    assert page.locator("#nb-message .nb-message").count() == 0


def test_bad_date_range_is_refused_under_the_box(page: Any, live: LiveSite) -> None:
    _open(page, live)
    page.locator("#nb-filters button.label-wrap").click()
    for box, day in (("#nb-since", "2024-03-01"), ("#nb-until", "2024-02-01")):
        page.locator(f"{box} input.time").fill(day)
        page.locator(f"{box} input.time").press("Enter")
    page.locator(BOX).fill(XSS_QUESTION)
    page.locator(BOX).press("Enter")
    page.locator("#nb-message", has_text="is after 'Published until'").wait_for()
    assert page.locator(BOX).input_value() == XSS_QUESTION
    assert page.get_by_text("Error", exact=True).count() == 0


def test_cards_say_what_they_know_and_markers_carry_outlet_and_date(
        page: Any, live: LiveSite, size: str) -> None:
    _open(page, live)
    seed = ask(page, SEED_QUESTION)
    hostile = ask(page, XSS_QUESTION)
    # The seed is a bare .txt file: no outlet, no date, no link, and the card says so.
    assert "(outlet unknown, undated)" in seed.locator(".nb-cite-meta").first.inner_text()
    assert f"({XSS_ARTICLE['source']}, 2024-02-01)" in hostile.locator(
        ".nb-cite-meta").first.inner_text()
    seed_card = page.locator("#nb-src-1-1")
    if size == "phone":
        page.locator(".nb-sheet-open").click()
    meta = seed_card.locator(".nb-meta").inner_text()
    assert "Outlet unknown" in meta and "Date unknown" in meta and "No link" in meta
    # One card per article, and nothing is outlined as selected until a citation is clicked.
    for group in page.locator("#nb-sources .nb-group").all():
        ids = group.locator(".nb-source").evaluate_all(
            "cards => cards.map(c => c.dataset.article)")
        assert len(ids) == len(set(ids))
    assert page.locator(".nb-source.nb-selected").count() == 0
    heading = page.locator("#nb-sources .nb-group h3").first
    style = heading.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).fontFamily]")
    assert style[0] in ("rgb(39, 39, 42)", "rgb(31, 41, 55)", "rgb(0, 0, 0)"), style
    assert "Source Sans" not in style[1] and "system-ui" in style[1]
    screenshot(page, f"cards-{size}")


def test_a_decline_under_filters_says_so_and_clearing_them_answers(
        page: Any, live: LiveSite, size: str) -> None:
    _open(page, live)
    if size == "phone":
        page.locator(".nb-sheet-open").click()
    page.locator("#nb-filters button.label-wrap").click()
    page.locator("#nb-outlets input[role=combobox]").click()
    page.locator("ul[role=listbox] li", has_text="Gazette").click()
    page.keyboard.press("Escape")
    if size == "phone":
        page.locator("#nb-side .nb-sheet-close").click()
    declined = ask(page, SEED_QUESTION)
    note = declined.locator(".nb-filtered")
    assert note.inner_text().startswith(f"Only articles from {XSS_ARTICLE['source']} "
                                        "were searched.")
    screenshot(page, f"declined-under-filters-{size}")
    note.locator("button.nb-clear-filters").click()
    page.locator("#nb-message", has_text="Filters cleared").wait_for()
    answer = ask(page, SEED_QUESTION)
    assert "military campaign in Gaza" in answer.inner_text()


def test_calendar_opens_on_the_newest_day_of_the_index(page: Any, live: LiveSite) -> None:
    _open(page, live)
    page.locator("#nb-filters button.label-wrap").click()
    assert "2024-02-01" in page.locator("#nb-index-range").inner_text()
    page.locator("#nb-until button.calendar").click()
    page.locator(".picker-container .month-year").wait_for()
    page.wait_for_function("() => document.querySelector('.picker-container .month-year')"
                           ".textContent.replace(/\\s+/g, ' ').trim() === 'February 2024'")


def test_phone_shows_the_title_whole_placeholder_and_no_overlapping_label(
        page: Any, live: LiveSite) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live)
    assert page.locator(".nb-header h1").is_visible()
    assert in_viewport(page, ".nb-header h1")
    box = page.locator(BOX)
    fits = box.evaluate("""e => { const c = document.createElement('canvas').getContext('2d');
        const s = getComputedStyle(e); c.font = s.fontSize + ' ' + s.fontFamily;
        return c.measureText(e.placeholder).width
            <= e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }""")
    assert fits
    assert page.get_by_text("Conversation", exact=True).count() == 0 or not page.get_by_text(
        "Conversation", exact=True).is_visible()
    assert not page.locator("#nb-sources").is_visible()  # the sheet is closed
    ask(page, SEED_QUESTION)
    page.locator(".nb-sheet-open").click()
    assert page.locator("#nb-sources .nb-source").first.is_visible()
    page.keyboard.press("Escape")
    assert not _sheet_open(page)
    assert in_viewport(page, BOX)
    screenshot(page, "phone-chat")


def test_bot_messages_are_labelled_with_text_not_markup(page: Any, live: LiveSite) -> None:
    _open(page, live)
    ask(page, SEED_QUESTION)
    labels = page.locator("#nb-chat [aria-label]").evaluate_all(
        "es => es.map(e => e.getAttribute('aria-label'))")
    bot = [label for label in labels if label.startswith("bot")]
    assert bot and all("<" not in label for label in labels), labels
    assert "Hamas" in bot[0]


@pytest.mark.slow
def test_axe_finds_no_serious_violation_in_the_chat(page: Any, live: LiveSite,
                                                    size: str) -> None:
    _open(page, live)
    ask(page, SEED_QUESTION)
    ask(page, "What is the boiling point of tungsten?")
    assert axe_violations(page) == []
