"""``POST /api/timeline``: a story's dated developments, newest first, each cited."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from chatbot.schema import Filters, Text, Timeline
from chatbot.web.routes.deps import ERRORS, GUARD, Service, check_question, explain

router = APIRouter(prefix="/api", tags=["story desk"], dependencies=[GUARD])


class TimelineRequest(BaseModel):
    """A story (a topic, or a question asking for the latest on one) and optional filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"topic": "the hostage talks", "filters": {"as_of": None}, "limit": 10}]})

    topic: Text = Field(description="The story, in plain language.")
    filters: Filters | None = None
    limit: int = Field(10, ge=1, le=50, description="At most this many developments.")


@router.post("/timeline", response_model=Timeline, responses=ERRORS)
def timeline(body: TimelineRequest, service: Service) -> Timeline:
    """The story's developments, newest first: one sentence from an article each, with its
    outlet, day and citation; near-identical reports are one entry, dated by the earliest
    (``also_reported_by`` names the other outlets). ``declined`` when the index has nothing."""
    check_question(service, body.topic)
    try:
        return service.timeline(body.topic, body.filters, body.limit)
    except Exception as exc:
        raise explain(service, exc) from exc
