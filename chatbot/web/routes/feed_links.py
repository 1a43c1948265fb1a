"""Private feed links: the Atom feeds of watched questions for feed readers, which cannot send
an API key.

``GET /api/feed-links`` (with the key) gives the owner a secret link to the feed of all their
watches and one per watch; ``GET /api/feeds/{token}.xml`` reads that one feed without a key.
A link opens nothing else (no other feed, no question, no change of state), and
``POST /api/feed-links/rotate`` replaces all of the owner's links (a leaked one stops working).
An unknown token counts as a wrong key against the address: guessing is throttled like keys.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from chatbot.story.atom import MEDIA_TYPE, owner_feed_xml, watch_feed_xml
from chatbot.web.ratelimit import too_many_keys_message
from chatbot.web.routes.deps import GUARD, Context, Owner, Service, refuse_over_limit
from chatbot.web.security import client_id

router = APIRouter(prefix="/api", tags=["story desk"])

# secrets.token_urlsafe(24): 32 characters of the URL-safe alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_UNKNOWN = "No feed has this link (it may have been replaced: ask /api/feed-links again)."


class WatchFeedLink(BaseModel):
    watch_id: str
    question: str
    url: str


class FeedLinks(BaseModel):
    """The owner's private links: open them in a feed reader; treat them as passwords."""

    all: str = Field(description="The feed of the changes of all your watches.")
    watches: list[WatchFeedLink] = Field(description="One feed per watch, oldest watch first.")


@router.get("/feed-links", response_model=FeedLinks, dependencies=[GUARD])
def feed_links(request: Request, service: Service, owner: Owner) -> FeedLinks:
    """Secret links to your watches' Atom feeds, readable without a key."""
    return _links(request, service, owner)


@router.post("/feed-links/rotate", response_model=FeedLinks, dependencies=[GUARD])
def rotate_feed_links(request: Request, service: Service, owner: Owner) -> FeedLinks:
    """New links for all your feeds; the old ones stop working at once."""
    service.watches.store.revoke_feed_tokens(owner)
    return _links(request, service, owner)


@router.get("/feeds/{token}.xml", response_class=Response,
            responses={404: {"description": _UNKNOWN},
                       200: {"content": {"application/atom+xml": {}}}})
def private_feed(token: str, request: Request, context: Context) -> Response:
    """The Atom feed a private link names."""
    host = request.client.host if request.client else None
    address = client_id(host)
    wait = context.limiter.key_wait(address)
    if wait:
        raise HTTPException(429, too_many_keys_message(wait), headers={"Retry-After": str(wait)})
    store = context.service.watches.store
    target = store.feed_of(token) if _TOKEN.fullmatch(token) else None
    if target is None:
        context.limiter.wrong_key(address)
        raise HTTPException(404, _UNKNOWN)
    refuse_over_limit(context, host, None)
    owner, watch_id = target
    if watch_id is None:
        body = owner_feed_xml(owner, str(request.url), store.watches(owner), store.changes(owner))
    else:
        watch = store.get(owner, watch_id)
        if watch is None:  # removed between the two reads
            raise HTTPException(404, _UNKNOWN)
        body = watch_feed_xml(watch, str(request.url), store.changes(owner, watch_id))
    return Response(body, media_type=MEDIA_TYPE)


def _links(request: Request, service: Service, owner: Owner) -> FeedLinks:
    store = service.watches.store

    def url(token: str) -> str:
        return str(request.url_for("private_feed", token=token))

    return FeedLinks(all=url(store.feed_token(owner)), watches=[
        WatchFeedLink(watch_id=w.id, question=w.question, url=url(store.feed_token(owner, w.id)))
        for w in store.watches(owner)])
