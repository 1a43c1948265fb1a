"""The keyword index: BM25 ranking, incremental sync from Chroma, persistence, deletions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chatbot.service import ChatService, create_service
from chatbot.settings import Settings
from index.articles import Article
from index.store import keyword
from index.store.keyword import KeywordIndex
from index.store.records import article_key, day_number
from index.store.search_filter import SearchFilter


def _articles() -> list[Article]:
    return [
        Article(id="quake", title="Earthquake", source="Wire", published="2024-03-01",
                text="A strong earthquake shook the coastal city of Valparaíso on Monday. "
                     "Rescue teams searched collapsed buildings through the night."),
        Article(id="budget", title="Budget vote", source="Daily", published="2024-03-10",
                text="The council approved the budget after a long debate. The mayor "
                     "praised the vote."),
        Article(id="storm", title="Storm", source="Wire", published="2024-03-20",
                text="A storm brought heavy rain to the valley. Roads were closed."),
    ]


def _service(settings: Settings) -> ChatService:
    service = create_service(settings)
    service.ingestor.ingest_articles(_articles())
    service.sync_keywords()
    return service


def test_bm25_ranks_the_passage_with_the_rare_term_first(store_settings: Settings) -> None:
    service = _service(store_settings)
    hits = service.keywords.search("Valparaíso earthquake rescue", k=3)
    assert hits[0].passage_id.startswith(article_key("quake"))
    assert hits[0].score > (hits[1].score if len(hits) > 1 else 0.0)


def test_keyword_filters_match_the_store_filters(store_settings: Settings) -> None:
    service = _service(store_settings)
    wire_only = service.keywords.search("the vote budget storm", 10, SearchFilter(("Wire",)))
    keys = {h.passage_id.split("-")[0] for h in wire_only}
    assert keys == {article_key("storm")}
    early = service.keywords.search("earthquake budget storm", 10,
                                    SearchFilter(until=date(2024, 3, 10)))
    assert {h.passage_id.split("-")[0] for h in early} == {article_key("quake"),
                                                           article_key("budget")}


def _engine_files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "tantivy").iterdir()
            if p.suffix in {".term", ".idx", ".store"}}


def test_index_survives_restart_and_updates_incrementally(tmp_path: Path,
                                                          store_settings: Settings) -> None:
    service = _service(store_settings)
    folder = store_settings.keyword_path
    before = _engine_files(folder)
    assert before

    reopened = KeywordIndex(folder)  # a new process: loads from disk, nothing to rebuild
    assert reopened.passages == service.keywords.passages
    assert reopened.sync(service.store) == 0
    assert reopened.search("Valparaíso", 1)[0].passage_id.startswith(article_key("quake"))

    service.ingestor.ingest_articles([Article(id="fire", title="Fire", text=(
        "A wildfire near Mendocino forced evacuations."))])
    assert reopened.sync(service.store) == 1  # only the new article is read
    after = _engine_files(folder)
    assert len(after) > len(before)  # a new segment; the old one is not rewritten
    assert all(after[name] == mtime for name, mtime in before.items())
    assert reopened.search("Mendocino", 1)[0].passage_id.startswith(article_key("fire"))
    # The other process's index sees the new article after its own (cheap) sync.
    assert service.sync_keywords() == 0
    assert service.keywords.search("Mendocino", 1)[0].passage_id.startswith(article_key("fire"))


def test_replaced_and_deleted_articles_leave_the_keyword_index(store_settings: Settings,
                                                               ) -> None:
    service = _service(store_settings)
    service.ingestor.ingest_articles([Article(id="storm", title="Storm", source="Wire",
                                              text="Snow fell on the valley overnight.")])
    service.store.delete_article(article_key("budget"))
    assert service.sync_keywords() == 2
    assert service.keywords.search("rain roads", 5) == []
    assert service.keywords.search("mayor council", 5) == []
    assert service.keywords.search("snow", 5)[0].passage_id.startswith(article_key("storm"))
    assert service.keywords.passages == service.store.count_passages()


def test_the_newest_day_follows_ingests_and_deletions(store_settings: Settings) -> None:
    service = _service(store_settings)
    assert service.keywords.newest_day() == day_number(date(2024, 3, 20))
    service.ingestor.ingest_articles([Article(id="flood", title="Flood", published="2024-04-02",
                                              text="The river flooded the old town.")])
    service.sync_keywords()
    assert service.keywords.newest_day() == day_number(date(2024, 4, 2))
    # Another process sees it too, and sees it go.
    other = KeywordIndex(store_settings.keyword_path)
    assert other.newest_day() == day_number(date(2024, 4, 2))
    service.store.delete_article(article_key("flood"))
    service.store.delete_article(article_key("storm"))
    other.sync(service.store)
    assert other.newest_day() == day_number(date(2024, 3, 10))


def test_damaged_keyword_cache_is_rebuilt_from_the_store(store_settings: Settings) -> None:
    service = _service(store_settings)
    (store_settings.keyword_path / "tantivy" / "meta.json").write_text("{not json")
    rebuilt = KeywordIndex(store_settings.keyword_path)
    assert rebuilt.passages == 0
    assert rebuilt.sync(service.store) == 3
    assert rebuilt.passages == service.store.count_passages()


def test_keyword_index_of_an_earlier_format_is_replaced(store_settings: Settings) -> None:
    service = _service(store_settings)
    folder = store_settings.keyword_path
    (folder / "state.sqlite3").unlink()
    (folder / "manifest.json").write_text('{"format": 1}')
    (folder / "segment-0.npz").write_bytes(b"old")
    rebuilt = KeywordIndex(folder)
    assert rebuilt.passages == 0 and not (folder / "manifest.json").exists()
    assert not (folder / "segment-0.npz").exists()
    assert rebuilt.sync(service.store) == 3
    assert rebuilt.search("Valparaíso", 1)[0].passage_id.startswith(article_key("quake"))


def test_opening_the_parent_folder_by_mistake_discards_none_of_its_contents(
        store_settings: Settings) -> None:
    """``<data>/keyword`` holds every index: it is no index itself, so nothing in it goes."""
    service = _service(store_settings)
    parent = store_settings.keyword_path.parent
    notes, arrays = parent / "notes.txt", parent / "vectors.npz"
    notes.write_text("kept")
    arrays.write_bytes(b"kept")
    KeywordIndex(parent)
    assert notes.read_text() == "kept" and arrays.read_bytes() == b"kept"
    reopened = KeywordIndex(store_settings.keyword_path)
    assert reopened.passages == service.store.count_passages()  # nothing to rebuild


def test_rebuild_reading_the_store_page_by_page_equals_reading_it_by_article(
        store_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(store_settings)
    by_article = KeywordIndex(tmp_path / "by-article")
    assert by_article.sync(service.store) == 3
    monkeypatch.setattr(keyword, "_ARTICLES_PER_READ", 1)  # 3 of 3 articles: scan the store
    scanned = KeywordIndex(tmp_path / "scanned")
    assert scanned.sync(service.store) == 3
    assert scanned.passage_ids() == by_article.passage_ids() == service.keywords.passage_ids()
    assert scanned.articles == 3 and scanned.sync(service.store) == 0
    for query in ("Valparaíso earthquake rescue", "the vote budget storm"):
        assert scanned.search(query, 5) == by_article.search(query, 5)
