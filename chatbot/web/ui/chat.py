"""The Gradio web chat's callbacks. They are thin: ChatService answers, ui.render writes the
HTML; ui.page lays the page out and wires them.

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
from typing import Any

import gradio as gr

from chatbot.schema import Answer, Filters, Turn
from chatbot.service import ChatService, QuestionError
from chatbot.web.feedback import Feedback, FeedbackLog, Rating
from chatbot.web.ratelimit import RateLimiter, too_many_message
from chatbot.web.security import client_id
from chatbot.web.ui.render import (
    AnsweredTurn,
    answer_html,
    message_html,
    render,
    sources_html,
    streaming_html,
)
from index.dates import parse_day

log = logging.getLogger(__name__)

# How long the list of outlets offered as filters is reused before the store is read again.
_OUTLETS_TTL_S = 60.0
_MAX_COMMENT_CHARS = 4000

Message = dict[str, str]


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
        messages += [_user(item.question),
                     _bot(answer_html(item.answer, item.turn, item.filters))]
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
        self._outlets: tuple[float, Any] = (0.0, None)
        self._outlets_lock = threading.Lock()

    # -- asking -------------------------------------------------------------------------------

    def respond(self, question: str, turns: list[AnsweredTurn], outlets: list[str] | None,
                since: str | None, until: str | None, request: gr.Request,
                ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat. Outputs: chat, turns, sources panel, question box,
        and the message under the box.

        A refused question stays in the box with a message under it saying why; nothing else
        changes, so the page stays usable (no error overlay on any component).
        """
        try:
            question = self.service.validate_question(question)
            filters = parse_filters(outlets, since, until)
        except (QuestionError, ValueError) as exc:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), message_html(str(exc))
            return
        wait = self._wait(request)
        if wait:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), message_html(too_many_message(wait))
            return
        shown = chat_messages(turns)
        asked = [*shown, _user(question)]
        yield [*asked, _bot(streaming_html("…"))], turns, gr.skip(), "", message_html("")
        text = ""
        try:
            for event in self.service.stream(question, history_of(turns), filters):
                if event.answer is None:
                    text += event.delta
                    yield [*asked, _bot(streaming_html(text))], turns, gr.skip(), "", gr.skip()
                else:
                    turns = [*turns, AnsweredTurn(len(turns) + 1, question, event.answer,
                                                  filters=filters)]
        except Exception as exc:
            # Give the question back, and say what happened under the box.
            yield shown, turns, gr.skip(), question, message_html(self._failure_text(exc))
            return
        yield chat_messages(turns), turns, sources_html(turns), "", gr.skip()

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
        wait = self._wait(request)
        if wait:
            raise gr.Error(escape(too_many_message(wait)), title="Slow down")

    def _wait(self, request: gr.Request | None) -> int:
        host = request.client.host if request is not None and request.client else None
        return self.limiter.check(client_id(host))

    def _failure(self, error: Exception) -> gr.Error:
        return gr.Error(escape(self._failure_text(error)), title="Cannot answer")

    def _failure_text(self, error: Exception) -> str:
        """What the user is told when answering failed: the store is down, or a logged bug."""
        down = self.service.store_failure(error)
        if down is not None:
            return f"The news index is unavailable right now: {down}"
        log.exception("answering failed", exc_info=error)
        return "Something went wrong while answering; the error has been logged."

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

    def _index_facts(self) -> tuple[list[str], tuple[date | None, date | None]]:
        """The outlets and the index's date range, read at most once a minute (the page must
        load even when the store is down)."""
        with self._outlets_lock:
            fetched, facts = self._outlets
            if time.monotonic() - fetched > _OUTLETS_TTL_S:
                try:
                    facts = (self.service.outlets(), self.service.date_range())
                except Exception:
                    log.warning("could not read the index's outlets and dates", exc_info=True)
                else:
                    self._outlets = (time.monotonic(), facts)
        if not facts:
            return [], (None, None)
        outlets, span = facts
        return outlets, span

    def on_load(self) -> tuple[Any, str]:
        """The filters' outlets, and the index's date range (the calendar opens on its newest
        day)."""
        outlets, (first, last) = self._index_facts()
        return gr.update(choices=outlets), render("range.html", first=first, last=last)

    @staticmethod
    def clear() -> tuple[list[Message], list[AnsweredTurn], str, None, Any, str, str]:
        return [], [], sources_html([]), None, gr.update(visible=False), "", message_html("")

    @staticmethod
    def clear_filters() -> tuple[list[str], None, None, str]:
        return [], None, None, message_html("Filters cleared: every article is searched.",
                                            kind="info")


def _feedback(item: AnsweredTurn, rating: Rating, comment: str = "") -> Feedback:
    return Feedback(id=item.id, rating=rating, comment=comment,
                    question=item.question, answer=item.answer.answer,
                    standalone_question=item.answer.standalone_question,
                    declined=item.answer.declined,
                    article_ids=list(dict.fromkeys(c.article_id for c in item.answer.citations)))
