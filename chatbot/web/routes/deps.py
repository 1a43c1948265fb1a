"""What every API route shares: the service, the key and rate-limit guard, and error mapping."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from chatbot.service import ChatService
from chatbot.web.ratelimit import RateLimiter, too_many_keys_message, too_many_message
from chatbot.web.security import KeyChecker, client_id
from chatbot.web.ui.deferred import DeferredUI

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
# Declared as a security scheme so that /docs shows a key field and sends it.
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                        description="Required when the server has keys configured.")


@dataclass
class WebContext:
    """What the app factory builds once and every route reads from ``app.state.web``."""

    service: ChatService
    keys: KeyChecker
    limiter: RateLimiter
    ui: DeferredUI


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in {
        401: "Keys are configured and the X-API-Key header is missing or wrong.",
        413: "The question or the request body is too large.",
        429: "Too many questions from this client, or too many wrong keys from its address; "
             "see Retry-After.",
        503: "The article store cannot be reached.",
    }.items()
}


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def get_service(context: Annotated[WebContext, Depends(get_context)]) -> ChatService:
    return context.service


Service = Annotated[ChatService, Depends(get_service)]
Context = Annotated[WebContext, Depends(get_context)]


def check_request(request: Request, context: Annotated[WebContext, Depends(get_context)],
                  key: Annotated[str | None, Depends(_api_key)]) -> None:
    """Refuse requests without a valid key (401; each one counted against the address, which
    gets a 429 after too many) or over the client's limit (429)."""
    host = request.client.host if request.client else None
    if context.keys.required:
        address = client_id(host)
        wait = context.limiter.key_wait(address)
        if wait:
            raise _too_many(too_many_keys_message(wait), wait)
        if not context.keys.accepts(key):
            context.limiter.wrong_key(address)
            raise HTTPException(401, f"A valid API key is required in the {API_KEY_HEADER} "
                                     "header.", headers={"WWW-Authenticate": API_KEY_HEADER})
    wait = context.limiter.check(client_id(host, key if context.keys.required else None))
    if wait:
        raise _too_many(too_many_message(wait), wait)


def _too_many(detail: str, wait: int) -> HTTPException:
    return HTTPException(429, detail, headers={"Retry-After": str(wait)})


GUARD = Depends(check_request)


def explain(service: ChatService, error: Exception) -> Exception:
    """A 503 when the store is down; anything else is a bug and stays a 500."""
    down = service.store_failure(error)
    if down is not None:
        return down
    log.exception("request failed", exc_info=error)
    return error
