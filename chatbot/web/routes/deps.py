"""What every API route shares: the service, the key and rate-limit guard, and error mapping."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from chatbot.service import ChatService, QuestionError
from chatbot.story.watches import SHARED_OWNER
from chatbot.web.ratelimit import RateLimiter, too_many_keys_message, too_many_message
from chatbot.web.security import KeyChecker, client_id
from chatbot.web.ui.deferred import DeferredUI

if TYPE_CHECKING:
    from chatbot.web.mcp_mount import MCPMount

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
# Declared as a security scheme so that /docs shows a key field and sends it.
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                        description="Required when the server has keys configured.")
# The same key as OpenAI clients send it (`Authorization: Bearer <key>`), on every route.
_bearer = HTTPBearer(auto_error=False, description="The same key, as OpenAI clients send it.")


@dataclass
class WebContext:
    """What the app factory builds once and every route reads from ``app.state.web``."""

    service: ChatService
    keys: KeyChecker
    limiter: RateLimiter
    ui: DeferredUI
    mcp: MCPMount | None = None  # set by the app factory (it needs this context)


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in {
        401: "Keys are configured and the key (X-API-Key, or Authorization: Bearer) is "
             "missing or wrong.",
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
                  key: Annotated[str | None, Depends(_api_key)],
                  bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                  ) -> None:
    """Refuse requests without a valid key (401; each one counted against the address, which
    gets a 429 after too many) or over the client's limit (429)."""
    given = key or (bearer.credentials if bearer else None)
    host = request.client.host if request.client else None
    refuse_unknown_key(context, host, given)
    refuse_over_limit(context, host, given)


def refuse_unknown_key(context: WebContext, host: str | None, given: str | None) -> None:
    """401 unless ``given`` is a configured key (or none is configured). Wrong keys count
    against the address: after too many, even the right one waits (429), so guessing is slow."""
    if not context.keys.required:
        return
    address = client_id(host)
    wait = context.limiter.key_wait(address)
    if wait:
        raise _too_many(too_many_keys_message(wait), wait)
    if not context.keys.accepts(given):
        context.limiter.wrong_key(address)
        raise HTTPException(401, f"A valid API key is required in the {API_KEY_HEADER} "
                                 "header (or as Authorization: Bearer).",
                            headers={"WWW-Authenticate": API_KEY_HEADER})


def refuse_over_limit(context: WebContext, host: str | None, given: str | None) -> None:
    """429 with Retry-After when this client has asked too often (one question counted)."""
    wait = context.limiter.check(client_id(host, given if context.keys.required else None))
    if wait:
        raise _too_many(too_many_message(wait), wait)


def _too_many(detail: str, wait: int) -> HTTPException:
    return HTTPException(429, detail, headers={"Retry-After": str(wait)})


GUARD = Depends(check_request)


def get_owner(context: Annotated[WebContext, Depends(get_context)],
              key: Annotated[str | None, Depends(_api_key)],
              bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
              ) -> str:
    """Whose watches a request sees: its API key's (by a hash: keys are never stored), or the
    one shared owner of a server without keys."""
    given = key or (bearer.credentials if bearer else None)
    if not context.keys.required or not given:
        return SHARED_OWNER
    return "key:" + hashlib.sha256(given.encode("utf-8")).hexdigest()[:16]


Owner = Annotated[str, Depends(get_owner)]


def explain(service: ChatService, error: Exception) -> Exception:
    """A 503 when the store is down; anything else is a bug and stays a 500."""
    down = service.store_failure(error)
    if down is not None:
        return down
    log.exception("request failed", exc_info=error)
    return error


def check_question(service: ChatService, question: str) -> None:
    """413 for a question over the length limit, 422 for an empty one, before any work."""
    try:
        service.validate_question(question)
    except QuestionError as exc:
        raise HTTPException(413 if exc.reason == "too_long" else 422, str(exc)) from None


def failure_while_streaming(service: ChatService, error: Exception) -> tuple[int, str]:
    """The status and message of a failure after a stream began (its 200 is already sent):
    503 when the store went down, else a 500 whose cause is logged, not shown."""
    down = service.store_failure(error)
    if down is not None:
        return 503, f"The article store is unavailable: {down}"
    log.exception("streaming failed", exc_info=error)
    return 500, "Answering failed; the error has been logged."
