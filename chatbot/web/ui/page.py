"""The chat page: its layout, stylesheet and script, and the events that call ChatUI.

Gradio has no setting for some of what the page needs (a citation click that scrolls only the
sources column, the phone sheet, text labels for messages, the calendar's first month, closing
the widget from inside its frame): static/chat.js does those, loaded in the page head.

The page is mounted on the app while it already serves (see chatbot.web.ui.deferred):
``mount_ui`` and ``started`` do what ``gr.mount_gradio_app`` and the lifespan it installs do
for an app that has not started yet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import gradio as gr
from fastapi import FastAPI
from gradio.routes import App as GradioApp
from starlette.routing import Mount

from chatbot.service import ChatService
from chatbot.settings import Settings
from chatbot.web.feedback import FeedbackLog
from chatbot.web.ratelimit import RateLimiter
from chatbot.web.security import KeyChecker
from chatbot.web.ui.chat import ChatUI
from chatbot.web.ui.library import build_sources_tab, sources_tab_allowed, sources_writable
from chatbot.web.ui.render import sources_html
from chatbot.web.ui.story import StoryUI
from chatbot.web.uploads import UPLOAD_CACHE_FILES, UploadGate

# Every ten minutes, delete uploads older than an hour from Gradio's cache.
_CACHE_CLEANING = (600, 3600)


def ui_css() -> str:
    """The chat's stylesheet, shipped as package data beside the widget."""
    return resources.files("chatbot.web").joinpath("static/web.css").read_text(encoding="utf-8")


def ui_head() -> str:
    """The chat page's script (citation clicks, the phone sheet, framing), for the page head."""
    script = resources.files("chatbot.web").joinpath("static/chat.js").read_text(encoding="utf-8")
    return f"<script>{script}</script>"


# The date boxes' text as typed: Gradio's date picker keeps text it cannot read to itself and
# sends nothing, which would drop the filter silently; this sends what the person sees.
_TYPED_DATES = ("(question, turns, outlets, since, until) => [question, turns, outlets, "
                "window.newsbotChat ? newsbotChat.typed('nb-since', since) : since, "
                "window.newsbotChat ? newsbotChat.typed('nb-until', until) : until]")


def build_ui(service: ChatService, settings: Settings, limiter: RateLimiter,
             feedback: FeedbackLog, with_sources_tab: bool = True) -> gr.Blocks:
    """The chat page: conversation and question box on the left, filters and sources right
    (on a phone, the sources open as a sheet over the answer); and, when allowed, a Library
    tab beside the chat (see chatbot.web.ui.library)."""
    ui = ChatUI(service, limiter, feedback)
    story = StoryUI(service)
    # Uploads left in Gradio's cache (never ingested) are deleted after an hour.
    with gr.Blocks(title="newsbot", analytics_enabled=False,
                   delete_cache=_CACHE_CLEANING) as demo:
        turns = gr.State([])
        pending = gr.State(None)
        gr.HTML('<header class="nb-header"><h1>newsbot</h1><p>Ask about the news. Every '
                'sentence of an answer cites the passage it comes from.</p></header>',
                js_on_load=None, elem_id="nb-header")
        with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False, elem_id="nb-chat-row"):
            with gr.Column(scale=3, min_width=320, elem_id="nb-main"):
                chatbot = gr.Chatbot(
                    elem_id="nb-chat", label="Conversation", show_label=False, height=520,
                    render_markdown=False,
                    # No copy buttons: they would copy the messages' HTML, not their text.
                    sanitize_html=True, buttons=[], group_consecutive_messages=False,
                    placeholder="Ask a question about the news, or pick an example.",
                    examples=[{"text": q} for q in settings.example_questions])
                with gr.Row(elem_id="nb-ask-row"):
                    question = gr.Textbox(
                        elem_id="nb-question", show_label=False, scale=5, autofocus=True,
                        placeholder="Ask about the news…", max_lines=6)
                    ask = gr.Button("Ask", elem_id="nb-ask", variant="primary", scale=1,
                                    min_width=70)
                message = gr.HTML("", elem_id="nb-message", js_on_load=None)
                with gr.Row():
                    clear = gr.Button("Clear chat", elem_id="nb-clear", size="sm")
                    gr.HTML('<button type="button" class="nb-sheet-open" '
                            'aria-controls="nb-side">Sources</button>', js_on_load=None,
                            elem_id="nb-sheet-opener", padding=False)
                with gr.Row(elem_id="nb-story-row"):
                    show_timeline = gr.Button("Show the story's timeline", size="sm",
                                              elem_id="nb-timeline")
                    watch = gr.Button("Watch this question", size="sm", elem_id="nb-watch")
                with gr.Group(visible=False, elem_id="nb-comment") as comment_box:
                    comment = gr.Textbox(label="Comment on this answer (optional)", lines=2,
                                         elem_id="nb-comment-text")
                    send_comment = gr.Button("Send comment", size="sm", elem_id="nb-send-comment")
                status = gr.Markdown("", elem_id="nb-feedback-status")
            with gr.Column(scale=2, min_width=300, elem_id="nb-side"):
                with gr.Accordion("Filters", open=False, elem_id="nb-filters"):
                    outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=[],
                                          info="Only these outlets; none selected = all.",
                                          elem_id="nb-outlets")
                    since = gr.DateTime(label="Published from", include_time=False,
                                        type="string", elem_id="nb-since")
                    until = gr.DateTime(label="Published until", include_time=False,
                                        type="string", elem_id="nb-until")
                    index_range = gr.HTML("", elem_id="nb-index-range", js_on_load=None)
                    clear_filters = gr.Button("Clear filters", size="sm",
                                              elem_id="nb-clear-filters")
                with gr.Accordion("Watching", open=False, elem_id="nb-watching"):
                    watching = gr.HTML("", elem_id="nb-watching-list", js_on_load=None)
                    with gr.Row():
                        refresh_watching = gr.Button("Refresh", size="sm",
                                                     elem_id="nb-watching-refresh")
                        read_watching = gr.Button("Mark all read", size="sm",
                                                  elem_id="nb-watching-read")
                sources = gr.HTML(sources_html([]), elem_id="nb-sources", js_on_load=None,
                                  label="Sources", padding=False)
        if with_sources_tab and sources_tab_allowed(settings):
            with gr.Tab("Library", id="library", elem_id="nb-library-tab") as library:
                build_sources_tab(service, settings, library, limiter, demo.upload_file_set)

        asking: dict[str, Any] = {
            "fn": ui.respond, "inputs": [question, turns, outlets, since, until],
            "outputs": [chatbot, turns, sources, question, message], "js": _TYPED_DATES,
            "api_visibility": "private", "show_progress_on": [chatbot]}
        question.submit(**asking)
        ask.click(**asking)
        chatbot.example_select(_example_text, None, question, api_visibility="private"
                               ).then(**asking)
        chatbot.like(ui.rate, [turns], [pending, comment_box, status], api_visibility="private")
        send_comment.click(ui.comment, [turns, pending, comment],
                           [pending, comment_box, comment, status], api_visibility="private")
        cleared: dict[str, Any] = {
            "fn": ui.clear,
            "outputs": [chatbot, turns, sources, pending, comment_box, status, message],
            "api_visibility": "private"}
        clear.click(**cleared)
        chatbot.clear(**cleared)
        clear_filters.click(ui.clear_filters, None, [outlets, since, until, message],
                            api_visibility="private")
        demo.load(ui.on_load, None, [outlets, index_range], api_visibility="private")
        show_timeline.click(story.timeline, [turns, outlets, since, until],
                            [chatbot, turns, sources, message], api_visibility="private",
                            show_progress_on=[chatbot])
        watch.click(story.watch, [turns], [message, watching], api_visibility="private")
        refresh_watching.click(story.watching, None, watching, api_visibility="private")
        read_watching.click(story.mark_read, None, watching, api_visibility="private")
        demo.load(story.watching, None, watching, api_visibility="private")
        gr.api(ui.ask_api, api_name="ask")
    demo.queue(default_concurrency_limit=settings.max_concurrent_answers)
    return demo


def mount_ui(app: FastAPI, path: str, ui: gr.Blocks, settings: Settings,
             limiter: RateLimiter) -> GradioApp:
    """Mount the page ``ui`` at ``path`` of ``app``, its upload endpoint behind the
    UploadGate; returns the Gradio app, to be ``started``.

    ``gr.mount_gradio_app`` also wraps ``app``'s lifespan to start the Gradio app; that
    lifespan is already running, so the wrapper is taken off again (it would start a second
    copy if the app were ever started again). It also leaves ``has_launched`` false, which
    switches off Gradio's check that a file an event names is one it received (it only
    checks launched apps): set here, as ``launch()`` would.
    """
    lifespan = app.router.lifespan_context
    gr.mount_gradio_app(
        app, ui, path=path, css=ui_css(), head=ui_head(), footer_links=["api"],
        run_history=False, ssr_mode=False, mcp_server=False, pwa=False, show_error=False,
        max_file_size=settings.max_upload_bytes)  # refused while uploading, before stored
    app.router.lifespan_context = lifespan
    ui.has_launched = True
    route, gradio_app = next((route, route.app) for route in reversed(app.router.routes)
                             if isinstance(route, Mount) and isinstance(route.app, GradioApp))
    writable = sources_writable(settings) and sources_tab_allowed(settings)
    gate = UploadGate(gradio_app, ui.upload_file_set, writable=writable,
                      admin=KeyChecker(settings.admin_keys), limiter=limiter,
                      cache_limit=UPLOAD_CACHE_FILES * settings.max_upload_bytes)
    route.app = gate
    return gradio_app


@asynccontextmanager
async def started(gradio_app: GradioApp) -> AsyncIterator[None]:
    """The Gradio app's own lifespan, its queue and its startup events, as the lifespan of
    ``gr.mount_gradio_app`` runs them, until the server stops."""
    async with gradio_app.router.lifespan_context(gradio_app):
        blocks = gradio_app.get_blocks()
        blocks.run_startup_events()
        await blocks.run_extra_startup_events()
        yield


def _example_text(data: gr.SelectData) -> str:
    value = data.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)
