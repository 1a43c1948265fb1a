"""The web app factory: one FastAPI application serving the REST API, the Gradio chat and the
widget over ONE ChatService, and how uvicorn serves it.

``create_app(settings)`` builds the service once and hands it to every front end, so the API,
the chat page and the embedded widget answer from the same index with the same model in memory.

Routes: ``/api/*`` (REST, documented at /docs; see chatbot.web.routes), ``/v1/*`` (the same
answers for OpenAI clients), ``/mcp`` (the MCP tools), ``/ui/`` (the chat), ``/widget.js`` (the
embed script). The API, the OpenAI face, the MCP tools and the chat share one rate limiter; API
keys guard ``/api/*``, ``/v1/*`` and ``/mcp``.

The chat (Gradio) and the MCP server are started once the app is serving, a few seconds after
the API answers (see chatbot.web.ui.deferred, chatbot.web.mcp_mount); this module imports
neither Gradio nor the MCP SDK.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from chatbot.service import create_service
from chatbot.settings import Settings
from chatbot.web.errors import error_payload, install_error_shapes
from chatbot.web.feedback import FeedbackLog
from chatbot.web.mcp_mount import MCPMount
from chatbot.web.middleware import (
    BodyLimitMiddleware,
    HostOriginMiddleware,
    SecurityHeadersMiddleware,
)
from chatbot.web.ratelimit import RateLimiter
from chatbot.web.routes import (
    answers,
    articles,
    completions,
    feed_links,
    health,
    timeline,
    watches,
    widget,
)
from chatbot.web.routes.deps import API_KEY_HEADER, WebContext
from chatbot.web.routes.widget import UI_PATH
from chatbot.web.security import KeyChecker, served_host_names
from chatbot.web.ui.deferred import DeferredUI
from chatbot.web.uploads import upload_request_limit
from index.feeds.watcher import BackgroundWatcher
from index.store.errors import StoreUnavailableError

__all__ = ["UI_PATH", "create_app", "server_config"]


def create_app(settings: Settings) -> FastAPI:
    """The whole web app over one ChatService, built here from ``settings``; the chat page
    is mounted by the app's lifespan, in the background, once the app is started."""
    service = create_service(settings)
    service.warm_up()  # load the model now, not on the first question
    limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage,
                          namespace=settings.index_name)
    ui = DeferredUI(UI_PATH, service, settings, limiter, FeedbackLog(settings.feedback_path))

    app = FastAPIOffline(
        title="newsbot", version="0.1.0", lifespan=ui.lifespan,
        description="Questions answered from news articles; every sentence cites its passage. "
                    f"Send the key in the `{API_KEY_HEADER}` header when keys are configured.")
    context = WebContext(service, KeyChecker(settings.api_keys), limiter, ui)
    app.state.web = context
    _add_middleware(app, settings)
    install_error_shapes(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own handler echoes the input, which may hold a lone surrogate that cannot
        # be written as UTF-8 (a 500): escaped to ASCII, any input can be quoted back.
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
        return Response(body, 422, media_type="application/json")

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        message = f"The article store is unavailable: {exc}"
        return JSONResponse(error_payload(request.url.path, 503, message), 503)

    for module in (health, answers, completions, articles, timeline, watches, feed_links,
                   widget):
        app.include_router(module.router)
    context.mcp = MCPMount(context, settings.host, settings.max_request_bytes)
    app.router.routes.append(context.mcp.route())
    _run_while_serving(app, context.mcp.lifespan)
    app.router.routes.append(ui.placeholder_route())

    if settings.watch:
        _run_while_serving(app, _watching(BackgroundWatcher(service.sources)))
    return app


def _watching(watcher: BackgroundWatcher) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def watching(app: Any) -> AsyncIterator[None]:
        watcher.start()
        try:
            yield
        finally:
            watcher.stop()

    return watching


def _run_while_serving(app: FastAPI,
                       part: Callable[[Any], AbstractAsyncContextManager[None]]) -> None:
    """Run ``part`` from the app's startup to its shutdown (wrapping its lifespan)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        async with part(served), inner(served) as state:
            yield state

    app.router.lifespan_context = lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Forwarded headers from trusted proxies only, the Host and Origin checks, body size
    limits, CORS for the configured origins, framing and hardening headers.

    CORSMiddleware is added even with no origins: Gradio then leaves CORS to it instead of
    installing its own, more permissive policy on the chat's endpoints. The forwarded headers
    are read here, for the API and the chat alike, and not by uvicorn (see server_config).
    """
    wildcards = [o for o in settings.cors_origins if "*." in o]
    exact = [o for o in settings.cors_origins if o not in wildcards]
    cors_regex = "|".join([*(_wildcard_regex(o) for o in wildcards),
                           *(".*" if o == "*" else re.escape(o) for o in exact)])
    # Added innermost first: CORS must be outermost so that even a 413 carries its headers.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes, streamed={
        f"{UI_PATH}/gradio_api/upload": upload_request_limit(settings.max_upload_bytes)})
    app.add_middleware(HostOriginMiddleware,
                       hosts=served_host_names(settings.host, settings.allowed_hosts),
                       cors_allowed=re.compile(cors_regex) if cors_regex else None)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.embed_origins)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(
        CORSMiddleware, allow_origins=exact,
        allow_origin_regex="|".join(_wildcard_regex(o) for o in wildcards) or None,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", API_KEY_HEADER, "Authorization"],
        max_age=600)


def _wildcard_regex(origin: str) -> str:
    """``https://*.example.com`` as a regex matching one or more subdomain labels."""
    return re.escape(origin).replace(r"\*\.", r"([a-zA-Z0-9-]+\.)+")


def server_config(app: FastAPI, settings: Settings, **options: Any) -> uvicorn.Config:
    """How ``newsbot serve`` (and every test server) runs ``app`` under uvicorn: uvicorn's own
    reading of X-Forwarded-For is off (it believes 127.0.0.1 by default, so every local client
    could claim any address); the app reads it from forwarded_allow_ips only."""
    return uvicorn.Config(app, host=settings.host, port=settings.port, proxy_headers=False,
                          **options)
