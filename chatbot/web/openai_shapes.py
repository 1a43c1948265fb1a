"""The request and response shapes of the OpenAI-compatible face, as its API documents them.

Only what newsbot reads or writes is declared: a request's other fields (temperature,
max_tokens, tools…) are accepted and ignored, so portals that always send them still work.
Every reply also carries ``newsbot``, the full Answer, which clients that know it may read.
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chatbot.schema import Answer, Filters, Text

MODEL_ID = "newsbot"


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="ignore")
    type: str
    text: Text = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Text | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    """``POST /v1/chat/completions``: the conversation, the last user message is the
    question; ``filters`` is newsbot's own (outlets, dates, "as of")."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [
            {"role": "user", "content": "What does Hamas require before hostage talks?"}]}]})
    model: str
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    filters: Filters | None = None


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class _Reply(BaseModel):
    id: str
    created: int
    model: str = MODEL_ID


class Completion(_Reply):
    """A whole reply: the cited answer as Markdown in the message, the Answer in ``newsbot``."""

    object: Literal["chat.completion"] = "chat.completion"
    choices: list[Choice]
    newsbot: Answer


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class CompletionChunk(_Reply):
    """One server-sent event of a streamed reply; the last one carries the Answer."""

    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    choices: list[ChunkChoice]
    newsbot: Answer | None = None


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "newsbot"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard] = Field(default_factory=lambda: [ModelCard()])


def completion_id() -> tuple[str, int]:
    """A new reply's id and creation time, as the API writes them."""
    return f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
