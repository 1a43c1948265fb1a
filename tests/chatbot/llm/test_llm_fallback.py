"""The language-model answerer when the model is down, slow, wrong, or says something: the
user always gets an answer (the extractive one, with a notice, when the model fails), never a
stack trace and never a wait past the deadline. The model is a tiny HTTP server that
misbehaves on purpose; store and embedding model are real."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from llama_index.core import Settings as LlamaSettings
from llama_index.llms.openai_like import OpenAILike

from chatbot.llm.answerer import LLMAnswerer
from chatbot.llm.local_model import ModelIntegrityError
from chatbot.schema import Answer, Turn
from chatbot.service import ChatService
from tests.conftest import SEED_QUESTION, free_port, make_settings
from tests.fake_llm import FakeLLMServer


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer()
    yield server
    server.close()


def llm_service(seeded_service: ChatService, base_url: str, **overrides: object) -> ChatService:
    """A service over the seeded store whose answerer talks to ``base_url``."""
    settings = make_settings(seeded_service.settings.data_dir, answerer="openai",
                             llm_base_url=base_url, **{"llm_timeout": 6.0, **overrides})
    return seeded_service.with_settings(settings)


def timed_ask(service: ChatService, question: str = SEED_QUESTION) -> tuple[Answer, float]:
    start = time.monotonic()
    answer = service.ask(question)
    return answer, time.monotonic() - start


@pytest.mark.parametrize(("behaviour", "reason"), [
    ("error", "answered with an error (HTTP 500)"),
    ("context", "could not read that many sources"),
    ("garbage", "failed"),
    ("html", "returned an empty answer"),
    ("empty", "returned an empty answer"),
])
def test_failing_endpoint_gives_the_extractive_answer_with_a_notice(
        seeded_service: ChatService, fake_llm: FakeLLMServer, behaviour: str,
        reason: str) -> None:
    extractive = seeded_service.ask(SEED_QUESTION)
    answer, seconds = timed_ask(llm_service(seeded_service, fake_llm.url(behaviour)))
    assert answer.answer == extractive.answer
    assert answer.citations == extractive.citations
    assert answer.notice is not None and reason in answer.notice
    assert "taken from the sources without it" in answer.notice
    assert answer.answered_by == "extractive" and answer.fallback_reason is not None
    assert seconds < 10


def test_endpoint_down_gives_the_extractive_answer_at_once(seeded_service: ChatService) -> None:
    answer, seconds = timed_ask(llm_service(seeded_service, f"http://127.0.0.1:{free_port()}/v1"))
    assert not answer.declined and "military campaign" in answer.answer
    assert answer.notice is not None and "could not be reached" in answer.notice
    assert answer.fallback_reason == "unreachable"
    assert seconds < 6  # no retries, no backoff (the extractive answer takes ~1 s)


@pytest.mark.parametrize("behaviour", ["slow", "drip"])
def test_slow_endpoint_is_abandoned_at_the_deadline(seeded_service: ChatService,
                                                    fake_llm: FakeLLMServer,
                                                    behaviour: str) -> None:
    service = llm_service(seeded_service, fake_llm.url(behaviour), llm_timeout=1.5)
    answer, seconds = timed_ask(service)
    assert 1.4 < seconds < 5, seconds
    assert answer.notice is not None
    assert "did not finish within 1.5 s" in answer.notice or "in time" in answer.notice
    assert "military campaign" in answer.answer


def test_reply_without_citations_is_not_used(seeded_service: ChatService,
                                             fake_llm: FakeLLMServer) -> None:
    fake_llm.answer = "Hamas wants Israel to end its military campaign in Gaza first."
    answer, _ = timed_ask(llm_service(seeded_service, fake_llm.url("script")))
    assert answer.notice is not None and "without citing its sources" in answer.notice


def test_supported_sentences_are_kept_and_a_fabricated_one_is_removed(
        seeded_service: ChatService, fake_llm: FakeLLMServer) -> None:
    fake_llm.answer = (
        "Hamas is not ready to discuss the release of more Israeli hostages until Israel ends "
        "its military campaign in Gaza [1]. Hamas also demands 5 billion dollars in aid [1].")
    service = llm_service(seeded_service, fake_llm.url("script"))
    events = list(service.stream(SEED_QUESTION))
    final = events[-1].answer
    assert final is not None
    streamed = "".join(e.delta for e in events[:-1])
    assert "5 billion dollars" in streamed  # shown while streaming ...
    assert "billion" not in final.answer  # ... and gone from the authoritative answer
    assert final.answer.startswith("Hamas is not ready to discuss the release")
    assert final.answer.endswith("[1]") and len(final.citations) == 1
    assert "military campaign" in final.citations[0].passage
    assert final.notice == ("1 of 2 sentences of the language model's answer was removed: "
                            "the sources do not support it.")


def test_answer_made_only_of_fabrications_becomes_a_decline(
        seeded_service: ChatService, fake_llm: FakeLLMServer) -> None:
    fake_llm.answer = "Hamas requires a payment of 40 million dollars from Qatar [1]."
    answer, _ = timed_ask(llm_service(seeded_service, fake_llm.url("script")))
    assert answer.declined and answer.citations == []
    assert answer.notice is not None and "withheld" in answer.notice
    assert answer.closest  # what the sources do say, for the user to read
    assert any("military campaign" in c.passage for c in answer.closest)


def test_supported_answer_that_does_not_give_the_number_asked_for_is_withheld(
        seeded_service: ChatService, fake_llm: FakeLLMServer) -> None:
    fake_llm.answer = ("Israel insists on the release of all remaining women and elderly men "
                       "hostage [1].")
    service = llm_service(seeded_service, fake_llm.url("script"))
    answer = service.ask("How many Israeli hostages are still being held in Gaza?")
    assert answer.declined and answer.closest
    assert answer.notice is not None and "a number or a time" in answer.notice


def test_model_decline_is_a_decline_without_notice(seeded_service: ChatService,
                                                   fake_llm: FakeLLMServer) -> None:
    fake_llm.answer = "The sources I have do not answer that."
    answer, _ = timed_ask(llm_service(seeded_service, fake_llm.url("script")))
    assert answer.declined and answer.notice is None


def test_follow_up_is_condensed_by_the_model(seeded_service: ChatService,
                                             fake_llm: FakeLLMServer) -> None:
    # Grounded in the conversation ("halt" is from the answer), unlike the rule-based rewrite.
    fake_llm.condensed = "What is Israel's position on a temporary halt?"
    fake_llm.answer = "Israel has ruled out a permanent ceasefire [1]."
    history = [Turn(role="user", content="What is Hamas's position on a temporary truce?"),
               Turn(role="assistant", content="Hamas rejects any further temporary halt [1].")]
    answer = llm_service(seeded_service, fake_llm.url("script")).ask("And Israel?", history)
    assert answer.standalone_question == "What is Israel's position on a temporary halt?"
    assert "ruled out a permanent ceasefire" in answer.answer
    condense_request = fake_llm.requests[-2]
    assert "Last question: And Israel?" in str(condense_request["messages"])


def test_ungrounded_rewrite_falls_back_to_the_rule_based_one(seeded_service: ChatService,
                                                             fake_llm: FakeLLMServer) -> None:
    fake_llm.condensed = "Which football club won the cup final in Madrid?"
    fake_llm.answer = "The sources I have do not answer that."
    history = [Turn(role="user", content="When did Ismail Haniyeh visit Egypt?"),
               Turn(role="assistant", content="Haniyeh visited Egypt on Wednesday [1].")]
    answer = llm_service(seeded_service, fake_llm.url("script")).ask(
        "Who did he meet there?", history)
    assert answer.standalone_question != fake_llm.condensed
    assert "Ismail Haniyeh" in answer.standalone_question


def test_condensing_with_a_dead_endpoint_keeps_the_rule_based_rewrite(
        seeded_service: ChatService) -> None:
    history = [Turn(role="user", content="When did Ismail Haniyeh visit Egypt?"),
               Turn(role="assistant", content="Haniyeh visited Egypt on Wednesday [1].")]
    service = llm_service(seeded_service, f"http://127.0.0.1:{free_port()}/v1")
    answer = service.ask("Who did he meet there?", history)
    assert "Ismail Haniyeh" in answer.standalone_question
    assert answer.notice is not None and "could not be reached" in answer.notice


def test_configured_model_is_passed_explicitly_never_set_process_wide(
        seeded_service: ChatService, fake_llm: FakeLLMServer) -> None:
    service = llm_service(seeded_service, fake_llm.url("script"))
    assert isinstance(service.llm, OpenAILike)
    assert service.llm.api_base == fake_llm.url("script")
    assert LlamaSettings._llm is None and LlamaSettings._embed_model is None


def test_local_model_that_cannot_start_gives_the_extractive_answer(
        seeded_service: ChatService) -> None:
    def refuse() -> None:
        raise ModelIntegrityError("refusing model.gguf: assembled 12 bytes with SHA-256 abc")

    service = llm_service(seeded_service, f"http://127.0.0.1:{free_port()}/v1")
    assert isinstance(service.answerer, LLMAnswerer)
    service.answerer.prepare = refuse
    answer = service.ask(SEED_QUESTION)
    assert "military campaign" in answer.answer
    assert answer.notice is not None
    assert answer.notice.startswith("The language model could not be started (refusing model")
