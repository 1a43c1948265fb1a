"""Gradio's official Python client gets an answer from the running app."""

from __future__ import annotations

import pytest
from gradio_client import Client

from tests.conftest import SEED_QUESTION
from tests.web.conftest import LiveSite


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
