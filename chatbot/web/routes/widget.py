"""``/widget.js`` (the embed script for intranet pages) and ``/`` (to the chat)."""

from __future__ import annotations

import json
from importlib import resources

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

UI_PATH = "/ui"

router = APIRouter(include_in_schema=False)


_ORIGINS_SLOT = "/*EMBED_ORIGINS*/[]"


def widget_script(embed_origins: list[str] | None = None) -> str:
    """The embed script, told which origins may frame the chat: on any other page the widget
    explains what to configure instead of showing a frame the browser refuses."""
    script = resources.files("chatbot.web").joinpath("static/widget.js").read_text(
        encoding="utf-8")
    # Origins are validated settings (scheme, host, port, an optional "*." label); as JSON
    # with "<" escaped they cannot end the script.
    origins = json.dumps(embed_origins or []).replace("<", "\\u003c")
    return script.replace(_ORIGINS_SLOT, origins)


@router.get("/widget.js")
def widget(request: Request) -> Response:
    origins = request.app.state.web.service.settings.embed_origins
    return Response(widget_script(origins), media_type="text/javascript", headers={
        "Cache-Control": "public, max-age=300",
        # Intranet pages on other origins load it, also under Cross-Origin-Embedder-Policy.
        "Cross-Origin-Resource-Policy": "cross-origin"})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(f"{UI_PATH}/")
