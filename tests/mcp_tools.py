"""What every transport of the MCP server must do, checked with the SDK's own client: the tools
listed with their argument descriptions, and each tool called on a store holding the seed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent

from tests.conftest import SEED_QUESTION

SEED_ID = "000_795694ea5ffbf6dd"
TOOLS = {"ask_news", "search_news", "news_timeline", "list_articles"}


def run_apart(session: Callable[[], Awaitable[None]]) -> None:
    """Run an async client session on a thread of its own: the browser tests' Playwright
    keeps an event loop running on the main thread for the whole test session."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, session).result()


async def check_tool_list(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    ask = tools["ask_news"].input_schema
    assert ask["required"] == ["question"]
    assert set(ask["properties"]) == {"question", "history", "sources", "since", "until",
                                      "as_of"}
    for tool in tools.values():  # every argument says what it means
        assert tool.description
        assert all(arg.get("description") for arg in tool.input_schema["properties"].values())
    assert tools["ask_news"].output_schema["title"] == "Answer"


async def check_ask_news(client: Client) -> None:
    result = await client.call_tool("ask_news", {"question": SEED_QUESTION})
    assert not result.is_error
    text = error_text(result)
    assert "military campaign in Gaza" in text and "[1]" in text and "**Sources**" in text
    answer = result.structured_content
    assert answer is not None and not answer["declined"]
    first = answer["citations"][0]
    assert first["article_id"] == SEED_ID and first["end"] - first["start"] == len(
        first["passage"])
    truce = "What is Hamas's position on a temporary truce?"
    first_turn = await client.call_tool("ask_news", {"question": truce})
    follow_up = await client.call_tool("ask_news", {
        "question": "And what about Israel?",
        "history": [{"role": "user", "content": truce},
                    {"role": "assistant",
                     "content": (first_turn.structured_content or {})["answer"]}]})
    assert (follow_up.structured_content or {})["standalone_question"] == (
        "What is Israel's position on a temporary truce?")
    filtered = await client.call_tool("ask_news", {"question": SEED_QUESTION,
                                                   "sources": ["No Such Outlet"]})
    assert (filtered.structured_content or {})["declined"]


async def check_search_news(client: Client) -> None:
    result = await client.call_tool("search_news", {"query": "hostage talks", "k": 2})
    assert not result.is_error and result.structured_content is not None
    passages = result.structured_content["passages"]
    assert 1 <= len(passages) <= 2 and [p["n"] for p in passages] == list(
        range(1, len(passages) + 1))
    seed = next(p for p in passages if p["article_id"] == SEED_ID)
    assert seed["title"] == "'Very serious' negotiations ongoing for new Gaza truce"
    assert seed["end"] - seed["start"] == len(seed["passage"]) > 0


async def check_news_timeline(client: Client) -> None:
    result = await client.call_tool("news_timeline", {"topic": "the Gaza truce talks"})
    assert not result.is_error and result.structured_content is not None
    story = result.structured_content
    assert story["topic"] == "the Gaza truce talks" and not story["declined"]
    for entry in story["entries"]:  # each development is quoted from the passage it cites
        assert entry["citations"][0]["article_id"] == SEED_ID
        assert entry["claim"] in entry["citations"][0]["passage"]
    assert story["entries"]
    elsewhere = await client.call_tool("news_timeline", {"topic": "the Gaza truce talks",
                                                         "sources": ["No Such Outlet"]})
    assert (elsewhere.structured_content or {})["declined"]


async def check_list_articles(client: Client, total: int) -> None:
    result = await client.call_tool("list_articles", {"query": "gaza"})
    assert not result.is_error and result.structured_content is not None
    page = result.structured_content
    assert page["total"] == 1 and page["articles"][0]["id"] == SEED_ID
    everything = await client.call_tool("list_articles", {"limit": 1})
    assert (everything.structured_content or {})["total"] == total


async def check_errors_are_tool_errors_with_the_apis_messages(client: Client) -> None:
    # The SDK names the tool before the message.
    empty = await client.call_tool("ask_news", {"question": "   "})
    assert empty.is_error and error_text(empty) == (
        "Error executing tool ask_news: Please type a question: the question is empty.")
    too_long = await client.call_tool("search_news", {"query": "why " * 1000})
    assert too_long.is_error and error_text(too_long) == (
        "Error executing tool search_news: The question is too long (3,999 characters; the "
        "limit is 2,000). Please shorten it.")


def error_text(result: CallToolResult) -> str:
    """The text of a result (a tool error's message)."""
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text
