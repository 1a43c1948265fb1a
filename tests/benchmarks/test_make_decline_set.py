"""The decline-set builder removes a question's answer in every form an article gives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.make_decline_set import _padded, answer_articles, answer_forms, build

REPO = Path(__file__).resolve().parents[2]


def test_an_answer_is_also_found_without_its_title_qualifier_party_or_plural() -> None:
    assert "glenn thompson" in answer_forms("Rep. Glenn Thompson, R-Pa.")
    assert "uhura" in answer_forms("Lieutenant Uhura")
    assert "120000" in answer_forms("More than 120,000")
    assert "fire risk" in answer_forms("Fire risks")
    assert "monarch butterfly" in answer_forms("Monarch butterflies")


def test_a_form_too_short_to_be_the_answer_is_not_used() -> None:
    assert answer_forms("Mr. Li") == {"mr li"}
    assert answer_forms("Glass") == {"glass"}


def test_articles_holding_the_answer_in_another_form_are_found_only_when_asked() -> None:
    question = {"answers": ["Rep. Glenn Thompson, R-Pa."]}
    corpus = {
        "exact": _padded("Rep. Glenn Thompson, R-Pa., voted against the bill."),
        "other form": _padded("GOP Rep. Glenn Thompson attended his son's wedding."),
        "unrelated": _padded("Hunter S. Thompson wrote about Las Vegas."),
    }
    assert answer_articles(question, corpus) == {"exact"}
    assert answer_articles(question, corpus, any_form=True) == {"exact", "other form"}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_a_decline_set_removes_answers_keeps_current_ones_and_dates_the_added_questions(
        tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "articles.jsonl", [
        {"id": "wedding", "published": "2022-07-28",
         "text": "Rep. Glenn Thompson, R-Pa., attended his son's wedding."},
        {"id": "wedding-2", "published": "2022-07-29",
         "text": "GOP Rep. Glenn Thompson went to the wedding days after the vote."},
        {"id": "mars", "published": "2022-07-27", "text": "Perseverance found organic matter."},
        {"id": "mars-2", "published": "2022-07-30", "text": "The organic matter is old."},
        {"id": "old-europe", "published": "2019-01-02", "text": "Storms hit Europe."},
        {"id": "old-europe-2", "published": "2019-02-03", "text": "Snow fell across Europe."},
    ])
    _write_jsonl(tmp_path / "questions.jsonl", [
        {"id": "q-wedding", "question": "Which member of Congress attended the wedding?",
         "date": "2022-07-29", "answers": ["Rep. Glenn Thompson, R-Pa."]},
        {"id": "q-mars", "question": "What did the rover find?", "date": "2022-07-29",
         "answers": ["organic matter"]},
        {"id": "q-europe", "question": "Which continent had a heatwave?", "date": "2022-07-29",
         "answers": ["Europe"]},
    ])
    questions, removed, left_out = build(tmp_path, share=1.0, max_articles=1, seed=1,
                                         people_count=0)
    by_id = {q["id"]: q for q in questions}
    # Only "q-wedding" is distinctive (one article has the answer as written); the article
    # that names him without title and party tag goes too.
    assert removed == ["wedding", "wedding-2"]
    assert by_id["q-wedding"]["unanswerable"]
    assert by_id["q-mars"]["answers"] == ["organic matter"]
    # Only 2019 stories hold "Europe": neither surely answered nor surely not, so left out.
    assert "q-europe" not in by_id and left_out == 1
    # The added questions are asked as of the newest day left, not years after it.
    off_topic = [q for q in questions if q["category"] == "off-topic"]
    assert off_topic and all(q["date"] == "2022-07-30" for q in off_topic)


def test_the_people_questions_are_the_same_in_every_process(tmp_path: Path) -> None:
    """Names quoted equally often must not be ordered by Python's per-process string hash."""
    names = ["Ana Lopez", "Ben Okafor", "Cara Singh", "Dan Weiss", "Eva Novak", "Finn Berg"]
    articles = [{"id": f"a{i}", "text": " ".join(f"{name} said it rained." for name in names)}
                for i in range(3)]
    (tmp_path / "articles.json").write_text(json.dumps(articles), encoding="utf-8")
    code = ("import json, random, sys\n"
            "from benchmarks.make_decline_set import person_questions\n"
            "articles = json.load(open(sys.argv[1]))\n"
            "made = person_questions(articles, {a['id'] for a in articles}, 3, random.Random(1))\n"
            "print(json.dumps(made))\n")
    runs = {subprocess.run([sys.executable, "-c", code, str(tmp_path / "articles.json")],
                           capture_output=True, text=True, check=True, cwd=REPO,
                           env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed},
                           ).stdout for seed in ("1", "2", "3", "4")}
    assert len(runs) == 1 and len(json.loads(runs.pop())) == 3
