"""Who a client is, on the real server: an X-Forwarded-For header is believed only from a
configured proxy (so it cannot buy a fresh rate limit), and wrong keys, API or admin, are
counted against the address until it is refused with a Retry-After."""

from __future__ import annotations

import httpx

from tests.chatbot.web.conftest import ADMIN_KEY, API_KEY, RunningApp
from tests.chatbot.web.gradio_calls import run_event
from tests.conftest import SEED_QUESTION


def _call_ask(chat: str, headers: dict[str, str]) -> str:
    """Gradio's documented endpoint: post the question, then read the event's stream."""
    event = httpx.post(f"{chat}/gradio_api/call/ask", json={"data": [SEED_QUESTION, [], "", ""]},
                       headers=headers).json()["event_id"]
    return httpx.get(f"{chat}/gradio_api/call/ask/{event}", timeout=60).text


def test_a_forwarded_address_from_a_client_that_is_no_proxy_changes_nothing(
        limited_app: RunningApp) -> None:
    articles = f"{limited_app.url}/api/articles?limit=1"
    assert [httpx.get(articles).status_code for _ in range(2)] == [200, 200]
    dodges = [httpx.get(articles, headers={"X-Forwarded-For": f"203.0.113.{n}"})
              for n in range(1, 6)]
    assert [r.status_code for r in dodges] == [429] * 5
    assert all(int(r.headers["Retry-After"]) > 0 for r in dodges)
    chat = _call_ask(f"{limited_app.url}/ui", {"X-Forwarded-For": "203.0.113.77"})
    assert "Too many questions" in chat


def test_forty_wrong_api_keys_get_ten_401_then_429_for_that_address_only(
        keyed_app: RunningApp) -> None:
    ask = f"{keyed_app.url}/api/articles?limit=1"
    guesser = {"X-Forwarded-For": "203.0.113.50"}  # keyed_app believes its proxy on 127.0.0.1
    answers = [httpx.get(ask, headers={**guesser, "X-API-Key": f"guess-{n}"})
               for n in range(40)]
    assert [r.status_code for r in answers] == [401] * 10 + [429] * 30
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    assert "wrong keys" in answers[-1].json()["detail"]
    # Even the right key is refused from there now; elsewhere it works.
    assert httpx.get(ask, headers={**guesser, "X-API-Key": API_KEY}).status_code == 429
    assert httpx.get(ask, headers={"X-Forwarded-For": "203.0.113.51",
                                   "X-API-Key": API_KEY}).status_code == 200


def test_wrong_admin_keys_in_the_library_are_throttled_too(keyed_app: RunningApp) -> None:
    chat = f"{keyed_app.url}/ui"
    guesser = {"X-Forwarded-For": "203.0.113.60"}
    errors = [str(run_event(chat, "show", [f"guess-{n}"], headers=guesser)["output"])
              for n in range(11)]
    assert all("A valid admin key is needed" in e for e in errors[:10]), errors
    assert "Too many wrong keys" in errors[10]
    listing = run_event(chat, "show", [ADMIN_KEY], headers={"X-Forwarded-For": "203.0.113.61"})
    assert listing["success"], listing
    # The address's budget is one: the API refuses it too, before looking at its key.
    refused = httpx.get(f"{keyed_app.url}/api/articles",
                        headers={**guesser, "X-API-Key": API_KEY})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
