"""The evaluation set format: validation with line numbers, and the quality of evals/seed.jsonl."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chatbot.evaluation.dataset import EvalSetError, load_eval_set
from chatbot.evaluation.metrics import contains_phrase
from tests.conftest import REPO, SEED_FILE

SEED_SET = REPO / "evals" / "seed.jsonl"


def write_set(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                            for r in records))
    return path


def test_a_full_question_loads_with_every_field(tmp_path: Path) -> None:
    questions = load_eval_set(write_set(tmp_path / "set.jsonl", {
        "id": "q1", "question": "Who?", "answers": ["Al-Nono"], "all_required": True,
        "history": [{"role": "user", "content": "Hi"}], "date": "2022-07-08",
        "expected_sources": ["a1"], "choices": ["Al-Nono", "Kirby", ""], "category": "who",
        "source_url": "https://example.org/quiz"}))
    q = questions[0]
    assert (q.id, q.kind, q.date, q.expected_sources) == ("q1", "who", date(2022, 7, 8), ["a1"])
    assert q.choices == ["Al-Nono", "Kirby"]  # blank quiz options dropped, unknown field ignored
    assert q.filters().as_of == date(2022, 7, 8)


def test_kind_falls_back_to_what_the_fields_say(tmp_path: Path) -> None:
    questions = load_eval_set(write_set(
        tmp_path / "set.jsonl",
        {"question": "A?", "answers": ["yes"]},
        {"question": "B?", "unanswerable": True},
        {"question": "C?", "answers": ["c"], "history": [{"role": "user", "content": "A?"}]}))
    assert [q.kind for q in questions] == ["answerable", "unanswerable", "follow-up"]
    assert [q.id for q in questions] == ["line-1", "line-2", "line-3"]


def test_every_bad_line_is_reported_with_its_number_before_anything_runs(tmp_path: Path,
                                                                         ) -> None:
    path = write_set(tmp_path / "bad.jsonl",
                     {"id": "ok", "question": "Fine?", "answers": ["yes"]},
                     "{not json",
                     {"id": "x", "question": "No answers?"},
                     {"id": "y", "question": "Both?", "answers": ["a"], "unanswerable": True},
                     {"id": "ok", "question": "Again?", "answers": ["b"]},
                     {"id": "z", "question": "Article?", "answers": ["The"]},
                     {"id": "d", "question": "When?", "answers": ["a"], "date": "last week"})
    with pytest.raises(EvalSetError) as caught:
        load_eval_set(path)
    message = str(caught.value)
    assert "6 bad line(s)" in message
    assert "line 2: malformed JSON" in message
    assert "line 3:" in message and "give accepted answers" in message
    assert "line 4:" in message and "unanswerable question has no accepted answers" in message
    assert "line 5: id 'ok' already used on line 1" in message
    assert "line 6:" in message and "empty after normalisation" in message
    assert "line 7: date:" in message


def test_missing_and_empty_sets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="cannot read"):
        load_eval_set(tmp_path / "missing.jsonl")
    with pytest.raises(EvalSetError, match="no questions"):
        load_eval_set(write_set(tmp_path / "empty.jsonl", ""))


def test_seed_set_covers_every_kind_of_question() -> None:
    questions = load_eval_set(SEED_SET)
    assert len(questions) >= 30
    kinds = Counter(q.kind for q in questions)
    for kind in ("factual", "who-what-where", "quote", "unanswerable-tempting", "off-topic",
                 "follow-up", "hostile"):
        assert kinds[kind] >= 3, kind
    assert sum(bool(q.history) for q in questions) >= 3
    assert sum(q.unanswerable for q in questions) >= 10


def test_seed_answers_are_extractable_from_the_seed_article() -> None:
    """An extractive answer quotes the article, so every accepted string must occur in it, and no
    forbidden string may."""
    article = SEED_FILE.read_text()
    for q in load_eval_set(SEED_SET):
        for accepted in q.answers:
            assert contains_phrase(article, accepted), (q.id, accepted)
        for forbidden in q.forbidden:
            assert not contains_phrase(article, forbidden), (q.id, forbidden)
