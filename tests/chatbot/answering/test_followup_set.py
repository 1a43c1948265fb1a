"""evals/followups-dev.jsonl: every follow-up needs its history, and every rewrite reads well."""

from __future__ import annotations

import json

import pytest

from chatbot.answering.followups import standalone_question
from chatbot.answering.rewrite_check import rewrite_problems
from chatbot.evaluation.dataset import load_eval_set
from chatbot.evaluation.metrics import normalize_answer
from tests.conftest import REPO

FOLLOW_UPS = REPO / "evals" / "followups-dev.jsonl"
# The dev slice the set was written over (read by path, never copied into the repository).
DEV_ARTICLES = REPO.parent / "shared" / "bench" / "realtimeqa-dev" / "articles.jsonl"


def test_the_set_has_forty_follow_ups_each_with_a_history() -> None:
    questions = load_eval_set(FOLLOW_UPS)
    assert len(questions) >= 40
    assert all(q.history and q.kind == "follow-up" and q.answers for q in questions)


def test_every_rewrite_of_the_set_is_one_sentence_without_a_doubled_phrase() -> None:
    for question in load_eval_set(FOLLOW_UPS):
        rewrite = standalone_question(question.question, question.history)
        assert not rewrite_problems(rewrite), (question.id, rewrite)


def test_every_rewrite_of_the_set_differs_from_the_bare_follow_up() -> None:
    """Each follow-up needs its history, so the rewrite must bring something from it."""
    for question in load_eval_set(FOLLOW_UPS):
        assert standalone_question(question.question, question.history) != question.question, \
            question.id


@pytest.mark.skipif(not DEV_ARTICLES.exists(), reason="the RealTime QA dev slice is not here")
def test_every_accepted_answer_occurs_in_a_dev_article_published_by_its_date() -> None:
    articles = [json.loads(line) for line in DEV_ARTICLES.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    texts = [(a["published"], f" {normalize_answer(a.get('title', '') + ' ' + a['text'])} ")
             for a in articles]
    for question in load_eval_set(FOLLOW_UPS):
        for answer in question.answers:
            wanted = f" {normalize_answer(answer)} "
            assert any(wanted in text for published, text in texts
                       if published <= str(question.date)), (question.id, answer)
