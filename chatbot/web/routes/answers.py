"""``/api/ask`` (one JSON answer) and ``/api/chat`` (the same answer streamed as SSE)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from chatbot.schema import Answer, Filters, StreamEvent, Text, Turn
from chatbot.service import ChatService
from chatbot.web.routes.deps import (
    ERRORS,
    GUARD,
    Service,
    check_question,
    explain,
    failure_while_streaming,
)

# A comment line this often keeps proxies from closing a stream that waits on a slow model.
_PING_SECONDS = 15
_SEP = "\n"  # plain LF line ends, as before (the spec allows CRLF too; some clients do not)

router = APIRouter(prefix="/api", tags=["answers"], dependencies=[GUARD])


class AskRequest(BaseModel):
    """A question, the conversation so far (for follow-ups) and optional filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "What does Hamas require before hostage talks?", "history": [],
         "filters": {"sources": [], "since": None, "until": None}}]})

    question: Text = Field(description="The question, in plain language.")
    history: list[Turn] = Field(default_factory=list, max_length=100,
                                description="Earlier turns, oldest first.")
    filters: Filters | None = None


@router.post("/ask", response_model=Answer, responses=ERRORS)
def ask(body: AskRequest, service: Service) -> Answer:
    """Answer one question; the Answer's citations list the passages it rests on."""
    check_question(service, body.question)
    try:
        return service.ask(body.question, body.history, body.filters)
    except Exception as exc:
        raise explain(service, exc) from exc


@router.post("/chat", responses={
    **ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
        "Server-sent events: `delta` events carry text to show as it arrives; the last "
        "event is `answer`, the full Answer JSON (authoritative, with the citations); "
        "a failure after the stream started is an `error` event.")}})
async def chat(body: AskRequest, service: Service) -> EventSourceResponse:
    """Stream the answer as server-sent events, ending with the Answer and its citations."""
    check_question(service, body.question)
    events = service.stream(body.question, body.history, body.filters)
    try:  # retrieval runs before the first event: a down store is still a 503 here
        first = await run_in_threadpool(next, events)
    except Exception as exc:
        raise explain(service, exc) from exc
    # sse-starlette writes the wire format, pings while the model thinks, and stops reading
    # the answer when the client goes away.
    return EventSourceResponse(
        _sse(service, first, events), ping=_PING_SECONDS, sep=_SEP,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _sse(service: ChatService, first: StreamEvent, rest: Iterator[StreamEvent],
         ) -> Iterator[ServerSentEvent]:
    """Server-sent events: ``delta`` {text}, then ``answer`` (the Answer), or ``error``."""
    event: StreamEvent | None = first
    try:
        while event is not None:
            if event.answer is not None:
                yield _event("answer", event.answer.model_dump_json())
            else:
                yield _event("delta", json.dumps({"text": event.delta}))
            event = next(rest, None)
    except Exception as exc:
        status, detail = failure_while_streaming(service, exc)
        yield _event("error", json.dumps({"status": status, "detail": detail}))


def _event(name: str, data: str) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=name, sep=_SEP)
