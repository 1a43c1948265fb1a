"""Sources polled into a real index (Chroma, the bundled model) from a real local HTTP site."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chatbot.service import ChatService
from index.articles import Article
from index.feeds.poller import SourceManager
from tests.conftest import free_port, make_settings
from tests.feed_site import STORIES, TODAY, FeedSite, article_page, publish


@pytest.fixture
def site() -> Iterator[FeedSite]:
    server = FeedSite()
    yield server
    server.stop()


def manager_for(service: ChatService, feeds: list[str], **settings: Any) -> SourceManager:
    config = {"feed": [{"url": url, "label": "Gazette"} for url in feeds]}
    data_dir = service.settings.data_dir
    settings_ = make_settings(data_dir, sources=config, fetch_delay_seconds=0.0, **settings)
    return SourceManager(service, settings_.feed_settings)


def page_requests(site: FeedSite) -> list[tuple[str, int, bool]]:
    return [(e.path, e.status, e.conditional) for e in site.log if e.path != "/robots.txt"]


def test_feed_of_three_entries_ingests_three_articles_then_unchanged_poll_fetches_nothing(
        site: FeedSite, service: ChatService) -> None:
    manager = manager_for(service, [publish(site, STORIES)])
    [first] = manager.poll()
    assert sorted(first.report.added) == sorted(site.url + path for path in STORIES)
    stored = {a.url: a for a in service.store.list_articles()}
    bridge = stored[site.url + "/news/bridge"]
    assert bridge.title == "Council approves harbour bridge rebuild"  # the page's headline
    assert bridge.published == TODAY.isoformat()  # the feed fills the page's missing date
    assert bridge.source == "Gazette"  # the source's label is the outlet
    answer = service.ask("When do the bridge works start?")
    assert "April" in answer.answer and answer.citations[0].source == "Gazette"

    site.log.clear()
    [again] = manager.poll()
    assert again.not_modified and not again.changed
    assert page_requests(site) == [("/feed.xml", 304, True)]
    assert service.store.count_articles() == 3


def test_feed_with_one_updated_and_one_new_entry_updates_one_and_adds_one(
        site: FeedSite, service: ChatService) -> None:
    manager = manager_for(service, [publish(site, STORIES)])
    manager.poll()
    passages_before = service.store.count_passages()
    changed = dict(STORIES)
    title, paragraphs = STORIES["/news/ferry"]
    changed["/news/ferry"] = (title, [paragraphs[0], "Three crossings a day now run, the "
                                                     "operator said on Sunday."])
    changed["/news/school"] = ("New school opens in Marston",
                               ["A new primary school for three hundred pupils opened in "
                                "Marston on Wednesday, the education office said."])
    publish(site, changed)
    site.log.clear()

    [result] = manager.poll()

    assert result.report.updated == [site.url + "/news/ferry"]
    assert result.report.added == [site.url + "/news/school"]
    assert sorted(result.report.unchanged) == [site.url + "/news/bridge",
                                               site.url + "/news/library"]
    # Unchanged pages cost a conditional request and a 304, nothing more.
    assert ("/news/bridge", 304, True) in page_requests(site)
    assert service.store.count_articles() == 4
    assert service.store.count_passages() == passages_before + 1
    assert "Three crossings" in (service.ask("How many ferry crossings run a day?").answer)


def test_malformed_feed_fails_only_its_own_source_and_sources_lists_it(
        site: FeedSite, service: ChatService) -> None:
    good = publish(site, STORIES)
    bad = site.put("/broken.xml", "<rss><channel><item><title>Half", content_type="text/xml")
    manager = manager_for(service, [good, bad])
    results = {r.source.location: r for r in manager.poll()}
    assert "not well-formed XML" in results[bad].error
    assert len(results[good].report.added) == 3
    rows = {row.source.location: row.state for row in manager.registry.rows()}
    assert rows[good].status == "ok" and len(rows[good].articles) == 3
    assert rows[bad].status == "error" and "not well-formed XML" in rows[bad].last_error


def test_failed_page_is_retried_on_the_next_poll(site: FeedSite, service: ChatService) -> None:
    feed = publish(site, STORIES)
    site.put("/news/ferry", "down for maintenance", status=500)
    manager = manager_for(service, [feed])
    [first] = manager.poll()
    assert first.report.failed and manager.registry.rows()[0].state.status == "partial"
    title, paragraphs = STORIES["/news/ferry"]
    site.put("/news/ferry", article_page(title, paragraphs))
    [second] = manager.poll()
    assert second.report.added == [site.url + "/news/ferry"]
    assert manager.registry.rows()[0].state.status == "ok"


def test_retention_removes_old_articles_from_vector_and_keyword_index(
        service: ChatService) -> None:
    old = Article(id="old-quarry", title="Quarry closes", published=TODAY - timedelta(days=40),
                  text="The limestone quarry at Fenwick closed after ninety years of work.")
    new = Article(id="new-pier", title="Pier repaired", published=TODAY - timedelta(days=2),
                  text="The pier at Gull Island was repaired by divers in a week.")
    service.ingestor.ingest_articles([old, new])
    service.sync_keywords()
    assert _keyword_article_ids(service, "limestone quarry Fenwick") == {"old-quarry"}

    manager = manager_for(service, [], retention_days=30)
    assert manager.apply_retention() == ["old-quarry"]

    assert _keyword_article_ids(service, "limestone quarry Fenwick") == set()
    vector = service.embedder.embed_query("limestone quarry at Fenwick")
    assert {p.article_id for p in service.store.query(vector, 10)} == {"new-pier"}
    assert service.keywords.articles == 1


def _keyword_article_ids(service: ChatService, query: str) -> set[str]:
    hits = service.keywords.search(query, 10)
    return {p.article_id for p in service.store.get_passages([h.passage_id for h in hits])}


def test_cli_ingests_a_feed_url_and_lists_sources(site: FeedSite, tmp_path: Path) -> None:
    feed = publish(site, STORIES)
    (tmp_path / "sources.toml").write_text(
        f'[[feed]]\nurl = "{feed}"\nlabel = "Gazette"\ninterval_minutes = 15\n'
        f'[[feed]]\nurl = "{site.url}/missing.xml"\n')
    env_cmd = [sys.executable, "-m", "chatbot.cli"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NEWSBOT_FETCH_DELAY_SECONDS": "0",
           "COLUMNS": "250"}

    def newsbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*env_cmd, *args], capture_output=True, text=True, cwd=tmp_path,
                              timeout=300, env=env)

    ingest = newsbot("ingest", "--json", "--sources")
    assert ingest.returncode == 1  # the missing feed is a failure
    report = json.loads(ingest.stdout)
    assert report["added"] == 3
    assert any("HTTP 404" in f["reason"] for f in report["failures"])
    listing = newsbot("sources")
    assert listing.returncode == 0, listing.stderr
    lines = {line.split("│")[1].strip(): line for line in listing.stdout.splitlines()
             if "│" in line and "http" in line}
    assert "ok" in lines[feed] and "15 min" in lines[feed] and "│ 3 " in lines[feed]
    assert "error" in lines[f"{site.url}/missing.xml"]
    assert "HTTP 404" in lines[f"{site.url}/missing.xml"]
    page = newsbot("ingest", site.url + "/news/bridge")
    assert page.returncode == 0, page.stderr
    assert "1 unchanged" in page.stdout



def test_feed_on_a_host_that_is_down_is_reported_and_the_others_are_polled(
        site: FeedSite, service: ChatService) -> None:
    good = publish(site, STORIES)
    host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = f"{host}/feed.xml"
    manager = manager_for(service, [down, good], fetch_timeout_seconds=2.0)
    results = {r.source.location: r for r in manager.poll()}
    assert results[down].error.startswith(f"cannot fetch {host}/")
    assert not results[down].report.added
    assert len(results[good].report.added) == 3
    rows = {row.source.location: row.state for row in manager.registry.rows()}
    assert rows[down].status == "error" and rows[down].last_error == results[down].error
