"""The web app: one FastAPI application that serves the REST API, the Gradio chat and the widget.

``create_app(settings)`` builds ONE ChatService and hands it to every front end, so the API, the
chat page and the embedded widget answer from the same index with the same model in memory.

Routes: ``/api/*`` (REST, documented at /docs), ``/ui/`` (the chat), ``/widget.js`` (the
embed script). The API and the chat share one rate limiter; API keys guard ``/api/*`` only.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from importlib import resources
from typing import Annotated, Any, Literal

import gradio as gr
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from fastapi.security import APIKeyHeader
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chatbot.feedback import FeedbackLog
from chatbot.guards import KeyChecker, client_id, store_failure
from chatbot.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from chatbot.ratelimit import RateLimiter, too_many_message
from chatbot.schema import Answer, Filters, StreamEvent, Turn
from chatbot.service import ChatService, QuestionError, create_service
from chatbot.settings import Settings
from chatbot.sources import SourceManager
from chatbot.watch import BackgroundWatcher, watch_while_serving
from chatbot.web import build_ui, ui_css
from index.store import StoreUnavailableError

log = logging.getLogger(__name__)

UI_PATH = "/ui"
API_KEY_HEADER = "X-API-Key"
# Declared as a security scheme so that /docs shows a key field and sends it.
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                        description="Required when the server has keys configured.")


# -- request and response models -------------------------------------------------------------

class AskRequest(BaseModel):
    """A question, the conversation so far (for follow-ups) and optional filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "What does Hamas require before hostage talks?", "history": [],
         "filters": {"sources": [], "since": None, "until": None}}]})

    question: str = Field(description="The question, in plain language.")
    history: list[Turn] = Field(default_factory=list, max_length=100,
                                description="Earlier turns, oldest first.")
    filters: Filters | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store: Literal["reachable", "unreachable"]
    articles: int | None = None
    passages: int | None = None
    model_loaded: bool
    embedding_dimension: int | None = None
    detail: str | None = None


class ArticleSummary(BaseModel):
    id: str
    title: str
    source: str
    url: str
    published: str
    passages: int


class ArticlePage(BaseModel):
    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(None, description="Offset of the next page; null at the end.")
    articles: list[ArticleSummary]


class ErrorBody(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in {
        401: "Keys are configured and the X-API-Key header is missing or wrong.",
        413: "The question or the request body is too large.",
        429: "Too many questions from this client; see Retry-After.",
        503: "The article store cannot be reached.",
    }.items()
}


# -- the app factory --------------------------------------------------------------------------

def create_app(settings: Settings) -> FastAPI:
    """The whole web app over one ChatService, built here from ``settings``."""
    service = create_service(settings)
    service.embedder.embed_query("warm up")  # load the model now, not on the first question
    limiter = RateLimiter(settings.rate_limit_per_minute)
    keys = KeyChecker(settings.api_keys)
    guard = _request_guard(keys, limiter)

    app = FastAPIOffline(
        title="newsbot", version="0.1.0",
        description="Questions answered from news articles; every sentence cites its passage. "
                    f"Send the key in the `{API_KEY_HEADER}` header when keys are configured.")
    _add_middleware(app, settings)

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        return JSONResponse({"detail": f"The article store is unavailable: {exc}"}, 503)

    @app.get("/api/health", response_model=Health, tags=["service"],
             responses={503: {"model": Health}})
    def health() -> Any:
        """Is the store reachable, how much does it hold, is the embedding model loaded."""
        try:
            dimension: int | None = service.embedder.dimension
        except Exception as exc:  # a missing or broken model folder
            return JSONResponse(Health(status="unavailable", store="unreachable",
                                       model_loaded=False, detail=str(exc)).model_dump(), 503)
        try:
            service.store.ping()
            stats = service.stats()
        except StoreUnavailableError as exc:
            return JSONResponse(Health(status="unavailable", store="unreachable",
                                       model_loaded=True, embedding_dimension=dimension,
                                       detail=str(exc)).model_dump(), 503)
        return Health(status="ok", store="reachable", articles=stats.articles,
                      passages=stats.passages, model_loaded=True, embedding_dimension=dimension)

    @app.post("/api/ask", response_model=Answer, tags=["answers"], dependencies=[guard],
              responses=_ERRORS)
    def ask(body: AskRequest) -> Answer:
        """Answer one question; the Answer's citations list the passages it rests on."""
        _check_question(service, body.question)
        try:
            return service.ask(body.question, body.history, body.filters)
        except Exception as exc:
            raise _explain(service, exc) from exc

    @app.post("/api/chat", tags=["answers"], dependencies=[guard], responses={
        **_ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
            "Server-sent events: `delta` events carry text to show as it arrives; the last "
            "event is `answer`, the full Answer JSON (authoritative, with the citations); "
            "a failure after the stream started is an `error` event.")}})
    async def chat(body: AskRequest) -> StreamingResponse:
        """Stream the answer as server-sent events, ending with the Answer and its citations."""
        _check_question(service, body.question)
        events = service.stream(body.question, body.history, body.filters)
        try:  # retrieval runs before the first event: a down store is still a 503 here
            first = await run_in_threadpool(next, events)
        except Exception as exc:
            raise _explain(service, exc) from exc
        return StreamingResponse(
            _sse(service, first, events), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/api/articles", response_model=ArticlePage, tags=["index"], dependencies=[guard],
             responses=_ERRORS)
    def articles(offset: Annotated[int, Query(ge=0)] = 0,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50) -> ArticlePage:
        """Ingested articles, a page at a time, in the store's order."""
        try:
            total = service.store.count_articles()
            page = service.store.list_articles(offset, limit)
        except Exception as exc:
            raise _explain(service, exc) from exc
        return ArticlePage(
            total=total, offset=offset, limit=limit,
            next_offset=offset + limit if offset + limit < total else None,
            articles=[ArticleSummary(id=a.article_id, title=a.title, source=a.source, url=a.url,
                                     published=a.published, passages=a.passages) for a in page])

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return Response(widget_script(), media_type="text/javascript", headers={
            "Cache-Control": "public, max-age=300",
            # Intranet pages on other origins load it, also under Cross-Origin-Embedder-Policy.
            "Cross-Origin-Resource-Policy": "cross-origin"})

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(f"{UI_PATH}/")

    feedback = FeedbackLog(settings.feedback_path)
    sources = SourceManager(service, settings)
    ui = build_ui(service, settings, limiter, feedback, sources)
    mounted = gr.mount_gradio_app(
        app, ui, path=UI_PATH, css=ui_css(), footer_links=["api"], run_history=False,
        ssr_mode=False, mcp_server=False, pwa=False, show_error=False)
    if settings.watch:
        watch_while_serving(mounted, BackgroundWatcher(sources))
    return mounted


def widget_script() -> str:
    return resources.files("chatbot").joinpath("static/widget.js").read_text(encoding="utf-8")


# -- guards, errors and streaming -------------------------------------------------------------

def _request_guard(keys: KeyChecker, limiter: RateLimiter) -> Any:
    """A dependency that refuses requests without a valid key (401) or over the limit (429)."""

    def check(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> None:
        if not keys.accepts(key):
            raise HTTPException(401, f"A valid API key is required in the {API_KEY_HEADER} "
                                     "header.", headers={"WWW-Authenticate": API_KEY_HEADER})
        host = request.client.host if request.client else None
        wait = limiter.check(client_id(host, key if keys.required else None))
        if wait:
            raise HTTPException(429, too_many_message(wait), headers={"Retry-After": str(wait)})

    return Depends(check)


def _check_question(service: ChatService, question: str) -> None:
    """413 for a question over the length limit, 422 for an empty one, before any work."""
    try:
        service.validate_question(question)
    except QuestionError as exc:
        too_long = len(question.strip()) > service.settings.max_question_chars
        raise HTTPException(413 if too_long else 422, str(exc)) from None


def _explain(service: ChatService, error: Exception) -> Exception:
    """A 503 when the store is down; anything else is a bug and stays a 500."""
    down = store_failure(service, error)
    if down is not None:
        return down
    log.exception("request failed", exc_info=error)
    return error


def _sse(service: ChatService, first: StreamEvent, rest: Iterator[StreamEvent],
         ) -> Iterator[str]:
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
        down = store_failure(service, exc)
        if down is None:
            log.exception("streaming failed", exc_info=exc)
        detail = (f"The article store is unavailable: {down}" if down
                  else "Answering failed; the error has been logged.")
        yield _event("error", json.dumps({"status": 503 if down else 500, "detail": detail}))


def _event(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """CORS for the configured origins, body size limit, framing and hardening headers.

    CORSMiddleware is added even with no origins: Gradio then leaves CORS to it instead of
    installing its own, more permissive policy on the chat's endpoints.
    """
    wildcards = [o for o in settings.cors_origins if "*." in o]
    exact = [o for o in settings.cors_origins if o not in wildcards]
    # Added innermost first: CORS must be outermost so that even a 413 carries its headers.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes, prefix="/api/")
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.embed_origins)
    app.add_middleware(
        CORSMiddleware, allow_origins=exact,
        allow_origin_regex="|".join(_wildcard_regex(o) for o in wildcards) or None,
        allow_methods=["GET", "POST"], allow_headers=["Content-Type", API_KEY_HEADER],
        max_age=600)


def _wildcard_regex(origin: str) -> str:
    """``https://*.example.com`` as a regex matching one or more subdomain labels."""
    return re.escape(origin).replace(r"\*\.", r"([a-zA-Z0-9-]+\.)+")
