"""``newsbot mcp`` as a desktop assistant starts it: a subprocess speaking MCP over stdio,
driven by the SDK's own client, on the seed store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mcp import Client, StdioServerParameters

from tests import mcp_tools
from tests.conftest import REPO


def test_newsbot_mcp_serves_every_tool_over_stdio(seeded_dir: Path) -> None:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "chatbot.cli", "--data-dir", str(seeded_dir), "mcp"],
        cwd=str(REPO), env={**os.environ, "HF_HUB_OFFLINE": "1"})

    async def session() -> None:
        async with Client(server, read_timeout_seconds=120) as client:
            await mcp_tools.check_tool_list(client)
            await mcp_tools.check_ask_news(client)
            await mcp_tools.check_search_news(client)
            await mcp_tools.check_news_timeline(client)
            await mcp_tools.check_list_articles(client, total=1)
            await mcp_tools.check_errors_are_tool_errors_with_the_apis_messages(client)

    mcp_tools.run_apart(session)
