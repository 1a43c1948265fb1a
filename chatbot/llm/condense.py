"""Follow-up questions condensed into standalone ones by the language model, when one is set.

The rule-based rewrite (chatbot.answering.followups) handles the follow-ups people type most, but
not "And the other side?" or "Why did that fail?". A language model reads the conversation and
writes the question in full. Its rewrite is only accepted when it is a short, well-formed
question (chatbot.answering.rewrite_check) built from the conversation's own words; otherwise,
and whenever the model fails or is slow, the rule-based rewrite is used, so a conversation
never waits on or breaks with the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llama_index.core.llms import LLM, ChatMessage, MessageRole

from chatbot.answering.citations.markers import strip_markers
from chatbot.answering.followups import standalone_question
from chatbot.answering.rewrite_check import rewrite_problems
from chatbot.llm.answerer import LLMFailure, chat_deltas, run_prepare, stream_with_deadline
from chatbot.schema import Turn
from index.store.terms import terms

SYSTEM_PROMPT = """Rewrite the last question of a conversation about the news as one \
standalone question that can be understood without the conversation. Replace pronouns and \
vague references (he, it, they, that, the other side) with the names they stand for; keep \
everything else as the user wrote it. Do not answer the question. Reply with the rewritten \
question only."""

# Assistant turns are cut to this: the names a follow-up refers to come early in an answer.
_ANSWER_CHARS = 400
# A rewrite must draw at least this share of its content words from the conversation.
_MIN_GROUNDED = 0.6
_LABEL = re.compile(r"^\s*(?:standalone|rewritten)?\s*question\s*:\s*", re.IGNORECASE)

_EXAMPLE = [
    ChatMessage(role=MessageRole.USER, content=(
        "Conversation:\nUser: Who is the mayor of Springfield?\n"
        "Assistant: Ann Lee is the mayor of Springfield.\n\n"
        "Last question: When was she elected?")),
    ChatMessage(role=MessageRole.ASSISTANT,
                content="When was Ann Lee elected mayor of Springfield?"),
]


@dataclass
class LLMCondenser:
    """Standalone questions from the model, the rule-based rewrite as the fallback."""

    llm: LLM
    timeout: float = 20.0
    prepare: Callable[[], object] | None = None

    def __call__(self, question: str, history: Sequence[Turn]) -> str:
        fallback = standalone_question(question, history)
        if not any(turn.role == "user" for turn in history):
            return fallback  # a first question has nothing to condense
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM_PROMPT), *_EXAMPLE,
                    ChatMessage(role=MessageRole.USER, content=conversation(question, history))]
        try:
            run_prepare(self.prepare)
            reply = "".join(stream_with_deadline(lambda: chat_deltas(self.llm, messages),
                                                 self.timeout))
        except LLMFailure:
            return fallback
        rewrite = clean_rewrite(reply)
        if is_grounded(rewrite, question, history) and not rewrite_problems(rewrite):
            return rewrite
        return fallback


def conversation(question: str, history: Sequence[Turn]) -> str:
    """The chat so far as plain lines (answers without their markers, cut short)."""
    lines = []
    for turn in history:
        if turn.role == "user":
            lines.append(f"User: {' '.join(turn.content.split())}")
        else:
            text = strip_markers(turn.content)
            lines.append(f"Assistant: {text[:_ANSWER_CHARS]}")
    return "Conversation:\n" + "\n".join(lines) + f"\n\nLast question: {question}"


def clean_rewrite(reply: str) -> str:
    """The question from a reply: its first line, without a label or quotes."""
    first = next((line for line in reply.splitlines() if line.strip()), "")
    return _LABEL.sub("", first).strip().strip("\"'“”").strip()


def is_grounded(rewrite: str, question: str, history: Sequence[Turn]) -> bool:
    """Whether a rewrite is a short question made of the conversation's words (not an answer,
    not a new topic)."""
    words = set(terms(rewrite))
    if not words or len(rewrite) > 2 * len(question) + 200:
        return False
    known = set(terms(question)).union(*(terms(turn.content) for turn in history))
    return len(words & known) / len(words) >= _MIN_GROUNDED
