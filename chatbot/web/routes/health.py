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


@router.get("/health", response_model=ServerHealth, responses={503: {"model": ServerHealth}})
def health(context: Context) -> Any:
    """Is the store reachable, how much does it hold, is the embedding model loaded, has the
    chat page started. A chat page that failed to start makes the server unavailable."""
    report = ServerHealth(**context.service.health().model_dump(), ui=context.ui.state)
    if report.ui == "failed":
        report.status = "unavailable"
        report.detail = report.detail or "The chat page failed to start; see the server's log."
    if report.status != "ok":
        return JSONResponse(report.model_dump(), 503)
    return report
