"""Answers written by a language model, checked sentence by sentence, extractive when it fails.

Any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp's server, a hosted API) is reached
through llama-index's OpenAILike; the bundled local model is the same thing pointed at a
llama.cpp server in this process. The model sees short numbered excerpts (chatbot.llm.prompt) and
streams its answer; every sentence is then verified against the excerpt it cites
(chatbot.answering.citations.verify) and the verified sentences become the Draft.

The model is never trusted to be there: an endpoint that is down, slow, answers an error,
says nothing or ignores the format gives the extractive answer with a notice saying why. The
whole exchange runs against one deadline, enforced here rather than left to the HTTP client,
whose timeout restarts with every streamed byte.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import openai
from llama_index.core.llms import LLM, ChatMessage
from llama_index.llms.openai_like import OpenAILike

from chatbot.answering.answer_fit import fits_answer_type
from chatbot.answering.citations.draft import Draft
from chatbot.answering.citations.verify import CitationVerifier
from chatbot.answering.evidence import Evidence
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.llm.prompt import build_messages, select_sources
from chatbot.schema import FallbackReason
from index.read_ahead import ReadAheadTimeout, read_ahead
from index.store.records import Passage

# A reply longer than this is runaway generation from an endpoint that ignores max_tokens.
MAX_REPLY_CHARS = 6000
_CLOSEST = 3


class LLMFailure(Exception):
    """The model gave no usable answer; the message completes "The language model ...", the
    reason says which way it failed (the Answer's ``fallback_reason``)."""

    def __init__(self, message: str, reason: FallbackReason = "failed") -> None:
        super().__init__(message)
        self.reason: FallbackReason = reason


def openai_compatible_llm(base_url: str, model: str, api_key: str | None, timeout: float,
                          max_tokens: int, temperature: float,
                          context_window: int = 4096) -> OpenAILike:
    """An LLM for any OpenAI-compatible chat endpoint. No retries: a failed call falls back to
    the extractive answer at once instead of keeping the user waiting."""
    # The OpenAI client logs whole requests at DEBUG (the articles and the question in the
    # prompt): not even a debugging deployment may write article text to its logs.
    logging.getLogger("openai").setLevel(max(logging.INFO,
                                             logging.getLogger("openai").getEffectiveLevel()))
    return OpenAILike(model=model, api_base=base_url, api_key=api_key or "none",
                      is_chat_model=True, is_function_calling_model=False,
                      context_window=context_window, max_tokens=max_tokens,
                      temperature=temperature, timeout=timeout, max_retries=0)


@dataclass
class LLMAnswerer:
    """Streams a model's answer, then keeps only the sentences their sources support.

    ``prepare`` runs before each request, outside the deadline: the local model uses it to
    assemble and start its server on first use.
    """

    llm: LLM
    extractive: ExtractiveAnswerer
    verifier: CitationVerifier
    timeout: float = 60.0
    sources: int = 5
    source_chars: int = 800
    prepare: Callable[[], object] | None = None

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Draft]:
        ranked = self.extractive.score(question, passages)
        sources = select_sources(ranked, self.sources, self.source_chars)
        if not sources:
            yield Draft([], closest=passages[:_CLOSEST])  # nothing to read: no model call
            return
        reply: list[str] = []
        try:
            run_prepare(self.prepare)
            messages = build_messages(question, sources)
            for delta in stream_with_deadline(lambda: chat_deltas(self.llm, messages),
                                              self.timeout):
                reply.append(delta)
                yield delta
                if sum(map(len, reply)) > MAX_REPLY_CHARS:
                    break
        except LLMFailure as failure:
            yield self.fallback(question, ranked, passages, failure)
            return
        text = "".join(reply).strip()
        if not text:
            yield self.fallback(question, ranked, passages,
                                LLMFailure("returned an empty answer", "empty_reply"))
            return
        checked = self.verifier.verify(text, sources)
        closest = [source.passage for source in sources][:_CLOSEST]
        best = ranked[0].evidence if ranked else 0.0
        if checked.claims and not any(fits_answer_type(question, c.text)
                                      for c in checked.claims):
            # Supported, but not what was asked: "How many ...?" answered without a number.
            yield Draft([], best, closest=closest, answered_by="llm", notice=(
                "The language model's answer was withheld: it does not give the kind of answer "
                "asked for (a number or a time)."))
        elif checked.claims:
            yield Draft(checked.claims, best, notice=checked.notice, answered_by="llm")
        elif checked.declined and not checked.removed:
            yield Draft([], best, closest=closest, answered_by="llm")
        elif checked.cited or checked.declined:
            yield Draft([], best, notice=checked.notice, closest=closest, answered_by="llm")
        else:
            yield self.fallback(question, ranked, passages,
                                LLMFailure("replied without citing its sources", "uncited_reply"))

    def fallback(self, question: str, ranked: list[Evidence], passages: list[Passage],
                 failure: LLMFailure) -> Draft:
        """The extractive answer, with a notice that says why the model's was not used."""
        draft = self.extractive.compose(ranked, passages, question)
        draft.fallback_reason = failure.reason
        draft.notice = (f"The language model {failure}, so this answer was taken from the "
                        "sources without it.")
        return draft


def run_prepare(prepare: Callable[[], object] | None) -> None:
    """Run a model's start-up step; any failure (a model file refused, llama.cpp unable to load
    it) becomes an LLMFailure, so it is a notice to the user and not a stack trace."""
    if prepare is None:
        return
    try:
        prepare()
    except Exception as exc:
        raise LLMFailure(f"could not be started ({str(exc)[:300]})", "start_failed") from exc


def chat_deltas(llm: LLM, messages: list[ChatMessage]) -> Iterator[str]:
    """The text pieces of a streamed chat reply."""
    for response in llm.stream_chat(messages):
        if response.delta:
            yield response.delta


def stream_with_deadline(start: Callable[[], Iterator[str]], seconds: float) -> Iterator[str]:
    """The items of ``start()``, produced in a worker thread, until it ends or ``seconds`` pass.

    Raises LLMFailure with a reason the user can read for a timeout or any error. A stalled
    connection cannot hold the caller past the deadline: the worker is left to end on its own
    (the HTTP client's timeout bounds it) and told to stop at its next item.
    """

    def started() -> Iterator[str]:  # start() runs in the worker, connecting included
        yield from start()

    try:
        yield from read_ahead(started(), depth=0, seconds=seconds)
    except ReadAheadTimeout:
        raise LLMFailure(f"did not finish within {seconds:g} s", "timeout") from None
    except Exception as exc:
        raise failure_of(exc) from exc


def failure_of(error: Exception) -> LLMFailure:
    """What went wrong, in words for the user (completing "The language model ...")."""
    if isinstance(error, LLMFailure):
        return error
    if isinstance(error, openai.APITimeoutError):
        return LLMFailure("did not answer in time", "timeout")
    if isinstance(error, openai.APIConnectionError):
        return LLMFailure("could not be reached", "unreachable")
    if isinstance(error, openai.APIStatusError):
        body = str(error.message).lower()
        if "context" in body and ("exceed" in body or "too long" in body or "length" in body):
            return LLMFailure("could not read that many sources (its context window is too "
                              "small)", "context_too_small")
        return LLMFailure(f"answered with an error (HTTP {error.status_code})", "http_error")
    return LLMFailure(f"failed ({type(error).__name__}: {str(error)[:200]})")
