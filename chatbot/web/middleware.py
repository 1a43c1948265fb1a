"""ASGI middleware for the web app: request body limits, the Host and Origin checks, and the
headers that control framing.

Written as plain ASGI (not BaseHTTPMiddleware) so that streamed responses (server-sent events,
Gradio's queue) pass through untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatbot.web.errors import error_payload

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with a 413, before the app reads them (in
    OpenAI's error shape under /v1/).

    The body is read (at most ``limit`` bytes of it) and replayed to the app, so a client that
    sends no Content-Length, or a false one, is held to the limit too. Paths in ``streamed``
    (file uploads, larger than anything buffered here) have their own limit and must declare
    their length, which the HTTP server then holds them to; their body streams through.
    """

    def __init__(self, app: ASGIApp, limit: int, streamed: Mapping[str, int] | None = None,
                 ) -> None:
        self.app = app
        self.limit = limit
        self.streamed = dict(streamed or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        length = int(declared) if declared is not None and declared.isdigit() else None
        streamed = self.streamed.get(scope["path"].rstrip("/"))
        if streamed is not None:
            if scope["method"] not in _SAFE_METHODS and length is None:
                await refuse(scope, send, 411, "An upload must declare its Content-Length.")
            elif length is not None and length > streamed:
                await refuse(scope, send, 413,
                             f"The request body is larger than {streamed:,} bytes.")
            else:
                await self.app(scope, receive, send)
            return
        if length is not None and length > self.limit:
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
        await refuse(scope, send, 413, f"The request body is larger than {self.limit:,} bytes.")


async def refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    """A JSON error response (in the shape the path's clients read), closing the connection
    (the body may not have been read)."""
    payload = json.dumps(error_payload(scope["path"], status, detail)).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


def _authority(host: str) -> tuple[str, int | None]:
    """``name:port`` (or ``[v6]:port``) as a lowercased name and the port, if any."""
    host = host.strip().lower()
    match = re.fullmatch(r"\[([^\]]*)\](?::(\d+))?|([^:]*)(?::(\d+))?", host)
    if match is None:  # more than one colon outside brackets: a bare IPv6 address
        return host, None
    name = match[1] if match[1] is not None else match[3]
    port = match[2] or match[4]
    return name.rstrip("."), int(port) if port else None


class HostOriginMiddleware:
    """Answer only requests naming a served host, and state changes only from the same origin.

    ``hosts`` are the names the Host header may carry (None = any; see
    chatbot.web.security.served_host_names): a rebound DNS name pointing at the server is
    refused (400). Every request that may change state (not GET, HEAD or OPTIONS) that comes
    from a browser, which always says where it comes from in ``Origin``, must come from the
    server's own origin, or, under ``/api/``, from an origin ``cors_allowed`` accepts (403).
    Clients that are not browsers send no Origin and are not affected.
    """

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None,
                 cors_allowed: re.Pattern[str] | None) -> None:
        self.app = app
        self.hosts = hosts
        self.cors_allowed = cors_allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name: value.decode("latin-1") for name, value in scope["headers"]}
        host = headers.get(b"host", "")
        if self.hosts is not None and _authority(host)[0] not in self.hosts:
            await refuse(scope, send, 400, "This server does not answer for that host name "
                                     "(see allowed_hosts).")
            return
        origin = headers.get(b"origin")
        if (origin is not None and scope["method"] not in _SAFE_METHODS
                and not self._origin_allowed(origin, host, scope["path"])):
            await refuse(scope, send, 403, "Requests that change anything must come from this "
                                     "server's own pages.")
            return
        await self.app(scope, receive, send)

    def _origin_allowed(self, origin: str, host: str, path: str) -> bool:
        if path.startswith("/api/") and self.cors_allowed is not None \
                and self.cors_allowed.fullmatch(origin):
            return True
        parts = urlsplit(origin)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return False  # "null" (a sandboxed frame, a file) or nonsense
        name, port = _authority(host)
        origin_port = parts.port or _DEFAULT_PORTS[parts.scheme]
        return parts.hostname.rstrip(".") == name and (
            origin_port == port if port is not None else parts.port is None)


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
