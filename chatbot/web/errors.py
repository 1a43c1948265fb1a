"""Error bodies: ``{"detail"}`` on newsbot's own API, OpenAI's shape under ``/v1/``.

Clients of the OpenAI-compatible face (its SDKs, chat portals) read
``{"error": {"message", "type", "param", "code"}}`` to tell the user what went wrong; newsbot's
own API keeps ``{"detail"}``. The statuses are the same on both (401, 404, 413, 422, 429, 503),
and so are the messages.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

OPENAI_PREFIX = "/v1/"

# OpenAI's error ``type`` and ``code`` for each status newsbot answers with.
_OPENAI_KINDS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_request"),
    429: ("requests", "rate_limit_exceeded"),
    503: ("server_error", "service_unavailable"),
}


def openai_error(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """``{"error": {...}}`` as OpenAI's API writes it; ``code`` overrides the status's."""
    kind, default_code = _OPENAI_KINDS.get(status, ("server_error", None))
    return {"error": {"message": message, "type": kind, "param": None,
                      "code": code or default_code}}


def error_payload(path: str, status: int, message: str) -> dict[str, Any]:
    """The body of an error at ``path``: OpenAI's shape under /v1/, else ``{"detail"}``."""
    if path.startswith(OPENAI_PREFIX):
        return openai_error(status, message)
    return {"detail": message}


class OpenAIError(HTTPException):
    """An error of the OpenAI face with a code of its own (``model_not_found``)."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(status, message)
        self.code = code


def install_error_shapes(app: FastAPI) -> None:
    """Answer errors under /v1/ in OpenAI's shape, with the statuses and headers
    (Retry-After, WWW-Authenticate) of the same error elsewhere."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if not request.url.path.startswith(OPENAI_PREFIX):
            return await http_exception_handler(request, exc)
        body = openai_error(exc.status_code, str(exc.detail), getattr(exc, "code", None))
        return JSONResponse(body, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith(OPENAI_PREFIX):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'] if part != 'body')}: {error['msg']}"
            for error in exc.errors())
        return JSONResponse(openai_error(422, f"Invalid request: {problems}"), 422)
