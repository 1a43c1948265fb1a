"""``/v1/chat/completions`` and ``/v1/models``: the OpenAI chat-completions API over ChatService.

Chat portals (Open WebUI, LibreChat) and OpenAI's own SDKs speak this API. The conversation's
last user message is the question and the earlier user and assistant messages its history; a
system message is not used for answering (newsbot answers from its sources, not from
instructions). The reply's text is the cited answer as Markdown, sources listed under it; the
whole Answer rides along in ``newsbot``. Keys, rate limits and statuses are the API's, errors
in OpenAI's shape (chatbot.web.errors).

A streamed reply sends the final, checked answer: a language model's sentences that no source
supports are removed from it, and an OpenAI client cannot take back text it was shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from chatbot.answering.citations.text import answer_from_markdown, answer_markdown_parts
from chatbot.schema import Answer, StreamEvent, Turn
from chatbot.service import ChatService
from chatbot.web.errors import OpenAIError, openai_error
from chatbot.web.openai_shapes import (
    MODEL_ID,
    ChatMessage,
    Choice,
    ChunkChoice,
    Completion,
    CompletionChunk,
    CompletionRequest,
    Delta,
    ModelCard,
    ModelList,
    ReplyMessage,
    completion_id,
)
from chatbot.web.routes.deps import (
    GUARD,
    Service,
    check_question,
    explain,
    failure_while_streaming,
)

# A comment line this often keeps proxies from closing a stream that waits on a slow model.
_PING_SECONDS = 15

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[GUARD])


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    """The one model: ``newsbot``."""
    return ModelList()


@router.get("/models/{model}", response_model=ModelCard)
def model(model: str) -> ModelCard:
    _check_model(model)
    return ModelCard()


@router.post("/chat/completions", response_model=Completion, responses={200: {"content": {
    "text/event-stream": {}}, "description": "With `stream: true`: `chat.completion.chunk` "
    "events, the last with the Answer in `newsbot`, then `data: [DONE]`."}})
def completions(body: CompletionRequest, service: Service) -> Any:
    """Answer the conversation's last user message, in the context of the messages before it."""
    _check_model(body.model)
    question, history = conversation(body.messages)
    check_question(service, question)
    if not body.stream:
        try:
            answer = service.ask(question, history, body.filters)
        except Exception as exc:
            raise explain(service, exc) from exc
        reply_id, created = completion_id()
        return Completion(id=reply_id, created=created, newsbot=answer, choices=[
            Choice(message=ReplyMessage(content="".join(answer_markdown_parts(answer))))])
    events = service.stream(question, history, body.filters)
    try:  # retrieval runs before the first event: a down store is still a 503 here
        first = next(events)
    except Exception as exc:
        raise explain(service, exc) from exc
    return EventSourceResponse(
        _chunks(service, first, events), ping=_PING_SECONDS, sep="\n",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, which must be the user's) and the turns before it;
    earlier replies are read back as the answers they were written from."""
    *earlier, last = messages
    if last.role != "user":
        raise OpenAIError(422, "The last message must be the user's question.",
                          "invalid_request")
    history = [Turn(role=m.role, content=answer_from_markdown(m.text)
                    if m.role == "assistant" else m.text)
               for m in earlier if m.role in ("user", "assistant")]
    return last.text, history


def _check_model(name: str) -> None:
    if name != MODEL_ID:
        raise OpenAIError(404, f"The model `{name}` does not exist; this server has one "
                               f"model, `{MODEL_ID}`.", "model_not_found")


def _chunks(service: ChatService, first: StreamEvent, rest: Iterator[StreamEvent],
            ) -> Iterator[ServerSentEvent]:
    """The reply as ``chat.completion.chunk`` events: the role, the answer's sentences and its
    sources, a last chunk with the Answer, then ``[DONE]``; a failure is an error event."""
    reply_id, created = completion_id()

    def chunk(delta: Delta, answer: Answer | None = None) -> ServerSentEvent:
        done = answer is not None
        return ServerSentEvent(sep="\n", data=CompletionChunk(
            id=reply_id, created=created, newsbot=answer, choices=[ChunkChoice(
                delta=delta, finish_reason="stop" if done else None)],
        ).model_dump_json(exclude_none=not done))

    yield chunk(Delta(role="assistant", content=""))
    try:
        answer = first.answer
        for event in rest:
            answer = event.answer or answer
        assert answer is not None, "a stream always ends with the answer"
    except Exception as exc:
        status, message = failure_while_streaming(service, exc)
        yield ServerSentEvent(sep="\n", data=json.dumps(openai_error(status, message)))
    else:
        for part in answer_markdown_parts(answer):
            yield chunk(Delta(content=part))
        yield chunk(Delta(), answer)
    yield ServerSentEvent(sep="\n", data="[DONE]")
