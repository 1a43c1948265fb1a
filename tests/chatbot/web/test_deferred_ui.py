"""The API answers while the chat page starts; the chat's path says so, then serves the chat."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.web.app import create_app
from chatbot.web.ui import page
from tests.chatbot.web.conftest import wait_for_chat, web_settings
from tests.conftest import LOOPBACK, SEED_QUESTION


def test_the_api_answers_while_the_chat_starts_and_the_chat_follows(
        web_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    build_ui = page.build_ui

    def held_build(*args: Any) -> Any:
        assert release.wait(60), "the test never let the chat start"
        return build_ui(*args)

    monkeypatch.setattr(page, "build_ui", held_build)
    with TestClient(create_app(web_settings(web_data_dir)), base_url=LOOPBACK) as client:
        try:
            health = client.get("/api/health")
            assert health.status_code == 200
            assert (health.json()["status"], health.json()["ui"]) == ("ok", "starting")
            assert client.post("/api/ask", json={"question": SEED_QUESTION}).status_code == 200

            redirect = client.get("/", follow_redirects=False)
            assert redirect.headers["location"] == "/ui/"
            for path in ("/", "/ui", "/ui/", "/ui/config"):
                starting = client.get(path)
                assert starting.status_code == 503, path
                assert starting.headers["retry-after"] == "2"
                assert starting.headers["cache-control"] == "no-store"
                assert starting.headers["content-type"].startswith("text/html")
                assert "The chat is starting" in starting.text
                assert '<meta http-equiv="refresh" content="2">' in starting.text
            # The security headers apply to the placeholder as to the chat.
            assert "frame-ancestors" in client.get("/ui/").headers["content-security-policy"]
        finally:
            release.set()
        wait_for_chat(client.get)
        chat = client.get("/")
        assert chat.status_code == 200 and "retry-after" not in chat.headers
        assert client.get("/ui/config").json()["title"] == "newsbot"


def test_a_chat_that_fails_to_start_is_reported_and_the_api_still_answers(
        web_data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken_build(*args: Any) -> Any:
        raise RuntimeError("no <chat> today")

    monkeypatch.setattr(page, "build_ui", broken_build)
    with TestClient(create_app(web_settings(web_data_dir)), base_url=LOOPBACK) as client:
        with pytest.raises(AssertionError, match="failed to start"):
            wait_for_chat(client.get)
        health = client.get("/api/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable" and health.json()["ui"] == "failed"
        assert health.json()["store"] == "reachable"
        assert "chat page failed to start" in health.json()["detail"]
        failed = client.get("/ui/")
        assert failed.status_code == 503 and "retry-after" not in failed.headers
        assert "could not start" in failed.text and "<chat>" not in failed.text
        assert client.post("/api/ask", json={"question": SEED_QUESTION}).status_code == 200
    assert "no <chat> today" in caplog.text
