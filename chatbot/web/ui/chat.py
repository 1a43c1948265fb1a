"""The Gradio web chat. Callbacks are thin: ChatService answers, ui.render writes the HTML.

The conversation lives in one per-browser ``gr.State`` (a list of AnsweredTurn); the chat and
the sources panel are always redrawn from it, so they can never disagree, and a message's
position in the chat maps straight to its turn (two messages per turn) for feedback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib import resources
from typing import Any

import gradio as gr

from chatbot.schema import Answer, Filters, Turn
from chatbot.service import ChatService, QuestionError
from chatbot.settings import Settings
from chatbot.web.feedback import Feedback, FeedbackLog, Rating
from chatbot.web.ratelimit import RateLimiter, too_many_message
from chatbot.web.security import client_id
from chatbot.web.ui.library import build_sources_tab, sources_tab_allowed
from chatbot.web.ui.render import AnsweredTurn, answer_html, sources_html, streaming_html
from index.dates import parse_day

log = logging.getLogger(__name__)

# How long the list of outlets offered as filters is reused before the store is read again.
_OUTLETS_TTL_S = 60.0
_MAX_COMMENT_CHARS = 4000

Message = dict[str, str]


def ui_css() -> str:
    """The chat's stylesheet, shipped as package data beside the widget."""
    return resources.files("chatbot.web").joinpath("static/web.css").read_text(encoding="utf-8")


def parse_filters(outlets: list[str] | None, since: str | None, until: str | None,
                  ) -> Filters | None:
    """The filter controls as Filters; a ValueError names the control that is wrong."""
    first = _day("Published from", since)
    last = _day("Published until", until)
    if first and last and first > last:
        raise ValueError(f"'Published from' ({first}) is after 'Published until' ({last}).")
    if not (outlets or first or last):
        return None
    return Filters(sources=list(outlets or []), since=first, until=last)


def _day(label: str, value: str | None) -> date | None:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None


def history_of(turns: list[AnsweredTurn]) -> list[Turn]:
    """The conversation as ChatService reads it: questions and the answers' plain text."""
    history: list[Turn] = []
    for item in turns:
        history += [Turn(role="user", content=item.question),
                    Turn(role="assistant", content=item.answer.answer)]
    return history


def chat_messages(turns: list[AnsweredTurn]) -> list[Message]:
    messages: list[Message] = []
    for item in turns:
        messages += [_user(item.question), _bot(answer_html(item.answer, item.turn))]
    return messages


def _user(question: str) -> Message:
    return {"role": "user", "content": escape(question)}


def _bot(html: str) -> Message:
    return {"role": "assistant", "content": html}


@dataclass
class _PendingComment:
    """The answer last rated in this browser, which a following comment is about."""

    turn: int
    rating: Rating


class ChatUI:
    """The callbacks of the chat page, bound to the one shared service."""

    def __init__(self, service: ChatService, limiter: RateLimiter, feedback: FeedbackLog) -> None:
        self.service = service
        self.limiter = limiter
        self.feedback = feedback
        self._outlets: tuple[float, list[str]] = (0.0, [])
        self._outlets_lock = threading.Lock()

    # -- asking -------------------------------------------------------------------------------

    def respond(self, question: str, turns: list[AnsweredTurn], outlets: list[str] | None,
                since: str | None, until: str | None, request: gr.Request,
                ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat. Outputs: chat, turns, sources panel, question box.

        A refused question stays in the box with a message saying why; nothing is lost.
        """
        try:
            question = self.service.validate_question(question)
            filters = parse_filters(outlets, since, until)
        except (QuestionError, ValueError) as exc:
            raise gr.Error(escape(str(exc)), title="Cannot ask that") from None
        self._admit(request)
        shown = chat_messages(turns)
        asked = [*shown, _user(question)]
        yield [*asked, _bot(streaming_html("…"))], turns, gr.skip(), ""
        text = ""
        try:
            for event in self.service.stream(question, history_of(turns), filters):
                if event.answer is None:
                    text += event.delta
                    yield [*asked, _bot(streaming_html(text))], turns, gr.skip(), ""
                else:
                    turns = [*turns, AnsweredTurn(len(turns) + 1, question, event.answer)]
        except Exception as exc:
            yield shown, turns, gr.skip(), question  # give the question back
            raise self._failure(exc) from exc
        yield chat_messages(turns), turns, sources_html(turns), ""

    def ask_api(self, question: str, outlets: list[str] | None = None, since: str = "",
                until: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """Answer one question (no history) and return the Answer object as JSON.

        ``outlets`` limits the search to those outlets; ``since``/``until`` are YYYY-MM-DD.
        """
        try:
            filters = parse_filters(outlets, since, until)
        except ValueError as exc:
            raise gr.Error(escape(str(exc))) from None
        self._admit(request)
        try:
            answer: Answer = self.service.ask(question, filters=filters)
        except QuestionError as exc:
            raise gr.Error(escape(str(exc))) from None
        except Exception as exc:
            raise self._failure(exc) from exc
        return answer.model_dump(mode="json")

    def _admit(self, request: gr.Request | None) -> None:
        host = request.client.host if request is not None and request.client else None
        wait = self.limiter.check(client_id(host))
        if wait:
            raise gr.Error(escape(too_many_message(wait)), title="Slow down")

    def _failure(self, error: Exception) -> gr.Error:
        """What the user is told when answering failed: the store is down, or a logged bug."""
        down = self.service.store_failure(error)
        if down is not None:
            return gr.Error(escape(f"The news index is unavailable right now: {down}"),
                            title="Index unavailable")
        log.exception("answering failed", exc_info=error)
        return gr.Error("Something went wrong while answering; the error has been logged.")

    # -- feedback -----------------------------------------------------------------------------

    def rate(self, turns: list[AnsweredTurn], data: gr.LikeData,
             ) -> tuple[_PendingComment | None, Any, str]:
        """Record a thumbs up/down at once; then offer a comment on the same answer."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = index // 2
        if not 0 <= turn < len(turns):
            return None, gr.update(visible=False), ""
        # Gradio sends True (thumbs up), False (down) or "" (the thumb clicked off again).
        rating: Rating = "up" if data.liked is True else "down" if data.liked is False else "none"
        self.feedback.append(_feedback(turns[turn], rating))
        if rating == "none":
            return None, gr.update(visible=False), "Feedback removed."
        return (_PendingComment(turn, rating), gr.update(visible=True),
                "Thanks for the feedback. A comment is welcome too.")

    def comment(self, turns: list[AnsweredTurn], pending: _PendingComment | None, text: str,
                ) -> tuple[None, Any, str, str]:
        """Add the optional comment to the answer last rated."""
        text = (text or "").strip()
        if pending is None or pending.turn >= len(turns):
            raise gr.Error("Rate an answer with the thumbs first, then add a comment.")
        if len(text) > _MAX_COMMENT_CHARS:
            raise gr.Error(f"The comment is too long ({len(text):,} characters; the limit is "
                           f"{_MAX_COMMENT_CHARS:,}).")
        if text:
            self.feedback.append(_feedback(turns[pending.turn], pending.rating, text))
        return None, gr.update(visible=False), "", "Thanks, your comment was saved."

    # -- the rest of the page -----------------------------------------------------------------

    def outlet_choices(self) -> Any:
        """The outlets in the index, for the filter (cached: the store is read once a minute)."""
        with self._outlets_lock:
            fetched, outlets = self._outlets
            if time.monotonic() - fetched > _OUTLETS_TTL_S:
                try:
                    outlets = self.service.outlets()
                except Exception:  # the page must load even when the store is down
                    log.warning("could not list outlets", exc_info=True)
                else:
                    self._outlets = (time.monotonic(), outlets)
        return gr.update(choices=outlets)

    @staticmethod
    def clear() -> tuple[list[Message], list[AnsweredTurn], str, None, Any, str]:
        return [], [], sources_html([]), None, gr.update(visible=False), ""


def _feedback(item: AnsweredTurn, rating: Rating, comment: str = "") -> Feedback:
    return Feedback(id=item.id, rating=rating, comment=comment,
                    question=item.question, answer=item.answer.answer,
                    standalone_question=item.answer.standalone_question,
                    declined=item.answer.declined,
                    article_ids=list(dict.fromkeys(c.article_id for c in item.answer.citations)))


def build_ui(service: ChatService, settings: Settings, limiter: RateLimiter,
             feedback: FeedbackLog, with_sources_tab: bool = True) -> gr.Blocks:
    """The chat page: conversation and question box on the left, filters and sources right;
    and, when allowed, a Sources tab beside the chat (see chatbot.web.ui.library)."""
    ui = ChatUI(service, limiter, feedback)
    with gr.Blocks(title="newsbot", analytics_enabled=False) as demo:
        turns = gr.State([])
        pending = gr.State(None)
        gr.HTML('<div class="nb-header"><h1>newsbot</h1><p>Ask about the news. Every sentence '
                'of an answer cites the passage it comes from.</p></div>', js_on_load=None)
        with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="nb-chat", label="Conversation", height=520, render_markdown=False,
                    # No copy buttons: they would copy the messages' HTML, not their text.
                    sanitize_html=True, buttons=[], group_consecutive_messages=False,
                    placeholder="Ask a question about the news, or pick an example.",
                    examples=[{"text": q} for q in settings.example_questions])
                with gr.Row():
                    question = gr.Textbox(
                        elem_id="nb-question", show_label=False, scale=5, autofocus=True,
                        placeholder="Ask a question about the news…")
                    ask = gr.Button("Ask", elem_id="nb-ask", variant="primary", scale=1,
                                    min_width=80)
                with gr.Row():
                    clear = gr.Button("Clear chat", elem_id="nb-clear", size="sm")
                    clear_filters = gr.Button("Clear filters", elem_id="nb-clear-filters",
                                              size="sm", visible=False)
                with gr.Group(visible=False, elem_id="nb-comment") as comment_box:
                    comment = gr.Textbox(label="Comment on this answer (optional)", lines=2,
                                         elem_id="nb-comment-text")
                    send_comment = gr.Button("Send comment", size="sm", elem_id="nb-send-comment")
                status = gr.Markdown("", elem_id="nb-feedback-status")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion("Filters", open=False, elem_id="nb-filters"):
                    outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=[],
                                          info="Only these outlets; none selected = all.",
                                          elem_id="nb-outlets")
                    since = gr.DateTime(label="Published from", include_time=False,
                                        type="string", elem_id="nb-since")
                    until = gr.DateTime(label="Published until", include_time=False,
                                        type="string", elem_id="nb-until")
                sources = gr.HTML(sources_html([]), elem_id="nb-sources", js_on_load=None,
                                  label="Sources")
        if with_sources_tab and sources_tab_allowed(settings):
            with gr.Tab("Sources", id="sources", elem_id="nb-sources-tab"):
                build_sources_tab(service, settings)

        asking: dict[str, Any] = {
            "fn": ui.respond, "inputs": [question, turns, outlets, since, until],
            "outputs": [chatbot, turns, sources, question], "api_visibility": "private"}
        # After a decline that filters limited, offer to clear them.
        offer: dict[str, Any] = {"fn": _offer_clear_filters, "inputs": [turns],
                                 "outputs": [clear_filters], "api_visibility": "private"}
        question.submit(**asking).then(**offer)
        ask.click(**asking).then(**offer)
        chatbot.example_select(_example_text, None, question, api_visibility="private"
                               ).then(**asking).then(**offer)
        clear_filters.click(_no_filters, None, [outlets, since, until, clear_filters],
                            api_visibility="private")
        chatbot.like(ui.rate, [turns], [pending, comment_box, status], api_visibility="private")
        send_comment.click(ui.comment, [turns, pending, comment],
                           [pending, comment_box, comment, status], api_visibility="private")
        cleared: dict[str, Any] = {
            "fn": ui.clear, "outputs": [chatbot, turns, sources, pending, comment_box, status],
            "api_visibility": "private"}
        clear.click(**cleared)
        chatbot.clear(**cleared)
        demo.load(ui.outlet_choices, None, outlets, api_visibility="private")
        gr.api(ui.ask_api, api_name="ask")
    demo.queue(default_concurrency_limit=settings.max_concurrent_answers)
    return demo


def _offer_clear_filters(turns: list[AnsweredTurn]) -> Any:
    """The Clear filters button, shown while the last answer is a decline filters limited."""
    return gr.update(visible=bool(turns) and turns[-1].answer.filtered)


def _no_filters() -> tuple[list[str], None, None, Any]:
    return [], None, None, gr.update(visible=False)


def _example_text(data: gr.SelectData) -> str:
    value = data.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)
