"""The timeline evaluation: its set format, its three metrics on a real timeline of the Port Elms
strike, and `newsbot eval` running a timeline set over a corpus of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from chatbot.evaluation.dataset import EvalSetError
from chatbot.evaluation.timelines import (
    TimelineCase,
    is_timeline_set,
    load_timeline_set,
    score_timeline,
    summarize_timelines,
)
from chatbot.schema import Timeline
from chatbot.service import ChatService
from tests.story_articles import STRIKE_ARTICLES, STRIKE_TOPIC

STRIKE_CASE = {
    "id": "strike", "topic": STRIKE_TOPIC, "as_of": "2024-03-20",
    "on_topic": ["strike", "dockworkers"],
    "developments": [
        {"date": "2024-03-15", "answers": ["6 percent pay rise"]},
        {"date": "2024-03-08", "answers": ["collapsed"]},
        {"date": "2024-02-29", "answers": ["walked off the job"]},
        {"date": "2024-03-19", "answers": ["arbitration"]},  # the store never reports it
    ]}


@pytest.fixture(scope="module")
def strike(story_service: ChatService) -> Timeline:
    return story_service.timeline(STRIKE_TOPIC)


def test_recall_order_and_on_topic_share_of_a_real_timeline(strike: Timeline) -> None:
    result = score_timeline(TimelineCase.model_validate(STRIKE_CASE), strike, 12.0)
    assert (result.found, result.expected) == (3, 4)
    assert (result.ordered_pairs, result.pairs) == (3, 3)
    assert (result.on_topic, result.entries) == (3, 3)
    reversed_timeline = strike.model_copy(update={"entries": strike.entries[::-1]})
    backwards = score_timeline(TimelineCase.model_validate(STRIKE_CASE), reversed_timeline, 1.0)
    assert (backwards.ordered_pairs, backwards.pairs) == (0, 3)
    summary = summarize_timelines([result, backwards])
    assert summary.development_recall == 0.75 and summary.date_order_correctness == 0.5
    assert summary.on_topic_share == 1.0 and summary.p50_ms == 6.5


def test_a_development_counts_only_near_its_day_and_on_topic_only_when_named(
        strike: Timeline) -> None:
    case = TimelineCase.model_validate({
        **STRIKE_CASE, "on_topic": ["pay rise"],
        "developments": [{"date": "2024-01-02", "answers": ["6 percent pay rise"]}]})
    result = score_timeline(case, strike, 1.0)
    assert result.found == 0 and result.pairs == 0
    assert result.on_topic == 1


def test_the_set_format_is_checked_line_by_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(STRIKE_CASE) + "\n", encoding="utf-8")
    assert is_timeline_set(good)
    assert load_timeline_set(good)[0].as_of == date(2024, 3, 20)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": "Who?", "answers": ["x"]}) + "\n")
    assert not is_timeline_set(questions)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**STRIKE_CASE, "as_of": "2024-03-01"}) + "\n"
                   + json.dumps({"id": "x", "topic": "t", "developments": []}) + "\n")
    with pytest.raises(EvalSetError) as error:
        load_timeline_set(bad)
    assert "line 1" in str(error.value) and "after as_of" in str(error.value)
    assert "line 2" in str(error.value)


def test_newsbot_eval_runs_a_timeline_set_over_its_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "strike.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in STRIKE_ARTICLES), encoding="utf-8")
    eval_set = tmp_path / "timelines.jsonl"
    eval_set.write_text(json.dumps(STRIKE_CASE) + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "--data-dir", str(tmp_path / "data"), "eval",
         str(eval_set), "--corpus", str(corpus), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "development recall" in run.stdout and "3/4" in run.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["development_recall"] == 0.75 and summary["date_order_correctness"] == 1.0
    results = (tmp_path / "out" / "results.jsonl").read_text().splitlines()
    assert json.loads(results[0])["timeline"]["entries"][0]["date"] == "2024-03-15"
