"""The HTML report: failures first with why, no empty metrics, settings folded, phone-readable."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from chatbot.evaluation.report import failure_reason, write_report
from chatbot.evaluation.runner import EvalRun, QuestionResult, RetrievalSummary, RunSummary


def _result(**fields: Any) -> QuestionResult:
    base: dict[str, Any] = {"id": "q", "category": "politics", "question": "Who?",
                            "unanswerable": False, "expected": ["Ada"], "answer": "Ada [1]",
                            "correct": True, "retrieval_scored": True, "rank": 1,
                            "timings_ms": {"total_ms": 120.0}}
    return QuestionResult(**{**base, **fields})


RESULTS = [
    _result(id="right"),
    _result(id="missed", question="Who won <b>the</b> vote?", answer="Bob [1]", correct=False,
            rank=None, expected=["Ada <i>Lovelace</i>"]),
    _result(id="sentence", answer="Carl [1]", correct=False, rank=2),
    _result(id="declined", answer="The sources I have do not answer that.", declined=True,
            correct=False, category="sport"),
]


def _run() -> EvalRun:
    no_strict = RetrievalSummary(questions=0, hit_at={"1": None}, mrr=None)
    summary = RunSummary(
        label="default", eval_set="evals/dev.jsonl", questions=4, errors=0, accuracy=0.25,
        accuracy_at={"1": 0.25, "3": 0.25}, choice_accuracy=None, choice_questions=0,
        decline_precision=None, decline_recall=None, declined=1, unanswerable=0,
        retrieval=RetrievalSummary(questions=4, hit_at={"1": 0.75}, mrr=0.8),
        retrieval_strict=no_strict, citation_validity=1.0, invalid_citation_answers=0,
        support=1.0, latency_ms={"total_ms": {"p50": 120.0, "p95": 130.0}},
        by_category={"politics": {"accuracy": 0.33, "questions": 3},
                     "sport": {"accuracy": 0.0, "questions": 1}},
        corpus=["seeds"], articles=1, passages=4, seconds=2.0,
        settings={f"setting_{i}": i for i in range(50)})
    return EvalRun(results=RESULTS, summary=summary, ingest=None)


class _Text(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data + " "


def test_each_failure_says_why() -> None:
    assert [failure_reason(r) for r in RESULTS[1:]] == [
        "retrieval miss", "wrong sentence", "false decline"]
    assert failure_reason(_result(unanswerable=True, correct=False)) == (
        "answered an unanswerable question")
    assert failure_reason(_result(error="too long", correct=False)) == "error"


def test_report_puts_failures_first_hides_empty_metrics_and_folds_settings(
        tmp_path: Path) -> None:
    write_report(tmp_path, [_run()])
    html = (tmp_path / "report.html").read_text()
    parsed = _Text(html)
    assert "b" not in parsed.tags and "i" not in parsed.tags  # question text is escaped
    text = " ".join(parsed.text.split())
    assert text.index("Failures") < text.index("Summary") < text.index("Settings")
    assert ("Who won <b>the</b> vote? Why retrieval miss Expected Ada <i>Lovelace</i> "
            "Got Bob [1]") in text
    assert "false decline" in text and "wrong sentence" in text
    assert "3 of 4 questions failed" in text
    # Metrics with no data in this set are not shown.
    for empty in ("choice accuracy", "questions with choices", "decline precision",
                  "hit@1 strict", "questions scored strict"):
        assert empty not in text, empty
    assert "hit@1" in text and "accuracy: politics" in text
    settings = html[html.index('id="settings"'):]
    assert settings.index("<details>") < settings.index("setting_0")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<img src="accuracy_by_category.png"' in html and '<img src="latency.png"' in html
