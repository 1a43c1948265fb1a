"""DNS rebinding and cross-origin writes on the real server: a request naming a host the
server is not for is refused, and so is a browser's state-changing request from another
origin, to the API and to Gradio's endpoints alike."""

from __future__ import annotations

import httpx
import pytest

from tests.chatbot.web.conftest import RunningApp
from tests.chatbot.web.gradio_calls import event_text, run_event
from tests.conftest import SEED_QUESTION

REBOUND = "rebind.attacker.example"


def _port(app: RunningApp) -> int:
    return int(app.url.rsplit(":", 1)[1])


def _sources(app: RunningApp) -> str:
    return event_text(run_event(f"{app.url}/ui", "show", [""]))


def test_a_rebound_host_name_is_refused_on_every_path(writable_app: RunningApp) -> None:
    rebound = {"Host": f"{REBOUND}:{_port(writable_app)}"}
    for method, path in (("GET", "/ui/"), ("GET", "/api/health"), ("GET", "/ui/config"),
                         ("POST", "/api/ask")):
        response = httpx.request(method, f"{writable_app.url}{path}", headers=rebound,
                                 json={"question": SEED_QUESTION})
        assert response.status_code == 400, (path, response.status_code)
        assert "allowed_hosts" in response.json()["detail"]
    feed = f"https://{REBOUND}/rebound.xml"
    joined = run_event(f"{writable_app.url}/ui", "add", [feed, "", ""], headers=rebound)
    assert joined.get("status") == 400
    assert feed not in _sources(writable_app)


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_loopback_names_are_served(writable_app: RunningApp, name: str) -> None:
    response = httpx.get(f"{writable_app.url}/ui/",
                         headers={"Host": f"{name}:{_port(writable_app)}"})
    assert response.status_code == 200


def test_a_configured_host_name_is_served_and_others_are_not(limited_app: RunningApp) -> None:
    port = _port(limited_app)
    named = httpx.get(f"{limited_app.url}/api/health",
                      headers={"Host": f"news.intranet.example:{port}"})
    assert named.status_code == 200
    assert httpx.get(f"{limited_app.url}/api/health",
                     headers={"Host": f"other.intranet.example:{port}"}).status_code == 400


def test_writes_from_another_origin_are_refused_and_the_own_origin_is_served(
        writable_app: RunningApp) -> None:
    chat = f"{writable_app.url}/ui"
    for origin in ("http://evil.example", "null", f"http://{REBOUND}:{_port(writable_app)}",
                   "http://127.0.0.1:1"):
        ask = httpx.post(f"{writable_app.url}/api/ask", json={"question": SEED_QUESTION},
                         headers={"Origin": origin})
        assert ask.status_code == 403, (origin, ask.status_code)
        feed = f"https://feeds.example/{abs(hash(origin))}.xml"
        joined = run_event(chat, "add", [feed, "", ""], headers={"Origin": origin})
        assert joined.get("status") == 403
        assert feed not in _sources(writable_app)
    own = {"Origin": writable_app.url}
    assert httpx.post(f"{writable_app.url}/api/ask", json={"question": SEED_QUESTION},
                      headers=own, timeout=60).status_code == 200
    added = run_event(chat, "add", ["https://feeds.example/own.xml", "", ""], headers=own)
    assert "Added https://feeds.example/own.xml" in event_text(added)
    assert httpx.get(f"{chat}/", headers={"Origin": "http://evil.example"}).status_code == 200
