"""ASGI middleware for the web app: a request body limit and the headers that control framing.

Written as plain ASGI (not BaseHTTPMiddleware) so that streamed responses (server-sent events,
Gradio's queue) pass through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatbot.web.errors import error_payload


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes under ``prefixes`` with a 413, before parsing
    (in OpenAI's error shape under /v1/).

    The body is read (at most ``limit`` bytes of it) and replayed to the app, so a client that
    sends no Content-Length, or a false one, is held to the limit too.
    """

    def __init__(self, app: ASGIApp, limit: int, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; let the app see it
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = f"The request body is larger than {self.limit:,} bytes."
        payload = json.dumps(error_payload(scope["path"], 413, message)).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


class SecurityHeadersMiddleware:
    """Say who may frame the pages (CSP frame-ancestors) and switch off MIME sniffing.

    Only the app itself and the configured intranet origins may show the chat in a frame: any
    other site embedding it (clickjacking) gets a refused frame.
    """

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str]) -> None:
        self.app = app
        sources = " ".join(["'self'", *frame_ancestors])
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", f"frame-ancestors {sources}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if not frame_ancestors:  # for browsers that predate frame-ancestors
            self.headers.append((b"x-frame-options", b"SAMEORIGIN"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers}
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() not in names),
                    *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
