"""``/api/health``: can this server answer (store reachable, model loaded)?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from chatbot.schema import Health
from chatbot.web.routes.deps import Service

router = APIRouter(prefix="/api", tags=["service"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(service: Service) -> Any:
    """Is the store reachable, how much does it hold, is the embedding model loaded."""
    report = service.health()
    if report.status != "ok":
        return JSONResponse(report.model_dump(), 503)
    return report
