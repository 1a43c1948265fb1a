"""Ingest with the real model into a real Chroma store, embedded and server alike: idempotent,
replacing, robust."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from chatbot.service import ChatService, create_service
from chatbot.settings import Settings
from index.articles import Article
from index.store.chroma import ChromaStore
from index.store.records import ArticleWrite, article_key
from tests.conftest import SEEDS


@pytest.fixture
def service(store_settings: Settings) -> ChatService:
    """Every ingest behaviour must hold for an embedded store and for a Chroma server."""
    return create_service(store_settings)


def _write_jsonl(path: Path, articles: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles))
    return path


def test_reingesting_unchanged_article_adds_no_chunks(service: ChatService) -> None:
    first = service.ingest([SEEDS])
    passages = service.store.count_passages()
    assert first.counts == {"added": 1, "updated": 0, "unchanged": 0, "failed": 0}
    assert passages == first.passages_written > 0
    again = service.ingest([SEEDS])
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 1, "failed": 0}
    assert again.passages_written == 0
    assert service.store.count_passages() == passages
    assert service.store.count_articles() == 1


def test_changed_article_replaces_its_chunks(service: ChatService, tmp_path: Path) -> None:
    long_text = " ".join(f"Paragraph {i} reports that the council met again." for i in range(60))
    path = _write_jsonl(tmp_path / "a.jsonl", [{"id": "story-1", "title": "Council",
                                                "text": long_text}])
    service.ingest([path])
    before = service.store.count_passages()
    assert before >= 3
    _write_jsonl(path, [{"id": "story-1", "title": "Council", "text": "The council met once."}])
    report = service.ingest([path])
    assert report.counts["updated"] == 1
    assert service.store.count_passages() == 1
    stored = service.store.passages.get(include=["documents", "metadatas"])
    assert stored["documents"] == ["The council met once."]
    assert service.store.count_articles() == 1


def test_one_bad_record_never_aborts_the_batch(service: ChatService, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps({"id": "ok-1", "text": "The first good story."}) + "\n"
                    + "{broken\n"
                    + json.dumps({"id": "empty", "text": "Advertisement"}) + "\n"
                    + json.dumps({"id": "ok-2", "text": "The second good story."}) + "\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = service.ingest([path, tmp_path / "binary.txt"])
    assert sorted(report.added) == ["ok-1", "ok-2"]
    reasons = dict(report.failed)
    assert reasons[f"{path}:2"].startswith("malformed JSON")
    assert reasons[f"{path}:3"] == "no article text left after cleaning"
    assert "binary" in reasons[str(tmp_path / "binary.txt")]
    assert service.store.count_articles() == 2


def test_stale_passages_of_an_interrupted_write_are_never_retrieved(service: ChatService) -> None:
    article = Article(id="s-1", title="Truce", text="Negotiators agreed a truce in Gaza.")
    report = service.ingestor.ingest_articles([article])
    assert report.counts["added"] == 1
    # Simulate a writer killed after adding a new version's passages but before the flip.
    key = article_key("s-1")
    vector = service.embedder.embed_passages(["Negotiators rejected the truce."])
    service.store.passages.add(
        ids=[f"{key}-deadbeef0000-00000"], embeddings=vector,
        documents=["Negotiators rejected the truce."],
        metadatas=[{"article_id": "s-1", "article_key": key, "version": "deadbeef0000",
                    "start": 0, "end": 31, "sentences": "[[0, 31]]"}])
    found = service.store.query(np.asarray(vector[0]), k=10)
    assert [p.text for p in found] == ["Negotiators agreed a truce in Gaza."]
    # The current version is read by its passage ids, a leftover one by the metadata filter.
    current = service.store.current_versions([key])[key]
    read = service.store.passages_of({key: current})
    assert [p.text for p in read[key]] == ["Negotiators agreed a truce in Gaza."]
    read = service.store.passages_of({key: "deadbeef0000"})
    assert [p.text for p in read[key]] == ["Negotiators rejected the truce."]
    # The next write of that article sweeps the leftover away.
    service.ingestor.ingest_articles([article.model_copy(update={"title": "Truce talks"})])
    assert service.store.count_passages() == 1


class _RejectingStore(ChromaStore):
    """A real Chroma store that refuses any write holding an article titled "Rejected",
    as a server refuses a record it cannot take."""

    def write_articles(self, writes: Sequence[ArticleWrite]) -> list[tuple[str, str]]:
        if any(w.article.title == "Rejected" for w in writes):
            raise ValueError("record refused")
        return super().write_articles(writes)


def test_an_article_the_store_refuses_fails_alone(service: ChatService) -> None:
    service.ingestor.store = _RejectingStore(service.store.client, service.store.name)
    articles = [Article(id=f"story-{i}", title="Rejected" if i == 2 else f"Story {i}",
                        text=f"Story number {i} says the council met on day {i}.")
                for i in range(5)]
    report = service.ingestor.ingest_articles(articles)
    assert sorted(report.added) == ["story-0", "story-1", "story-3", "story-4"]
    assert [origin for origin, _ in report.failed] == ["input[2]"]
    assert "record refused" in report.failed[0][1]
    assert service.store.count_articles() == 4
    assert service.store.count_passages() == report.passages_written == 4


def test_a_batch_of_articles_is_stored_whole_and_in_order(service: ChatService) -> None:
    articles = [Article(id=f"story-{i}", title=f"Story {i}",
                        text=" ".join(f"Sentence {j} of story {i} about the harbour works."
                                      for j in range(40)))
                for i in range(12)]
    report = service.ingestor.ingest_articles(articles)
    assert report.counts["added"] == 12
    for article in articles:
        key = article_key(article.id)
        text = service.store.article_text(key)
        passages = service.store.passages_of({key: service.store.current_versions([key])[key]})
        assert text is not None and passages[key]
        assert all(text[p.start:p.end] == p.text for p in passages[key])
        assert passages[key][0].start == 0 and passages[key][-1].end == len(text)
