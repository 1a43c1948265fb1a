"""The seed question end to end: real store, real model, extractive answer with a citation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.service import ChatService, QuestionError
from index.store.records import article_key
from tests.conftest import REPO, SEED_QUESTION


def test_seed_question_is_answered_with_the_cited_condition(seeded_service: ChatService,
                                                            ) -> None:
    answer = seeded_service.ask(SEED_QUESTION)
    assert not answer.declined
    condition = next(c.text for c in answer.claims
                     if "until Israel ends its military campaign" in c.text)
    assert "humanitarian aid" in condition
    assert answer.answer.endswith("]")
    assert answer.citations[0].n == 1
    assert {c.article_id for c in answer.citations} == {"000_795694ea5ffbf6dd"}
    assert answer.standalone_question == SEED_QUESTION
    assert set(answer.timings_ms) >= {"retrieve_ms", "answer_ms", "total_ms"}


@pytest.mark.xfail(strict=True, reason="the sentence ranker refitted on every training period "
                   "leads with Haniyeh's visit to Egypt; the condition is the second sentence")
def test_the_seed_answer_opens_with_the_condition(seeded_service: ChatService) -> None:
    first = seeded_service.ask(SEED_QUESTION).claims[0].text
    assert "until Israel ends its military campaign" in first


def test_every_citation_is_verbatim_in_the_cleaned_article(seeded_service: ChatService) -> None:
    answer = seeded_service.ask(SEED_QUESTION)
    for citation in answer.citations:
        text = seeded_service.store.article_text(article_key(citation.article_id))
        assert text is not None
        assert text[citation.start:citation.end] == citation.passage
        for start, end in citation.highlights:
            assert citation.start <= start < end <= citation.end
            assert text[start:end] in answer.answer


def test_every_answer_sentence_ends_with_a_valid_citation(seeded_service: ChatService) -> None:
    answer = seeded_service.ask("What is Hamas's position on a temporary truce?")
    numbers = {c.n for c in answer.citations}
    pieces = [p for p in answer.answer.split("] ") if p]
    for piece in pieces:
        marker = piece.rstrip("]").rsplit("[", 1)
        assert len(marker) == 2 and int(marker[1]) in numbers, piece


def test_off_topic_question_is_declined(seeded_service: ChatService) -> None:
    answer = seeded_service.ask("What is the capital of Australia?")
    assert answer.declined
    assert answer.answer == "The sources I have do not answer that."
    assert answer.citations == []


def test_empty_store_declines_instead_of_failing(service: ChatService) -> None:
    assert service.ask(SEED_QUESTION).declined


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_refused_with_a_clear_message(seeded_service: ChatService,
                                                        question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        seeded_service.ask(question)


def test_huge_question_is_refused_with_the_limit(seeded_service: ChatService) -> None:
    with pytest.raises(QuestionError, match=r"too long \(100,000 characters; the limit is 2,000"):
        seeded_service.ask("x" * 100_000)


def test_second_process_on_the_same_store_answers_the_same(seeded_service: ChatService,
                                                           seeded_dir: Path) -> None:
    here = seeded_service.ask(SEED_QUESTION)
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "--data-dir", str(seeded_dir), "ask", "--json",
         SEED_QUESTION], capture_output=True, text=True, cwd=REPO, timeout=180, check=True)
    there = json.loads(result.stdout)
    assert there["answer"] == here.answer
    assert [c["passage"] for c in there["citations"]] == [c.passage for c in here.citations]


def test_streamed_deltas_add_up_to_the_final_answer(seeded_service: ChatService) -> None:
    events = list(seeded_service.stream("What is Hamas's position on a temporary truce?"))
    final = events[-1].answer
    assert final is not None and all(e.answer is None for e in events[:-1])
    deltas = [e.delta for e in events[:-1]]
    assert len(deltas) == final.answer.count("] ") + 1 >= 1
    assert "".join(deltas) == final.answer


def test_streaming_a_bad_question_fails_before_any_output(seeded_service: ChatService) -> None:
    with pytest.raises(QuestionError):
        next(iter(seeded_service.stream("")))


@pytest.mark.parametrize(("question", "answering"), [
    ("What kind of truce will Israel agree to?", "only agree to a limited humanitarian truce"),
    pytest.param("Which hostages does Israel insist must be released?",
                 "the release of all remaining women and elderly men hostage",
                 marks=pytest.mark.xfail(strict=True, reason=(
                     "the sentence ranker prefers Al-Nono's and Netanyahu's conditions to "
                     "Israel's demand; the reader is to read the question and sentence together"))),
])
def test_the_sentence_that_answers_is_shown_not_only_its_neighbour(
        seeded_service: ChatService, question: str, answering: str) -> None:
    answer = seeded_service.ask(question)
    assert not answer.declined
    assert answering in answer.answer
    if "But it has ruled out" in answer.answer:  # shown with the sentence naming "it"
        assert answer.answer.index("Israel did not comment") < \
            answer.answer.index("But it has ruled out")
