"""POST /api/timeline on the real app under uvicorn, over the Port Elms strike store: the JSON
contract, filters, a decline, the question checks and the key guard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chatbot.web.conftest import RunningApp, serve_app, web_settings
from tests.story_articles import STRIKE_TOPIC

KEY = {"X-API-Key": "desk-key"}


@pytest.fixture(scope="module")
def app(story_dir: Path) -> Iterator[RunningApp]:
    running = serve_app(web_settings(story_dir, api_keys=["desk-key"]))
    yield running
    running.stop()


def test_timeline_follows_the_json_contract_newest_first(app: RunningApp) -> None:
    response = httpx.post(f"{app.url}/api/timeline", json={"topic": STRIKE_TOPIC},
                          headers=KEY, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"topic", "as_of", "entries", "declined"}
    assert body["topic"] == STRIKE_TOPIC and body["as_of"] is None and not body["declined"]
    assert [e["date"] for e in body["entries"]] == ["2024-03-15", "2024-03-08", "2024-02-29"]
    for entry in body["entries"]:
        assert set(entry) == {"date", "claim", "citations", "also_reported_by"}
        assert set(entry["citations"][0]) >= {"n", "article_id", "title", "source", "url",
                                              "published", "passage", "start", "end", "score"}
    assert body["entries"][2]["also_reported_by"] == ["Harbour Times", "Coast Daily"]


def test_filters_and_limit_narrow_the_timeline_and_nothing_is_declined(app: RunningApp) -> None:
    narrowed = httpx.post(f"{app.url}/api/timeline", headers=KEY, timeout=60, json={
        "topic": "What's the latest on the Port Elms dock strike?",
        "filters": {"as_of": "2024-03-10", "sources": ["Elms Gazette"]}, "limit": 1}).json()
    assert narrowed["as_of"] == "2024-03-10"
    assert [(e["date"], e["citations"][0]["source"]) for e in narrowed["entries"]] == [
        ("2024-03-08", "Elms Gazette")]
    nothing = httpx.post(f"{app.url}/api/timeline", headers=KEY, timeout=60,
                         json={"topic": "the Mars colony elections"}).json()
    assert nothing["declined"] and nothing["entries"] == []


def test_bad_topics_and_missing_keys_are_refused(app: RunningApp) -> None:
    url = f"{app.url}/api/timeline"
    assert httpx.post(url, json={"topic": " "}, headers=KEY).status_code == 422
    assert httpx.post(url, json={"topic": "x" * 5000}, headers=KEY).status_code == 413
    assert httpx.post(url, json={"topic": STRIKE_TOPIC, "limit": 0},
                      headers=KEY).status_code == 422
    assert httpx.post(url, json={"topic": STRIKE_TOPIC}).status_code == 401
