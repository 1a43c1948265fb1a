"""``/api/watches``: questions asked again after every ingest and feed poll, their changes, and
Atom feeds of them. A watch belongs to the API key that made it (one shared owner on a server
without keys); another key neither sees nor removes it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chatbot.schema import Filters, Text, Watch, WatchChange
from chatbot.story.atom import MEDIA_TYPE, owner_feed_xml, watch_feed_xml
from chatbot.web.routes.deps import ERRORS, GUARD, Owner, Service, check_question

router = APIRouter(prefix="/api/watches", tags=["story desk"], dependencies=[GUARD])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No watch of yours has this id."}}


class WatchRequest(BaseModel):
    """The question to watch, and the filters it is asked with."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "What does Hamas require before hostage talks?", "filters": None}]})

    question: Text = Field(description="The question, in plain language.")
    filters: Filters | None = None


@router.post("", response_model=Watch, status_code=201, responses=ERRORS)
async def add_watch(body: WatchRequest, service: Service, owner: Owner) -> Watch:
    """Watch a question: it is answered now, and again whenever new articles could change the
    answer; each change is kept, shown in the chat's Watching panel and the feeds, and sent to
    the server's webhooks."""
    question = body.question.strip()
    check_question(service, question)
    return await run_in_threadpool(service.watches.add, owner, question, body.filters)


@router.get("", response_model=list[Watch])
def list_watches(service: Service, owner: Owner) -> list[Watch]:
    """Your watches, oldest first, each with its latest answer and unread changes."""
    return service.watches.store.watches(owner)


@router.get("/feed.xml", response_class=Response,
            responses={200: {"content": {"application/atom+xml": {}}}})
def owner_feed(request: Request, service: Service, owner: Owner) -> Response:
    """An Atom feed of the changes of all your watches, newest first."""
    store = service.watches.store
    return Response(owner_feed_xml(owner, str(request.url), store.watches(owner),
                                   store.changes(owner)), media_type=MEDIA_TYPE)


@router.get("/{watch_id}", response_model=Watch, responses=_NOT_FOUND)
def get_watch(watch_id: str, service: Service, owner: Owner) -> Watch:
    return _owned(service, owner, watch_id)


@router.delete("/{watch_id}", status_code=204, responses=_NOT_FOUND)
def remove_watch(watch_id: str, service: Service, owner: Owner) -> Response:
    """Stop watching; the watch's changes go with it."""
    if not service.watches.store.remove(owner, watch_id):
        raise HTTPException(404, "No watch of yours has this id.")
    return Response(status_code=204)


@router.get("/{watch_id}/changes", response_model=list[WatchChange], responses=_NOT_FOUND)
def watch_changes(watch_id: str, service: Service, owner: Owner,
                  mark_read: bool = False) -> list[WatchChange]:
    """The watch's changes, newest first: what is new (claims with citations) and what it
    replaces. ``mark_read`` marks them read."""
    _owned(service, owner, watch_id)
    return service.watches.store.changes(owner, watch_id, mark_read=mark_read)


@router.get("/{watch_id}/feed.xml", response_class=Response,
            responses={**_NOT_FOUND, 200: {"content": {"application/atom+xml": {}}}})
def watch_feed(watch_id: str, request: Request, service: Service, owner: Owner) -> Response:
    """An Atom feed of one watch's changes, newest first."""
    watch = _owned(service, owner, watch_id)
    return Response(watch_feed_xml(watch, str(request.url),
                                   service.watches.store.changes(owner, watch_id)),
                    media_type=MEDIA_TYPE)


def _owned(service: Service, owner: str, watch_id: str) -> Watch:
    watch = service.watches.store.get(owner, watch_id)
    if watch is None:
        raise HTTPException(404, "No watch of yours has this id.")
    return watch
