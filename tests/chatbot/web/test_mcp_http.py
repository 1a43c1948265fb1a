"""The MCP tools at /mcp on the real server (127.0.0.1), through the SDK's own client over
streamable HTTP: the same keys as the API and the same rate limit, shared with the other faces."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from tests import mcp_tools
from tests.chatbot.web.conftest import PLUG_KEYS, PLUG_RATE_LIMIT, RunningApp


def run(app: RunningApp, scenario: Callable[[Client], Awaitable[None]],
        headers: dict[str, str] | None = None, statuses: list[int] | None = None) -> None:
    """``scenario`` with a client connected to the app's /mcp, sending ``headers``; the status
    of every HTTP response the client receives is added to ``statuses``."""
    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    async def connected() -> None:
        http = httpx2.AsyncClient(headers=headers if headers is not None else {
            "Authorization": f"Bearer {PLUG_KEYS['mcp']}"}, timeout=120,
            event_hooks={"response": [record]})
        async with http, Client(streamable_http_client(f"{app.url}/mcp",
                                                       http_client=http)) as client:
            await scenario(client)

    mcp_tools.run_apart(connected)


def test_the_tools_are_listed_with_what_their_arguments_mean(plugs_app: RunningApp) -> None:
    run(plugs_app, mcp_tools.check_tool_list)


def test_ask_news_answers_with_cited_text_and_the_structured_answer(
        plugs_app: RunningApp) -> None:
    run(plugs_app, mcp_tools.check_ask_news)


def test_search_news_news_timeline_and_list_articles(plugs_app: RunningApp) -> None:
    async def each(client: Client) -> None:
        await mcp_tools.check_search_news(client)
        await mcp_tools.check_news_timeline(client)
        await mcp_tools.check_list_articles(client, total=2)

    run(plugs_app, each)


def test_errors_are_tool_errors(plugs_app: RunningApp) -> None:
    run(plugs_app, mcp_tools.check_errors_are_tool_errors_with_the_apis_messages)


def test_the_api_key_is_required_as_x_api_key_or_bearer(plugs_app: RunningApp) -> None:
    guesser = {"X-Forwarded-For": "203.0.113.31"}  # wrong keys throttle their own address
    for headers in (guesser, {"Authorization": "Bearer wrong", **guesser},
                    {"X-API-Key": "wrong", **guesser}):
        statuses: list[int] = []
        with pytest.raises(BaseExceptionGroup) as refused:  # the SDK's task groups wrap it
            run(plugs_app, mcp_tools.check_tool_list, headers, statuses)
        assert refused.group_contains(MCPError, depth=2)
        assert statuses and set(statuses) == {401}
    statuses = []
    run(plugs_app, mcp_tools.check_tool_list, {"X-API-Key": PLUG_KEYS["mcp"]}, statuses)
    assert statuses and set(statuses) == {200}
    raw = httpx.post(f"{plugs_app.url}/mcp", json={}, headers=guesser)
    assert raw.status_code == 401 and "X-API-Key" in raw.json()["detail"]


def test_questions_share_the_clients_rate_limit_with_the_other_faces(
        plugs_app: RunningApp) -> None:
    key = PLUG_KEYS["shared"]
    for _ in range(PLUG_RATE_LIMIT):  # the whole minute's budget, spent on the OpenAI face
        assert httpx.get(f"{plugs_app.url}/v1/models",
                         headers={"Authorization": f"Bearer {key}"}).status_code == 200

    async def refused(client: Client) -> None:
        result = await client.call_tool("ask_news", {"question": "Who?"})
        assert result.is_error and mcp_tools.error_text(result).startswith(
            "Error executing tool ask_news: Too many questions: please wait")
        listing = await client.call_tool("list_articles", {})
        assert not listing.is_error  # listing what is indexed asks no question

    run(plugs_app, refused, {"X-API-Key": key})
