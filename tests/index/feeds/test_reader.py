"""Reading feeds and pages over real HTTP from a local site: failures, limits, manners."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.feeds.fetch import Fetcher, FetchError, FetchPolicy, HttpCache
from index.feeds.reader import FeedError, WebReader
from tests.feed_site import FeedSite, article_page, rss

STORY = ["The harbour of Port Elms reopened on Monday after three weeks of storm repairs.",
         "The harbour master said ships may dock again from Tuesday morning onwards."]


@pytest.fixture
def site() -> Iterator[FeedSite]:
    server = FeedSite()
    yield server
    server.stop()


def reader(tmp_path: Path, **policy: float) -> WebReader:
    fetch_policy = FetchPolicy(**{"delay": 0.0, "timeout": 5.0, **policy})  # type: ignore[arg-type]
    return WebReader(Fetcher(fetch_policy, HttpCache(tmp_path / "cache.json")))


def test_bad_pages_are_reported_and_skipped_without_stopping_the_feed(
        site: FeedSite, tmp_path: Path) -> None:
    good = site.put("/good", article_page("Harbour reopens", STORY))
    slow = site.put("/slow", article_page("Slow story", STORY), delay=3.0)
    broken = site.put("/broken", "oops", status=500)
    image = site.put("/photo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
    huge = site.put("/huge", article_page("Huge", STORY * 2000))
    last = site.put("/last", article_page("Last story", STORY))
    site.put("/feed.xml", rss("Gazette", [{"link": u, "title": u} for u in
                                          (good, slow, broken, image, huge, last)]))

    harvest = reader(tmp_path, timeout=1.0, max_bytes=50_000).read(site.url + "/feed.xml")

    assert [item.article.title for item in harvest.loaded if item.article] == \
        ["Harbour reopens", "Last story"]
    reasons = dict(harvest.failed)
    assert "timed out after 1 s" in reasons[slow]
    assert "HTTP 500" in reasons[broken]
    assert "not an HTML page (image/png)" in reasons[image]
    assert "size cap of 50,000 bytes" in reasons[huge]


@pytest.mark.parametrize(("body", "content_type", "message"), [
    ("<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>A",
     "application/rss+xml", "malformed feed: not well-formed XML"),
    ("<html><body><p>Welcome to our site</p></body></html>", "text/html",
     "not an RSS or Atom feed"),
    ("", "application/rss+xml", "the feed is empty"),
])
def test_malformed_feed_gives_a_clear_error(site: FeedSite, tmp_path: Path, body: str,
                                            content_type: str, message: str) -> None:
    url = site.put("/feed.xml", body, content_type=content_type)
    with pytest.raises(FeedError, match=message):
        reader(tmp_path).read(url, kind="feed")


def test_unchanged_feed_is_a_conditional_request_answered_304(site: FeedSite,
                                                              tmp_path: Path) -> None:
    page = site.put("/a", article_page("Harbour reopens", STORY))
    feed = site.put("/feed.xml", rss("Gazette", [{"link": page, "title": "A"}]))
    first = reader(tmp_path)
    harvest = first.read(feed)
    first.commit(harvest, [])
    first.fetcher.cache.save()  # type: ignore[union-attr]
    site.log.clear()

    again = reader(tmp_path).read(feed)

    assert not again.loaded and not again.failed
    assert [(e.path, e.status, e.conditional) for e in site.log if e.path != "/robots.txt"] == \
        [("/feed.xml", 304, True)]


def test_robots_txt_disallowed_page_is_never_fetched(site: FeedSite, tmp_path: Path) -> None:
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    secret = site.put("/private/memo", article_page("Memo", STORY))
    public = site.put("/public", article_page("Harbour reopens", STORY))
    site.put("/feed.xml", rss("Gazette", [{"link": secret, "title": "Memo"},
                                          {"link": public, "title": "Harbour"}]))
    harvest = reader(tmp_path).read(site.url + "/feed.xml")
    assert "robots.txt" in dict(harvest.failed)[secret]
    assert len(harvest.loaded) == 1
    assert site.requests("/private/memo") == []


def test_redirects_are_followed_within_the_limit(site: FeedSite, tmp_path: Path) -> None:
    site.put("/final", article_page("Harbour reopens", STORY))
    site.put("/hop1", "", status=301, location="/final")
    site.put("/loop", "", status=302, location="/loop")
    fetcher = Fetcher(FetchPolicy(delay=0.0, max_redirects=2))
    assert fetcher.get(site.url + "/hop1").final_url == site.url + "/final"
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetcher.get(site.url + "/loop")


def test_requests_to_one_host_are_spaced_by_the_politeness_delay(site: FeedSite) -> None:
    site.put("/robots.txt", "User-agent: *\n", content_type="text/plain")
    page = site.put("/a", article_page("Harbour reopens", STORY))
    fetcher = Fetcher(FetchPolicy(delay=0.4))
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(page, conditional=False)
    # robots.txt, then three pages: three waits of at least 0.4 s.
    assert time.monotonic() - started >= 1.2


def test_canonical_url_on_another_host_is_not_trusted(site: FeedSite, tmp_path: Path) -> None:
    html = article_page("Harbour reopens", STORY).replace(
        "<head>", '<head><link rel="canonical" href="https://victim.example/story">')
    page = site.put("/a", html)
    harvest = reader(tmp_path).read(page)
    assert harvest.loaded[0].article is not None
    assert harvest.loaded[0].article.identity() == page


def test_robots_txt_reached_through_redirects_is_obeyed(site: FeedSite, tmp_path: Path) -> None:
    site.put("/robots.txt", "", status=301, location="/hop")
    site.put("/hop", "", status=302, location="/rules/robots.txt")
    site.put("/rules/robots.txt", "User-agent: *\nDisallow: /private/\n",
             content_type="text/plain")
    secret = site.put("/private/memo", article_page("Memo", STORY))
    fetcher = Fetcher(FetchPolicy(delay=0.0))
    with pytest.raises(FetchError, match="robots.txt"):
        fetcher.get(secret)
    assert site.requests("/private/memo") == []
    assert [e.path for e in site.log] == ["/robots.txt", "/hop", "/rules/robots.txt"]


def test_robots_txt_redirecting_more_than_five_times_counts_as_absent(site: FeedSite) -> None:
    for hop in range(7):
        site.put("/robots.txt" if hop == 0 else f"/r{hop}", "", status=301,
                 location=f"/r{hop + 1}")
    page = site.put("/a", article_page("Harbour reopens", STORY))
    assert Fetcher(FetchPolicy(delay=0.0)).get(page).status == 200
    assert len([e for e in site.log if e.path != "/a"]) == 6  # robots.txt and five redirects


def test_robots_txt_wildcards_and_end_anchors_are_obeyed(site: FeedSite) -> None:
    site.put("/robots.txt", "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?print=\n",
             content_type="text/plain")
    pdf = site.put("/a/b.pdf", b"%PDF-1.4", content_type="application/pdf")
    printable = site.put("/story?print=1", article_page("Harbour reopens", STORY))
    page = site.put("/a/b.pdf.html", article_page("Harbour reopens", STORY))
    fetcher = Fetcher(FetchPolicy(delay=0.0))
    for blocked in (pdf, printable):
        with pytest.raises(FetchError, match="robots.txt"):
            fetcher.get(blocked)
    assert fetcher.get(page).status == 200  # "$" anchors the end: .pdf.html is allowed
    assert site.requests("/a/b.pdf") == [] and site.requests("/story?print=1") == []
