"""``/mcp``: newsbot's MCP tools over streamable HTTP, with the API's keys and rate limit.

The MCP SDK is imported and its server built in a worker thread once the app serves, like the
chat page (chatbot.web.ui.deferred): ``newsbot serve`` is healthy as soon as before, and a
request that comes earlier gets a 503 with Retry-After. Its session manager runs in one task
from start to shutdown (its task group must be entered and left by the same task).

The transport is stateless (each request stands alone, answered as JSON), so several serve
processes behind a load balancer need no shared sessions. A request needs a key when keys are
configured (``X-API-Key`` or ``Authorization: Bearer``); questions and searches count against
the caller's rate limit, as on the API, and a refusal is the tool's error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from chatbot.web.routes.deps import WebContext, refuse_over_limit, refuse_unknown_key
from chatbot.web.security import presented_key
from chatbot.web.ui.deferred import UIState, in_daemon_thread

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"
_RETRY_SECONDS = 2


class MCPMount:
    """The ASGI endpoint at ``/mcp`` and the lifespan that runs its MCP server."""

    def __init__(self, context: WebContext, host: str, max_request_bytes: int) -> None:
        self._context = context
        self._host = host
        self._max_request_bytes = max_request_bytes
        self._manager: StreamableHTTPSessionManager | None = None
        self.state: UIState = "starting"
        self._stop = asyncio.Event()

    def route(self) -> Route:
        return Route(MCP_PATH, endpoint=self, include_in_schema=False)

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(self._run(), name="mcp")
        try:
            yield
        finally:
            self._stop.set()  # a running session manager stops; a build still going is left
            if self._manager is None:
                task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        try:
            manager = await in_daemon_thread(self._build, "build-mcp-server")
            async with manager.run():
                self._manager = manager
                self.state = "ready"
                await self._stop.wait()
        except Exception:
            self.state = "failed"
            log.exception("the MCP server failed; the API still answers")

    def _build(self) -> StreamableHTTPSessionManager:
        from chatbot.mcp.server import build_server

        server = build_server(self._context.service, self._gate)
        server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
            max_request_body_size=self._max_request_bytes, host=self._host)
        return server.session_manager

    def _gate(self, request: Request | None) -> str | None:
        """A question's refusal over the rate limit, as the API words it."""
        if request is None:
            return None
        try:
            refuse_over_limit(self._context, request.client.host if request.client else None,
                              presented_key(request.headers))
        except HTTPException as refused:
            return str(refused.detail)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            request = Request(scope)
            refuse_unknown_key(self._context, request.client.host if request.client else None,
                               presented_key(request.headers))
        except HTTPException as refused:
            response = JSONResponse({"detail": refused.detail}, refused.status_code,
                                    headers=refused.headers)
            await response(scope, receive, send)
            return
        if self._manager is None:
            unready = (JSONResponse({"detail": "The MCP server failed to start; see the "
                                               "server's log."}, 503) if self.state == "failed" else
                       JSONResponse({"detail": "The MCP server is starting; try again shortly."},
                                    503, headers={"Retry-After": str(_RETRY_SECONDS)}))
            await unready(scope, receive, send)
            return
        await self._manager.handle_request(scope, receive, send)
