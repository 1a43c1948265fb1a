"""The HTTP API against the real service: real store, real embedding model, real FastAPI app."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.web.app import create_app
from chatbot.web.routes import answers
from tests.chatbot.web.conftest import wait_for_chat, web_settings
from tests.conftest import LOOPBACK, SEED_QUESTION
from tests.fake_llm import FakeLLMServer


@pytest.fixture(scope="module")
def client(web_data_dir: Path) -> Iterator[TestClient]:
    settings = web_settings(web_data_dir, cors_origins=["https://intranet.example.com"],
                            embed_origins=["https://intranet.example.com"])
    with TestClient(create_app(settings), base_url=LOOPBACK) as test_client:
        wait_for_chat(test_client.get)
        yield test_client


def _sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_answers_the_seed_question_with_a_verbatim_cited_passage(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": SEED_QUESTION})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["answer"].endswith("]")
    assert not answer["declined"]
    first = answer["citations"][0]
    assert first["n"] == 1 and first["article_id"] == "000_795694ea5ffbf6dd"
    for claim in answer["claims"]:  # each sentence is quoted from the passage it cites
        assert claim["text"] in answer["citations"][claim["citations"][0] - 1]["passage"]
    assert answer["standalone_question"] == SEED_QUESTION
    assert answer["timings_ms"]["total_ms"] > 0
    # Each sentence comes with the outlet and date of its source (the seed file has neither).
    claims = answer["claims"]
    assert [c["citations"][0] for c in claims] == [
        int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    assert all(c["source"] == "" and c["published"] == "" and not c["older"] for c in claims)


def test_ask_honours_filters_and_history(client: TestClient) -> None:
    filtered = client.post("/api/ask", json={
        "question": SEED_QUESTION, "filters": {"sources": ["No Such Outlet"]}}).json()
    assert filtered["declined"] and filtered["citations"] == []
    with_history = client.post("/api/ask", json={
        "question": SEED_QUESTION,
        "history": [{"role": "user", "content": "Hello"},
                    {"role": "assistant", "content": "Hi"}]})
    assert with_history.status_code == 200 and not with_history.json()["declined"]


def test_chat_streams_text_then_ends_with_the_answer_and_its_citations(client: TestClient,
                                                                        ) -> None:
    with client.stream("POST", "/api/chat", json={"question": SEED_QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 2
    final = events[-1][1]
    assert "".join(data["text"] for _, data in events[:-1]).strip() == final["answer"]
    assert final["citations"][0]["n"] == 1 and "[1]" in final["answer"]


def test_health_reports_store_counts_the_model_and_the_chat(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health == {"status": "ok", "store": "reachable", "articles": 2, "passages": 5,
                      "model_loaded": True, "embedding_dimension": 384, "detail": None,
                      "ui": "ready", "mcp": "ready"}


def test_articles_are_listed_a_page_at_a_time(client: TestClient) -> None:
    first = client.get("/api/articles", params={"limit": 1}).json()
    assert (first["total"], first["offset"], first["next_offset"]) == (2, 0, 1)
    second = client.get("/api/articles", params={"offset": 1, "limit": 1}).json()
    assert second["next_offset"] is None
    ids = {first["articles"][0]["id"], second["articles"][0]["id"]}
    assert ids == {"000_795694ea5ffbf6dd", "xss-harbour"}
    assert client.get("/api/articles", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize("body", [
    b'{"question": "unterminated',
    b'{"history": []}',
    b'{"question": 42}',
    b'{"question": "Who?", "history": [{"role": "narrator", "content": "x"}]}',
    b'{"question": "Who?", "filters": {"since": "last week"}}',
    b'{"question": "Who?", "unknown": 1}',
    b'{"question": "   "}',
])
def test_malformed_bodies_are_refused_with_422(client: TestClient, body: bytes) -> None:
    response = client.post("/api/ask", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_a_huge_question_is_refused_with_413_and_the_limit(client: TestClient) -> None:
    for path in ("/api/ask", "/api/chat"):
        response = client.post(path, json={"question": "why " * 1000})
        assert response.status_code == 413
        assert "the limit is 2,000" in response.json()["detail"]
    huge_body = client.post("/api/ask", json={"question": "Who?", "history": [
        {"role": "user", "content": "x" * 600_000}, {"role": "user", "content": "y" * 600_000}]})
    assert huge_body.status_code == 413
    assert "larger than 1,000,000 bytes" in huge_body.json()["detail"]


def test_huge_body_without_content_length_is_still_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(200):
            yield b"x" * 10_000
        yield b'"}'

    response = client.post("/api/ask", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_keys_when_configured_are_required_on_the_api_but_not_for_health(
        web_data_dir: Path) -> None:
    settings = web_settings(web_data_dir, api_keys=["k-one", "k-two"])
    with TestClient(create_app(settings), base_url=LOOPBACK) as keyed:
        for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
            response = keyed.post("/api/ask", json={"question": SEED_QUESTION}, headers=headers)
            assert response.status_code == 401
            assert "X-API-Key" in response.json()["detail"]
        assert keyed.get("/api/articles").status_code == 401
        assert keyed.post("/api/chat", json={"question": SEED_QUESTION}).status_code == 401
        ok = keyed.post("/api/ask", json={"question": SEED_QUESTION},
                        headers={"X-API-Key": "k-two"})
        assert ok.status_code == 200 and ok.json()["citations"]
        assert keyed.get("/api/health").status_code == 200


def test_rate_limit_answers_429_with_retry_after(web_data_dir: Path) -> None:
    settings = web_settings(web_data_dir, rate_limit_per_minute=2)
    with TestClient(create_app(settings), base_url=LOOPBACK) as limited:
        codes = [limited.post("/api/ask", json={"question": SEED_QUESTION}).status_code
                 for _ in range(2)]
        refused = limited.post("/api/chat", json={"question": SEED_QUESTION})
        assert codes == [200, 200]
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert 50 <= wait <= 60  # the first question leaves the sliding minute
        assert f"wait {wait} s" in refused.json()["detail"]
        assert limited.get("/api/health").status_code == 200  # probes are never limited


def test_cors_and_framing_follow_the_configured_origins(client: TestClient) -> None:
    allowed = client.options("/api/ask", headers={
        "Origin": "https://intranet.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example.com"
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
    other = client.post("/api/ask", json={"question": SEED_QUESTION},
                        headers={"Origin": "https://elsewhere.example.org"})
    assert "access-control-allow-origin" not in other.headers
    page = client.get("/ui/")
    assert page.status_code == 200
    assert (page.headers["content-security-policy"]
            == "frame-ancestors 'self' https://intranet.example.com")
    assert page.headers["x-content-type-options"] == "nosniff"


def test_widget_script_and_offline_docs_are_served(client: TestClient) -> None:
    widget = client.get("/widget.js")
    assert widget.status_code == 200
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in widget.text and "data-title" in widget.text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/chat", "/api/health", "/api/articles"} <= set(schema["paths"])
    assert "AskRequest" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"


def test_chat_stream_sends_keep_alive_comments_while_the_model_is_slow(
        web_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answers, "_PING_SECONDS", 0.1)
    fake_llm = FakeLLMServer()  # "drip": a token every 0.2 s until the answer's deadline
    try:
        settings = web_settings(web_data_dir, answerer="openai", llm_base_url=fake_llm.url("drip"),
                                llm_timeout=3.0)
        with TestClient(create_app(settings), base_url=LOOPBACK) as client, \
                client.stream("POST", "/api/chat", json={"question": SEED_QUESTION}) as response:
            assert response.status_code == 200
            text = response.read().decode()
    finally:
        fake_llm.close()
    blocks = text.strip().split("\n\n")
    assert any(block.startswith(":") for block in blocks)  # comments keep proxies patient
    events = _sse("\n\n".join(b for b in blocks if not b.startswith(":")))
    assert events[0][0] == "delta" and events[-1][0] == "answer"
