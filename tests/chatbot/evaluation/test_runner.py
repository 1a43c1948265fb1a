"""Evaluation runs on the real stack: real Chroma store, real embedding model, real answerer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.evaluation.dataset import EvalQuestion
from chatbot.evaluation.metrics import citation_problems
from chatbot.evaluation.runner import Evaluator, corpus_store_dir, open_service, summarize
from chatbot.schema import Answer, Citation
from chatbot.service import ChatService, create_service
from index.embedding import Embedder
from index.store.records import Passage
from tests.conftest import SEED_QUESTION, make_settings

MAYORS = [
    {"id": "early", "title": "Springfield elects a mayor", "published": "2024-01-05",
     "text": "Alice Smith was elected mayor of Springfield on Thursday.\n"
             "She promised to repair the old harbour bridge before the summer."},
    {"id": "late", "title": "Springfield mayor resigns", "published": "2024-03-01",
     "text": "Bob Jones became mayor of Springfield after Alice Smith resigned.\n"
             "He said the harbour bridge repairs would continue."},
]


@pytest.fixture
def mayors(tmp_path: Path) -> Path:
    path = tmp_path / "corpus" / "mayors.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(a) + "\n" for a in MAYORS))
    return path


def question(**fields: object) -> EvalQuestion:
    return EvalQuestion.model_validate({"id": "q", **fields})


def test_a_corpus_gets_its_own_store_and_the_users_store_is_untouched(
        tmp_path: Path, mayors: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "data")
    service, report = open_service(settings, [mayors])
    assert report is not None and sorted(report.added) == ["early", "late"]
    assert service.settings.data_dir == corpus_store_dir(settings, [mayors])
    assert service.settings.data_dir.is_relative_to(tmp_path / "data" / "eval-stores")
    assert create_service(settings).stats().articles == 0


def test_rerunning_reuses_the_store_and_drops_articles_gone_from_the_corpus(
        tmp_path: Path, mayors: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "data", eval_store_dir=tmp_path / "cache")
    open_service(settings, [mayors])
    _, again = open_service(settings, [mayors])
    assert again is not None and sorted(again.unchanged) == ["early", "late"]
    mayors.write_text(json.dumps(MAYORS[0]) + "\n")
    service, _ = open_service(settings, [mayors])
    assert [a.article_id for a in service.store.list_articles()] == ["early"]
    other = make_settings(tmp_path / "data", eval_store_dir=tmp_path / "cache", chunk_tokens=64)
    assert corpus_store_dir(other, [mayors]) != corpus_store_dir(settings, [mayors])


def test_as_of_date_hides_later_articles_and_strict_relevance_uses_the_window(
        tmp_path: Path, mayors: Path, embedder: Embedder) -> None:
    service, _ = open_service(make_settings(tmp_path / "data"), [mayors])
    evaluator = Evaluator(service)
    january = evaluator.evaluate(question(
        question="Who was elected mayor of Springfield?", answers=["Alice Smith"],
        date="2024-01-10"))
    assert january.correct and not january.declined
    assert {p.article_id for p in january.retrieved} == {"early"}
    assert january.rank == 1 and january.strict_rank == 1
    # In May the March article is 60+ days old: relevant, but outside the strict window.
    may = evaluator.evaluate(question(
        question="Who became mayor of Springfield after Alice Smith resigned?",
        answers=["Bob Jones"], date="2024-05-20", expected_sources=["late"]))
    assert may.correct
    assert may.rank == 1 + [p.article_id for p in may.retrieved].index("late")
    assert may.strict_scored and may.strict_rank is None


def test_seed_questions_are_scored_on_every_metric(seeded_service: ChatService) -> None:
    evaluator = Evaluator(seeded_service)
    results = [
        evaluator.evaluate(question(question=SEED_QUESTION,
                                    answers=["military campaign in Gaza"], category="factual")),
        evaluator.evaluate(question(id="off", question="What is the capital of Australia?",
                                    unanswerable=True)),
        evaluator.evaluate(question(id="wrong", question="Who heads the Hamas political bureau?",
                                    answers=["Yahya Sinwar"], choices=["Yahya Sinwar",
                                                                       "Ismail Haniyeh"])),
        evaluator.evaluate(question(id="long", question="x" * 5000, answers=["x"])),
    ]
    hamas, off, wrong, long = results
    assert hamas.correct and hamas.rank is not None and hamas.citation_problems == []
    assert hamas.sentences >= 1 and hamas.supported_sentences == hamas.sentences
    assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(hamas.timings_ms)
    assert off.correct and off.declined and not off.retrieval_scored
    assert not wrong.correct and wrong.choice_correct is False
    assert wrong.named_choices == ["Ismail Haniyeh"]
    assert long.error is not None and "too long" in long.error and not long.correct
    summary = summarize(results, label="seed", eval_set=Path("x.jsonl"), service=seeded_service)
    assert summary.questions == 4 and summary.errors == 1
    assert summary.accuracy == pytest.approx(0.5)
    assert summary.decline_recall == 1.0 and summary.decline_precision == 1.0
    assert summary.choice_accuracy == 0.0 and summary.choice_questions == 1
    # The question that could not be asked is an error, not a retrieval miss.
    assert summary.retrieval.questions == 2 and summary.retrieval_strict.questions == 0
    assert summary.retrieval.hit_at["1"] == 0.5  # "Yahya Sinwar" is in no passage
    assert summary.by_category["factual"] == {"questions": 1, "accuracy": 1.0}
    assert set(summary.latency_ms["total_ms"]) == {"p50", "p95"}
    assert summary.citation_validity == 1.0 and summary.articles == 1


def test_a_citation_whose_offsets_moved_is_caught_against_the_store(
        seeded_service: ChatService) -> None:
    evaluator = Evaluator(seeded_service)
    answer = seeded_service.ask(SEED_QUESTION)
    assert citation_problems(answer, evaluator.article_text) == []
    answer.citations[0].start += 1
    assert citation_problems(answer, evaluator.article_text) == [
        f"[1] passage is not the article's text at {answer.citations[0].start}:"
        f"{answer.citations[0].end}"]


def test_the_retrieved_passages_are_those_the_answer_cites_from(
        seeded_service: ChatService) -> None:
    seen: list[Passage] = []
    answer = seeded_service.ask(SEED_QUESTION, on_passages=seen.extend)
    assert 1 <= len(seen) <= seeded_service.settings.passages
    assert {c.passage for c in answer.citations} <= {p.text for p in seen}


def test_support_judges_each_sentence_by_its_own_citations(seeded_service: ChatService) -> None:
    def citation(n: int, passage: str) -> Citation:
        return Citation(n=n, article_id="a", title="", source="", url="", published="",
                        passage=passage, start=0, end=len(passage), score=1.0)

    visit = "Ismail Haniyeh visited Egypt on Wednesday for talks with Egyptian officials."
    advisor = "Al-Nono is Haniyeh's media advisor and spoke to Reuters in Cairo."
    answer = Answer(answer=f"{visit} [1] {visit} [2] Haniyeh visited Qatar on Friday. [1]",
                    citations=[citation(1, visit), citation(2, advisor)])
    # The second sentence cites a passage about someone else; the third changes the facts.
    assert Evaluator(seeded_service).supported_sentences(answer) == (1, 3)
