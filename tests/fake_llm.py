"""A tiny OpenAI-compatible HTTP server that misbehaves on purpose, for the failure paths.

Each behaviour has its own base URL (``server.url("slow")``). Real answers are tested against a
real llama.cpp server; this one exists to be down, slow, wrong or scripted on demand.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONDENSE_MARKER = "Rewrite the last question"


def sse_chunk(text: str) -> bytes:
    """One streamed chat-completion chunk, as OpenAI-compatible servers send it."""
    payload = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
               "model": "test", "choices": [{"index": 0, "delta": {"content": text},
                                             "finish_reason": None}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


class FakeLLMServer:
    """Serves /<behaviour>/v1/chat/completions on 127.0.0.1 at a free port.

    Behaviours: ``error`` (HTTP 500), ``context`` (llama.cpp's context-size error), ``slow``
    (answers after ``slow_seconds``), ``drip`` (a token every 0.2 s, forever: only a deadline
    stops it), ``garbage`` (a stream of non-JSON), ``html`` (a web page, not a stream),
    ``empty`` (a stream with no text), and ``script`` (streams ``answer`` word by word, or
    ``condensed`` to a rewrite request).
    """

    def __init__(self) -> None:
        self.answer = ""
        self.condensed = ""
        self.slow_seconds = 30.0
        self.requests: list[dict[str, object]] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                behaviour = self.path.strip("/").split("/")[0]
                getattr(server, f"_{behaviour}")(self, body)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def url(self, behaviour: str) -> str:
        return f"http://127.0.0.1:{self.port}/{behaviour}/v1"

    def close(self) -> None:
        self._stop.set()
        self._http.shutdown()
        self._http.server_close()

    # -- behaviours ---------------------------------------------------------------------------

    @staticmethod
    def _json(handler: BaseHTTPRequestHandler, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _start_stream(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()

    def _error(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._json(handler, 500, {"error": {"message": "internal error", "type": "server_error",
                                            "code": 500}})

    def _context(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._json(handler, 400, {"error": {
            "code": 400, "type": "exceed_context_size_error",
            "message": "request (5210 tokens) exceeds the available context size (4096 tokens),"
                       " try increasing it"}})

    def _slow(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._stop.wait(self.slow_seconds)

    def _drip(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._start_stream(handler)
        for _ in range(600):  # bounded: two minutes at most
            if self._stop.wait(0.2):
                return
            try:
                handler.wfile.write(sse_chunk("more "))
                handler.wfile.flush()
            except OSError:
                return

    def _garbage(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._start_stream(handler)
        handler.wfile.write(b"data: <html>502 Bad Gateway</html>\n\n")

    def _html(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        """A proxy's login page where the model's stream should be."""
        page = b"<html><body><h1>Sign in to continue</h1></body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(page)))
        handler.end_headers()
        handler.wfile.write(page)

    def _empty(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        self._start_stream(handler)
        handler.wfile.write(sse_chunk("") + b"data: [DONE]\n\n")

    def _script(self, handler: BaseHTTPRequestHandler, body: dict[str, object]) -> None:
        messages: Any = body.get("messages") or [{}]
        system = str(messages[0].get("content", ""))
        text = self.condensed if CONDENSE_MARKER in system else self.answer
        self._start_stream(handler)
        for word in text.split(" "):
            handler.wfile.write(sse_chunk(word + " "))
            handler.wfile.flush()
            time.sleep(0.01)
        handler.wfile.write(b"data: [DONE]\n\n")
