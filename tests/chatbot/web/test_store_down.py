"""When the Chroma server goes away, the API says so with a 503 instead of failing obscurely,
and answers again as soon as the server is back, without a restart of newsbot."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from chatbot.service import create_service
from chatbot.web.app import create_app
from tests.chatbot.web.conftest import web_settings
from tests.conftest import LOOPBACK, SEED_QUESTION, SEEDS, start_chroma_server


@pytest.mark.slow
def test_an_unreachable_store_gives_503_with_a_clear_message_and_recovers_when_back(
        tmp_path: Path) -> None:
    process, url = start_chroma_server(tmp_path / "chroma")
    try:
        settings = web_settings(tmp_path / "data", chroma_url=url)
        create_service(settings).ingest([SEEDS])
        with TestClient(create_app(settings), base_url=LOOPBACK) as client:
            before = client.post("/api/ask", json={"question": SEED_QUESTION})
            assert before.status_code == 200
            process.terminate()
            process.wait(timeout=30)

            health = client.get("/api/health")
            assert health.status_code == 503
            assert health.json()["status"] == "unavailable"
            assert health.json()["store"] == "unreachable"
            for response in (client.post("/api/ask", json={"question": SEED_QUESTION}),
                             client.post("/api/chat", json={"question": SEED_QUESTION}),
                             client.get("/api/articles")):
                assert response.status_code == 503, response.text
                assert response.json()["detail"].startswith("The article store is unavailable")
            for stream in (False, True):  # the OpenAI face: the same status, in its shape
                response = client.post("/v1/chat/completions", json={
                    "model": "newsbot", "stream": stream,
                    "messages": [{"role": "user", "content": SEED_QUESTION}]})
                assert response.status_code == 503, response.text
                error = response.json()["error"]
                assert error["code"] == "service_unavailable"
                assert error["message"].startswith("The article store is unavailable")

            # The same server comes back on the same address: the same app answers again.
            process, _ = start_chroma_server(tmp_path / "chroma", urlparse(url).port)
            assert client.get("/api/health").json()["status"] == "ok"
            after = client.post("/api/ask", json={"question": SEED_QUESTION})
            assert after.status_code == 200, after.text
            assert after.json()["answer"] == before.json()["answer"]
            assert after.json()["citations"] == before.json()["citations"]
            assert client.get("/api/articles").json()["total"] == 1
            chat = client.post("/api/chat", json={"question": SEED_QUESTION})
            assert chat.status_code == 200 and "event: answer" in chat.text
    finally:
        process.kill()
        process.wait(timeout=30)
