"""``/widget.js`` (the embed script for intranet pages) and ``/`` (to the chat)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

UI_PATH = "/ui"

router = APIRouter(include_in_schema=False)


def widget_script() -> str:
    return resources.files("chatbot.web").joinpath("static/widget.js").read_text(encoding="utf-8")


@router.get("/widget.js")
def widget() -> Response:
    return Response(widget_script(), media_type="text/javascript", headers={
        "Cache-Control": "public, max-age=300",
        # Intranet pages on other origins load it, also under Cross-Origin-Embedder-Policy.
        "Cross-Origin-Resource-Policy": "cross-origin"})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(f"{UI_PATH}/")
