"""``/api/health``: can this server answer (store reachable, model loaded, chat started)?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from chatbot.schema import Health
from chatbot.web.routes.deps import Context
from chatbot.web.ui.deferred import UIState

router = APIRouter(prefix="/api", tags=["service"])


class ServerHealth(Health):
    """The service's health and the web chat's: the API answers while the chat still starts."""

    ui: UIState = Field(description="The chat page at /ui/: `starting` (for a few seconds "
                                    "after the server starts; the API already answers), "
                                    "`ready`, or `failed` (see the server's log).")
    mcp: UIState = Field(description="The MCP tools at /mcp: `starting` (for a second or two "
                                     "after the server starts), `ready`, or `failed`.")


@router.get("/health", response_model=ServerHealth, responses={503: {"model": ServerHealth}})
def health(context: Context) -> Any:
    """Is the store reachable, how much does it hold, is the embedding model loaded, have the
    chat page and the MCP tools started. Either failing makes the server unavailable."""
    mcp = context.mcp.state if context.mcp else "failed"
    report = ServerHealth(**context.service.health().model_dump(), ui=context.ui.state, mcp=mcp)
    failed = [part for part, state in (("chat page", report.ui), ("MCP server", mcp))
              if state == "failed"]
    if failed:
        report.status = "unavailable"
        report.detail = report.detail or (
            f"The {' and the '.join(failed)} failed to start; see the server's log.")
    if report.status != "ok":
        return JSONResponse(report.model_dump(), 503)
    return report
