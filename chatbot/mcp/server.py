"""newsbot's tools for AI assistants, with the official MCP SDK: ``ask_news``, ``search_news``,
``news_timeline`` and ``list_articles``, each one ChatService call.

The same server runs over stdio (``newsbot mcp``, for a desktop assistant that starts it) and
over streamable HTTP at ``/mcp`` on ``newsbot serve`` (chatbot.web.mcp_mount adds the keys).
A tool's failure is a tool error whose text is the API's message for the same failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from chatbot.answering.citations.draft import as_citation
from chatbot.answering.citations.text import answer_markdown_parts
from chatbot.schema import Answer, ArticlePage, Citation, Filters, Timeline, Turn
from chatbot.service import ChatService, QuestionError

# Told the HTTP request a tool call came in (None over stdio): a refusal's message, or None to
# go ahead. The web app counts questions against the caller's rate limit with it.
Gate = Callable[[Any], str | None]

_READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)

Sources = Annotated[list[str] | None, Field(
    description="Only articles from these outlets (exact names, as list_articles shows them).")]
Since = Annotated[date | None, Field(description="Only articles published on or after this "
                                                 "day (YYYY-MM-DD).")]
Until = Annotated[date | None, Field(description="Only articles published on or before this "
                                                 "day (YYYY-MM-DD).")]
AsOf = Annotated[date | None, Field(description="Answer as of this day (YYYY-MM-DD): articles "
                                                "published after it are not used.")]


class SearchResults(BaseModel):
    """The passages that best match a query, best first, with their articles and offsets."""

    query: str
    passages: list[Citation] = Field(description="`n` is the rank; `passage` is "
                                                 "article_text[start:end].")


def build_server(service: ChatService, gate: Gate | None = None) -> MCPServer:
    """The MCP server over ``service``; ``gate`` decides each question over HTTP."""
    server = MCPServer("newsbot", title="newsbot", version="0.1.0", instructions=(
        "Answers questions about the news from the indexed articles; every sentence of an "
        "answer cites its source passage as [n]. Use ask_news for a question, search_news for "
        "passages, news_timeline for a story's dated developments, list_articles to see what "
        "is indexed."))

    def admit(ctx: Context) -> None:
        refusal = gate(ctx.request_context.request) if gate else None
        if refusal:
            raise ToolError(refusal)

    def failing(exc: Exception) -> ToolError:
        down = service.store_failure(exc)
        if isinstance(exc, QuestionError) or down is None:
            return ToolError(str(exc))
        return ToolError(f"The article store is unavailable: {down}")

    @server.tool(annotations=_READ_ONLY)
    def ask_news(
        question: Annotated[str, Field(description="The question, in plain language.")],
        ctx: Context,
        history: Annotated[list[Turn] | None, Field(
            description="Earlier turns of the conversation, oldest first, so that a follow-up "
                        "('And what about Israel?') is understood.")] = None,
        sources: Sources = None, since: Since = None, until: Until = None, as_of: AsOf = None,
    ) -> Annotated[CallToolResult, Answer]:
        """Answer a question from the indexed news articles. The text is the answer, each
        sentence ending with [n] markers, and its numbered sources; the structured result is
        the Answer: citations with their passages and offsets, declined, standalone question."""
        admit(ctx)
        filters = Filters(sources=sources or [], since=since, until=until, as_of=as_of)
        try:
            answer = service.ask(question, history or [], filters)
        except Exception as exc:
            raise failing(exc) from exc
        return CallToolResult(
            content=[TextContent(type="text", text="".join(answer_markdown_parts(answer)))],
            structured_content=answer.model_dump(mode="json"))

    @server.tool(annotations=_READ_ONLY)
    def search_news(
        query: Annotated[str, Field(description="What to look for, in plain language.")],
        ctx: Context,
        k: Annotated[int, Field(ge=1, le=50, description="How many passages.")] = 5,
        sources: Sources = None, since: Since = None, until: Until = None, as_of: AsOf = None,
    ) -> SearchResults:
        """Find the passages of the indexed articles that best match a query, best first, each
        with its article's title, outlet, date and link and its offsets in the article."""
        admit(ctx)
        filters = Filters(sources=sources or [], since=since, until=until, as_of=as_of)
        try:
            text = service.validate_question(query)
            found = service.retrieve(text, k, filters)
        except Exception as exc:
            raise failing(exc) from exc
        return SearchResults(query=text, passages=[
            as_citation(n, passage) for n, passage in enumerate(found, 1)])

    @server.tool(annotations=_READ_ONLY)
    def news_timeline(
        topic: Annotated[str, Field(description="The story, as a topic ('the Gaza truce "
                                                "talks') or a question.")],
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=50, description="Developments to return.")] = 10,
        sources: Sources = None, since: Since = None, until: Until = None, as_of: AsOf = None,
    ) -> Timeline:
        """A story's developments, newest first: each one sentence quoted from an article, with
        its day and citations; reports of one development by several outlets are one entry,
        dated by the earliest. ``declined`` when the index has nothing on the topic."""
        admit(ctx)
        filters = Filters(sources=sources or [], since=since, until=until, as_of=as_of)
        try:
            return service.timeline(topic, filters, limit)
        except Exception as exc:
            raise failing(exc) from exc

    @server.tool(annotations=_READ_ONLY)
    def list_articles(
        query: Annotated[str, Field(description="Only articles whose title or outlet contains "
                                                "this (any case); empty for all.")] = "",
        offset: Annotated[int, Field(ge=0, description="Articles to skip.")] = 0,
        limit: Annotated[int, Field(ge=1, le=500, description="Articles to return.")] = 20,
    ) -> ArticlePage:
        """List the indexed articles, newest first, a page at a time (no text)."""
        try:
            return service.find_articles(query, offset, limit)
        except Exception as exc:
            raise failing(exc) from exc

    return server
