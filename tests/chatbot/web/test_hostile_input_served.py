"""Input written to slip through, sent to the real server: loopback dressed as IPv6 is still
refused as a feed (and a refusal never says what a name resolved to), input that is not text
or out of range gets a clear 4xx instead of a 500, a file nested too deeply fails alone in its
batch, unknown filter keys are refused, the Library says what to fix, and bidi controls in
titles, outlets and file names are written out instead of reordering the text."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.chatbot.web.conftest import RunningApp
from tests.chatbot.web.gradio_calls import event_text, file_data, run_event, upload_files
from tests.conftest import SEED_QUESTION

RLO = "\u202e"


def _status(message: dict[str, Any]) -> str:
    """The text of an event's outputs (the status line, a listing), or its error."""
    output = message.get("output") or {}
    texts = [item for item in output.get("data", []) if isinstance(item, str)]
    return " ".join(texts) or str(output.get("error"))


@pytest.mark.parametrize("host", ["[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]",
                                  "[::ffff:7f00:1]", "localhost"])
def test_loopback_in_any_ipv6_form_is_refused_as_a_feed_without_naming_its_address(
        writable_app: RunningApp, host: str) -> None:
    chat = f"{writable_app.url}/ui"
    url = f"http://{host}:9/rss.xml"
    said = _status(run_event(chat, "add", [url, "", ""]))
    assert "Cannot add that feed: refused to connect" in said, said
    named = said.replace(host.strip("[]"), "")
    assert "127.0.0.1" not in named and "::1" not in named
    assert url not in event_text(run_event(chat, "show", [""]))


@pytest.mark.parametrize("body", [
    b'{"question": "\\ud800"}',
    b'{"question": "Who?", "filters": {"sources": ["\\udfff"]}}',
    b'{"question": "Who?", "history": [{"role": "user", "content": "\\ud83d"}]}',
    b'{"question": "Who?", "filters": {"$where": "1"}}',
])
def test_lone_surrogates_and_unknown_filter_keys_get_a_422_that_says_why(
        writable_app: RunningApp, body: bytes) -> None:
    for path in ("/api/ask", "/api/chat"):
        response = httpx.post(f"{writable_app.url}{path}", content=body,
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (path, response.text)
        detail = json.dumps(response.json()["detail"])
        assert "surrogate" in detail or "Extra inputs are not permitted" in detail


@pytest.mark.parametrize(("path", "body"), [
    ("/api/timeline", b'{"topic": "the \\ud800 talks"}'),
    ("/api/watches", b'{"question": "Who \\udfff?"}'),
    ("/v1/chat/completions",
     b'{"model": "newsbot", "messages": [{"role": "user", "content": "Who \\ud83d?"}]}'),
    ("/v1/chat/completions", b'{"model": "newsbot", "messages": [{"role": "user", '
                             b'"content": [{"type": "text", "text": "\\ud800"}]}]}'),
])
def test_lone_surrogates_on_the_story_desk_and_the_openai_face_get_a_422(
        writable_app: RunningApp, path: str, body: bytes) -> None:
    response = httpx.post(f"{writable_app.url}{path}", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422, (path, response.text)
    assert "surrogate" in json.dumps(response.json())


def test_an_offset_past_any_store_is_a_422(writable_app: RunningApp) -> None:
    articles = f"{writable_app.url}/api/articles"
    assert httpx.get(articles, params={"offset": 10**18}).status_code == 422
    last = httpx.get(articles, params={"offset": 2**31 - 1})
    assert last.status_code == 200 and last.json()["articles"] == []


def test_a_deeply_nested_json_file_fails_alone_and_the_batch_is_ingested(
        writable_app: RunningApp) -> None:
    chat = f"{writable_app.url}/ui"
    story = (f"Ferry returns {uuid.uuid4().hex[:6]}\n\nThe ferry to Port Elms sailed again on "
             "Tuesday after its engine was repaired, the operator said.\n")
    stored = upload_files(chat, [("deep.json", b"[" * 50_000 + b"]" * 50_000),
                                 ("ferry.txt", story.encode())])
    assert stored.status_code == 200
    said = _status(run_event(chat, "upload", [[file_data(p) for p in stored.json()], ""]))
    assert "1 added" in said, said
    assert "deep.json: malformed JSON: nested too deeply" in said


def test_the_library_says_what_to_fix_in_a_feed_it_refuses(writable_app: RunningApp) -> None:
    said = _status(run_event(f"{writable_app.url}/ui", "add", ["ftp://feeds.example/x", "", ""]))
    assert "a feed URL must start with http:// or https://" in said, said
    assert "For further information" not in said


def test_bidi_controls_in_titles_outlets_and_file_names_are_written_out(
        writable_app: RunningApp) -> None:
    chat = f"{writable_app.url}/ui"
    tag = uuid.uuid4().hex[:6]
    article = {"id": f"bidi-{tag}", "title": f"Vexbury flood{RLO}gnp.exe {tag}",
               "source": f"Gazette{RLO}", "published": "2024-03-01",
               "text": "The river at Vexbury rose above its banks on Sunday, flooding the "
                       "market square, the council said."}
    stored = upload_files(chat, [(f"bidi-{tag}.json", json.dumps(article).encode()),
                                 (f"notes{RLO}dm.txt", b"")])
    assert stored.status_code == 200
    said = _status(run_event(chat, "upload", [[file_data(p) for p in stored.json()], ""]))
    assert "1 added" in said and "notes[U+202E]dm.txt: empty file" in said, said
    listing = _status(run_event(chat, "turn", ["", tag, 0]))
    assert "1 article matching" in listing, listing
    assert f"Vexbury flood[U+202E]gnp.exe {tag}" in listing and "Gazette[U+202E]" in listing
    assert RLO not in said + listing
    answer = httpx.post(f"{writable_app.url}/api/ask", json={"question": SEED_QUESTION},
                        timeout=60)
    assert answer.status_code == 200  # the API still returns titles as they were written
