"""The chat page, mounted once the server already answers.

Importing Gradio and building the page take about three seconds, twice what the rest of
``newsbot serve`` needs to start; the API, and ``/api/health`` that supervisors and load
balancers poll, need none of it. So the app is served without the chat: its lifespan starts a
task that builds the page in a worker thread, then mounts and starts it on the event loop.
Until then every request under the chat's path gets a 503 page that reloads itself (with
Retry-After), not a 404, and ``/api/health`` says ``"ui": "starting"``.

This module imports no Gradio: ``chatbot.web.ui.page`` is imported by the worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from starlette.responses import HTMLResponse
from starlette.routing import Match, Mount
from starlette.types import Receive, Scope, Send

from chatbot.web.ui.render import render

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from chatbot.service import ChatService
    from chatbot.settings import Settings
    from chatbot.web.feedback import FeedbackLog
    from chatbot.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

UIState = Literal["starting", "ready", "failed"]

T = TypeVar("T")

# Seconds a browser (the page reloads itself) or a client should wait before asking again.
RETRY_SECONDS = 2


class DeferredUI:
    """The chat page at ``path``: a placeholder while it starts, then the Gradio app."""

    def __init__(self, path: str, service: ChatService, settings: Settings,
                 limiter: RateLimiter, feedback: FeedbackLog) -> None:
        self.path = path
        self.state: UIState = "starting"
        self._service = service
        self._settings = settings
        self._limiter = limiter
        self._feedback = feedback

    def placeholder_route(self) -> Mount:
        """The route answering for the chat until it is ready; add it to the app when created
        (Gradio's mount, added after it, takes over when this stops matching)."""
        return _UntilReady(self)

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """Mount the chat on ``app`` in the background while it serves; stop it on shutdown."""
        async with AsyncExitStack() as running:
            task = asyncio.create_task(self._mount(app, running), name="mount-chat")
            try:
                yield
            finally:
                task.cancel()  # a build still running in its thread is abandoned
                with suppress(asyncio.CancelledError):
                    await task

    async def _mount(self, app: FastAPI, running: AsyncExitStack) -> None:
        try:
            blocks = await in_daemon_thread(self._build, "build-chat-page")
            from chatbot.web.ui.page import mount_ui, started  # imported by _build already

            # On the event loop, so the app's routes never change while a request is routed.
            gradio_app = mount_ui(app, self.path, blocks, self._settings, self._limiter)
            await running.enter_async_context(started(gradio_app))
        except Exception:
            log.exception("the chat page failed to start; the API still answers")
            self.state = "failed"
            return
        self.state = "ready"

    def _build(self) -> gr.Blocks:
        """The chat page, after the ranking models are loaded (off the health path too)."""
        from chatbot.web.ui.page import build_ui

        self._service.warm_up_ranking()
        return build_ui(self._service, self._settings, self._limiter, self._feedback)

    async def placeholder(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A 503 page: reloading itself while the chat starts, or saying it failed."""
        starting = self.state == "starting"
        headers = {"Cache-Control": "no-store"}
        if starting:
            headers["Retry-After"] = str(RETRY_SECONDS)
        page = render("starting.html", starting=starting, retry=RETRY_SECONDS)
        await HTMLResponse(page, 503, headers)(scope, receive, send)


async def in_daemon_thread(build: Callable[[], T], name: str) -> T:
    """``build()`` run in a daemon thread: Ctrl-C in the first seconds of ``serve`` stops the
    process at once instead of waiting for an import (Gradio's, the MCP SDK's) to finish
    (``asyncio.to_thread``'s workers are joined at exit)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result, error = None, None
        try:
            result = build()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            error = exc
        with suppress(RuntimeError):  # the loop is closed: serve stopped meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await done


class _UntilReady(Mount):
    """The chat's path, answered by the placeholder: every HTTP request under it until the
    chat is ready, then none, so that the Gradio mount after this route receives them."""

    def __init__(self, ui: DeferredUI) -> None:
        super().__init__(ui.path, app=ui.placeholder)
        self.ui = ui

    def matches(self, scope: Scope) -> tuple[Match, MutableMapping[str, Any]]:
        if self.ui.state == "ready" or scope["type"] != "http":
            return Match.NONE, {}
        return super().matches(scope)
