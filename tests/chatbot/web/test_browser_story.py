"""The story desk in the chat, in headless Chromium: the story's timeline added to the
conversation, a watch made with a click, and its change shown in the Watching panel once an
article that changes the answer is ingested (the hostile article's payloads stay inert)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatbot.service import create_service
from tests.chatbot.story.test_watches import NEWER
from tests.chatbot.web.browser import ANSWERS, ask, script_links_and_handlers, wait_for_chat
from tests.chatbot.web.conftest import (
    XSS_ARTICLE,
    XSS_QUESTION,
    RunningApp,
    screenshot,
    serve_app,
    web_settings,
)
from tests.conftest import SEED_QUESTION, SEEDS

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[RunningApp, Path]]:
    articles = tmp_path / "hostile.jsonl"
    articles.write_text(json.dumps(XSS_ARTICLE) + "\n", encoding="utf-8")
    settings = web_settings(tmp_path / "data")
    create_service(settings).ingest([SEEDS, articles])
    app = serve_app(settings)
    yield app, tmp_path
    app.stop()


def test_timeline_watch_and_the_watching_panel(page: Any, desk: tuple[RunningApp, Path]
                                               ) -> None:
    app, folder = desk
    page.goto(f"{app.url}/ui/")
    wait_for_chat(page)
    page.locator("#nb-watching .label-wrap").first.click()  # open the Watching panel
    page.locator("#nb-watching-list", has_text="No watched questions yet.").wait_for()
    ask(page, XSS_QUESTION)
    page.locator("#nb-watch").click()
    page.locator("#nb-message", has_text="Watching: When did the harbour").wait_for()
    page.locator("#nb-watching-list .nb-watch").wait_for()
    ask(page, SEED_QUESTION)
    before = page.locator(ANSWERS).count()
    page.locator("#nb-timeline").click()
    timeline = page.locator(ANSWERS).nth(before)
    timeline.wait_for()
    assert timeline.inner_text().startswith("Latest: undated: Taher Al-Nono")
    assert timeline.locator("a.nb-cite").count() >= 1
    page.locator("#nb-watch").click()
    page.locator("#nb-watching-list .nb-watch").nth(1).wait_for()

    (folder / "newer.jsonl").write_text(json.dumps(NEWER) + "\n", encoding="utf-8")
    create_service(web_settings(folder / "data")).ingest([folder / "newer.jsonl"])
    page.locator("#nb-watching-refresh").click()
    page.locator("#nb-watching-list .nb-unread").wait_for()
    panel = page.locator("#nb-watching-list").inner_text()
    assert "1 new" in panel and "permanent ceasefire" in panel and "Wire Desk" in panel
    assert XSS_QUESTION in panel
    screenshot(page, "chat-watching-panel")
    page.locator("#nb-watching-read").click()
    page.locator("#nb-watching-list .nb-unread").wait_for(state="detached")
    assert page.evaluate("window.__xss") is None
    assert script_links_and_handlers(page) == []
