"""ChatService, the one door: what every surface asks of it, on the real store and model."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.service import ChatService, QuestionError
from index.articles import Article


def _articles() -> list[Article]:
    return [Article(id=f"a{i}", title=f"Budget vote {i}", source=outlet,
                    published=date(2023, 3, i + 1),
                    text=f"The council of Easthaven voted on budget item {i}. It passed.")
            for i, outlet in enumerate(["Easthaven Post", "Coast Radio", "easthaven post"])]


def test_articles_are_paged_and_outlets_listed_without_touching_the_store(
        service: ChatService) -> None:
    service.ingestor.ingest_articles(_articles())
    first = service.articles(0, 2)
    second = service.articles(2, 2)
    assert (first.total, len(first.articles), first.next_offset) == (3, 2, 2)
    assert (len(second.articles), second.next_offset) == (1, None)
    assert {a.id for a in first.articles + second.articles} == {"a0", "a1", "a2"}
    assert [a.id for a in service.all_articles()] == [a.id for a in first.articles
                                                       + second.articles]
    assert service.outlets() == ["Coast Radio", "Easthaven Post", "easthaven post"]


def test_removed_articles_leave_both_indexes(service: ChatService) -> None:
    service.ingestor.ingest_articles(_articles())
    service.sync_keywords()
    service.remove_articles(["a1"])
    assert service.article_text("a1") is None
    assert service.article_text("a0") is not None
    assert "a1" not in {p.article_id for p in service.retrieve("budget item 1 council", 10)}


def test_health_reports_the_store_and_model(service: ChatService) -> None:
    service.ingestor.ingest_articles(_articles()[:1])
    health = service.health()
    assert (health.status, health.articles, health.embedding_dimension) == ("ok", 1, 384)


@pytest.mark.parametrize(("question", "reason"), [("   ", "empty"), ("x" * 5000, "too_long"),
                                                  ("Who is \udfff?", "not_text")])
def test_a_question_that_cannot_be_asked_says_why(service: ChatService, question: str,
                                                  reason: str) -> None:
    with pytest.raises(QuestionError) as refused:
        service.validate_question(question)
    assert refused.value.reason == reason
