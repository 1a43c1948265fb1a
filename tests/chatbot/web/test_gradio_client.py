"""Gradio's official Python client gets an answer from the running app."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.chatbot.web.conftest import LiveSite, serve_app, web_settings
from tests.conftest import SEED_QUESTION


@pytest.mark.slow
def test_gradio_client_gets_a_cited_answer_from_the_running_app(live: LiveSite) -> None:
    client = Client(live.chat_url, verbose=False, download_files=False)
    answer = client.predict(SEED_QUESTION, api_name="/ask")
    assert "military campaign in Gaza" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["citations"][0]["article_id"] == "000_795694ea5ffbf6dd"
    filtered = client.predict(SEED_QUESTION, ["No Such Outlet"], "", "", api_name="/ask")
    assert filtered["declined"] is True
    # Only the documented endpoint is offered; the page's own callbacks are private.
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == [
        "/ask"]


@pytest.mark.slow
def test_the_chat_shares_the_rate_limit_and_says_when_to_retry(web_data_dir: Path) -> None:
    app = serve_app(web_settings(web_data_dir, rate_limit_per_minute=1))
    try:
        client = Client(f"{app.url}/ui/", verbose=False, download_files=False)
        assert client.predict(SEED_QUESTION, api_name="/ask")["citations"]
        with pytest.raises(AppError, match=r"Too many questions: please wait \d+ s"):
            client.predict(SEED_QUESTION, api_name="/ask")
    finally:
        app.stop()
