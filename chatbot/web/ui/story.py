"""The chat's story desk: "Show the story's timeline" and "Watch this question" under the
answers, and the Watching panel beside them.

The timeline is added to the conversation as an answer (the same source cards and ``[n]``);
watches made in the chat belong to the shared owner (the chat page takes no API key), the
owner the command line and a keyless server's API use too. Every text from an article or a
question is escaped before it is shown.
"""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from chatbot.schema import Watch, WatchChange, date_label
from chatbot.service import ChatService, QuestionError
from chatbot.story.present import timeline_answer
from chatbot.story.topic import story_topic
from chatbot.story.watches import SHARED_OWNER
from chatbot.web.ui.chat import chat_messages, parse_filters
from chatbot.web.ui.render import AnsweredTurn, message_html, sources_html

_ASK_FIRST = "Ask a question first: the timeline and the watch are about the last one."
# Changes shown per watch in the panel, newest first.
_CHANGES_SHOWN = 3


class StoryUI:
    """The callbacks of the story buttons and the Watching panel."""

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def timeline(self, turns: list[AnsweredTurn], outlets: list[str] | None, since: str | None,
                 until: str | None) -> tuple[Any, ...]:
        """Add the last question's story timeline to the chat. Outputs: chat, turns, sources
        panel, the message under the box."""
        if not turns:
            return gr.skip(), gr.skip(), gr.skip(), message_html(_ASK_FIRST, kind="info")
        try:
            filters = parse_filters(outlets, since, until)
        except ValueError as exc:
            return gr.skip(), gr.skip(), gr.skip(), message_html(str(exc))
        last = turns[-1]
        asked = last.answer.standalone_question or last.question
        topic = story_topic(asked) or asked.rstrip("?")
        # Searched for (and watched as) the question that asks for this timeline.
        answer = timeline_answer(self.service.timeline(topic, filters),
                                 f"What's the latest on {topic}?")
        turns = [*turns, AnsweredTurn(len(turns) + 1, f"Timeline: {topic}", answer,
                                      filters=filters)]
        return chat_messages(turns), turns, sources_html(turns), message_html("")

    def watch(self, turns: list[AnsweredTurn]) -> tuple[str, str]:
        """Watch the last question. Outputs: the message under the box, the Watching panel."""
        if not turns:
            return message_html(_ASK_FIRST, kind="info"), self.watching()
        last = turns[-1]
        question = last.answer.standalone_question or last.question
        try:
            self.service.watches.add(SHARED_OWNER, self.service.validate_question(question),
                                     last.filters)
        except QuestionError as exc:
            return message_html(str(exc)), self.watching()
        return (message_html(f"Watching: {question} (changes appear under Watching).",
                             kind="info"), self.watching())

    def watching(self) -> str:
        """The Watching panel: each watch, its unread changes first, each change's new
        claims with their outlet and day."""
        store = self.service.watches.store
        watches = store.watches(SHARED_OWNER)
        if not watches:
            return '<p class="nb-watching-empty">No watched questions yet.</p>'
        changes = store.changes(SHARED_OWNER)
        ordered = sorted(watches, key=lambda w: -w.unread)
        return "".join(_watch_html(w, [c for c in changes if c.watch_id == w.id])
                       for w in ordered)

    def mark_read(self) -> str:
        self.service.watches.store.changes(SHARED_OWNER, mark_read=True)
        return self.watching()


def _watch_html(watch: Watch, changes: list[WatchChange]) -> str:
    unread = (f' <span class="nb-unread">{watch.unread} new</span>' if watch.unread else "")
    shown = "".join(_change_html(c) for c in changes[:_CHANGES_SHOWN])
    return (f'<section class="nb-watch" data-watch="{escape(watch.id)}">'
            f"<h4>{escape(watch.question)}{unread}</h4>{shown or '<p>No change yet.</p>'}"
            "</section>")


def _change_html(change: WatchChange) -> str:
    claims = "".join(
        f"<li>{escape(c.source or 'outlet unknown')}, "
        f"{escape(date_label(c.published) if c.published else 'undated')}: {escape(c.text)}</li>"
        for c in change.new)
    state = "" if change.read else ' class="nb-change-unread"'
    return f"<div{state}><p>{escape(change.at)}</p><ul>{claims}</ul></div>"
