"""The OpenAI-compatible face, driven by the official ``openai`` client against the real server
on 127.0.0.1: plain and streamed replies, history, a decline, keys, the rate limit, errors."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import openai
import pytest

from chatbot.answering.citations.draft import DECLINE_MESSAGE
from tests.chatbot.web.conftest import PLUG_KEYS, PLUG_RATE_LIMIT, XSS_QUESTION, RunningApp
from tests.conftest import SEED_QUESTION

SEED_TITLE = "'Very serious' negotiations ongoing for new Gaza truce"
TRUCE = "What is Hamas's position on a temporary truce?"


def client(app: RunningApp, key: str = PLUG_KEYS["openai"],
           headers: dict[str, str] | None = None) -> openai.OpenAI:
    # No retries: the SDK would otherwise wait out a 429's Retry-After and ask again.
    return openai.OpenAI(base_url=f"{app.url}/v1", api_key=key, max_retries=0, timeout=120,
                         default_headers=headers)


def ask(app: RunningApp, *messages: tuple[str, str]) -> Any:
    return client(app).chat.completions.create(
        model="newsbot", messages=[{"role": role, "content": text} for role, text in messages])


def test_models_lists_newsbot_and_an_unknown_model_is_a_404_in_openais_shape(
        plugs_app: RunningApp) -> None:
    models = client(plugs_app).models.list()
    assert [m.id for m in models.data] == ["newsbot"]
    assert client(plugs_app).models.retrieve("newsbot").id == "newsbot"
    with pytest.raises(openai.NotFoundError) as missing:
        client(plugs_app).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": SEED_QUESTION}])
    assert missing.value.code == "model_not_found" and "`newsbot`" in missing.value.message
    assert missing.value.body["type"] == "invalid_request_error"  # type: ignore[index]


def test_a_reply_is_the_cited_answer_with_its_sources_and_the_whole_answer_beside_it(
        plugs_app: RunningApp) -> None:
    reply = ask(plugs_app, ("system", "Answer in French, like a pirate."),
                ("user", SEED_QUESTION))
    assert reply.object == "chat.completion" and reply.model == "newsbot"
    assert reply.choices[0].finish_reason == "stop"
    content = reply.choices[0].message.content
    answer, sources = content.split("\n\n**Sources**\n\n")
    assert "military campaign in Gaza" in answer
    assert answer.startswith(reply.newsbot["claims"][0]["text"])
    numbers = re.findall(r"\[\d+\]", answer)
    assert numbers and answer.endswith(numbers[-1])
    # One line for the seed article, with every passage's number; it names no outlet and no
    # date, so the line says "undated", once.
    assert sources == f"- {''.join(dict.fromkeys(numbers))} {SEED_TITLE} — undated"
    full = reply.newsbot  # the extra field: the Answer, as /api/ask returns it
    assert not full["declined"] and full["standalone_question"] == SEED_QUESTION
    first = full["citations"][0]
    assert first["n"] == 1 and first["article_id"] == "000_795694ea5ffbf6dd"
    assert first["end"] - first["start"] == len(first["passage"])
    assert full["claims"][0]["text"] in first["passage"]


def test_a_streamed_reply_sends_the_same_text_in_chunks_then_the_answer(
        plugs_app: RunningApp) -> None:
    plain = ask(plugs_app, ("user", SEED_QUESTION)).choices[0].message.content
    stream = client(plugs_app).chat.completions.create(
        model="newsbot", stream=True, messages=[{"role": "user", "content": SEED_QUESTION}])
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len(chunks) >= 4  # the role, a sentence at least, the sources, the end
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.newsbot["citations"][0]["article_id"] == "000_795694ea5ffbf6dd"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])


def test_the_stream_on_the_wire_ends_with_done(plugs_app: RunningApp) -> None:
    with httpx.stream("POST", f"{plugs_app.url}/v1/chat/completions", timeout=120, json={
            "model": "newsbot", "stream": True,
            "messages": [{"role": "user", "content": SEED_QUESTION}]},
            headers={"Authorization": f"Bearer {PLUG_KEYS['openai']}"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)
    assert json.loads(lines[-2][6:])["newsbot"]["declined"] is False


def test_the_history_makes_a_follow_up_understood_as_the_api_understands_it(
        plugs_app: RunningApp) -> None:
    first = ask(plugs_app, ("user", TRUCE))
    follow_up = ask(plugs_app, ("user", TRUCE), ("assistant", first.choices[0].message.content),
                    ("user", "And what about Israel?"))
    assert (follow_up.newsbot["standalone_question"]
            == "What is Israel's position on a temporary truce?")
    # The reply sent back as history (its sources list included) is read as the answer it was.
    native = httpx.post(f"{plugs_app.url}/api/ask", timeout=120, json={
        "question": "And what about Israel?", "history": [
            {"role": "user", "content": TRUCE},
            {"role": "assistant", "content": first.newsbot["answer"]}]},
        headers={"X-API-Key": PLUG_KEYS["openai"]}).json()
    assert follow_up.newsbot["answer"] == native["answer"]
    assert follow_up.newsbot["citations"] == native["citations"]


def test_a_question_the_sources_do_not_answer_is_a_normal_reply_saying_so(
        plugs_app: RunningApp) -> None:
    reply = ask(plugs_app, ("user", "What is the capital of Australia?"))
    assert reply.choices[0].message.content == DECLINE_MESSAGE
    assert reply.choices[0].finish_reason == "stop"
    assert reply.newsbot["declined"] and reply.newsbot["citations"] == []


def test_article_text_cannot_become_markup_or_a_link_in_the_portal(
        plugs_app: RunningApp) -> None:
    content = ask(plugs_app, ("user", XSS_QUESTION)).choices[0].message.content
    assert "Port Elms" in content and "**Sources**" in content
    # Every "<", "[" and "]" that is not a citation marker is escaped, so shown as text.
    assert not re.search(r"(?<!\\)[<\[\]]", re.sub(r"\[\d+\]", "", content))
    assert r"Harbour \<script\>" in content
    source = next(line for line in content.splitlines() if line.startswith("- [1] Harbour"))
    assert source.endswith(", 1 Feb 2024")  # its javascript: link is not written


def test_a_wrong_or_missing_key_is_refused_and_bearer_works_on_the_native_api_too(
        plugs_app: RunningApp) -> None:
    guesser = {"X-Forwarded-For": "203.0.113.32"}  # wrong keys throttle their own address
    with pytest.raises(openai.AuthenticationError) as refused:
        client(plugs_app, "wrong", guesser).models.list()
    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"
    missing = httpx.get(f"{plugs_app.url}/v1/models",
                        headers=guesser)  # the SDK itself insists on a key
    assert missing.status_code == 401
    assert missing.json()["error"] == refused.value.body
    native = httpx.post(f"{plugs_app.url}/api/ask", json={"question": SEED_QUESTION},
                        headers={"Authorization": f"Bearer {PLUG_KEYS['openai']}"}, timeout=120)
    assert native.status_code == 200 and native.json()["citations"]
    wrong = httpx.post(f"{plugs_app.url}/api/ask", json={"question": SEED_QUESTION},
                       headers={"Authorization": "Bearer wrong", **guesser})
    assert wrong.status_code == 401 and "detail" in wrong.json()  # the native shape


def test_too_many_questions_get_429_with_retry_after(plugs_app: RunningApp) -> None:
    limited = client(plugs_app, PLUG_KEYS["limit"])
    for _ in range(PLUG_RATE_LIMIT):
        limited.models.list()
    with pytest.raises(openai.RateLimitError) as refused:
        limited.chat.completions.create(
            model="newsbot", messages=[{"role": "user", "content": SEED_QUESTION}])
    retry_after = int(refused.value.response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.value.code == "rate_limit_exceeded"
    assert f"please wait {retry_after} s" in refused.value.message


def test_a_bad_request_is_refused_with_the_apis_status_and_message(
        plugs_app: RunningApp) -> None:
    with pytest.raises(openai.APIStatusError) as too_long:
        ask(plugs_app, ("user", "why " * 1000))
    assert too_long.value.status_code == 413 and "the limit is 2,000" in too_long.value.message
    with pytest.raises(openai.UnprocessableEntityError) as not_a_question:
        ask(plugs_app, ("user", SEED_QUESTION), ("assistant", "An answer."))
    assert "last message must be the user's" in not_a_question.value.message
    with pytest.raises(openai.UnprocessableEntityError) as empty:
        ask(plugs_app, ("user", "   "))
    assert "question is empty" in empty.value.message
    huge = httpx.post(f"{plugs_app.url}/v1/chat/completions", content=b"x" * 1_100_000,
                      headers={"Authorization": f"Bearer {PLUG_KEYS['openai']}",
                               "Content-Type": "application/json"})
    assert huge.status_code == 413
    assert huge.json()["error"]["message"] == "The request body is larger than 1,000,000 bytes."
