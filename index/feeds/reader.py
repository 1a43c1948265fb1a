"""RSS/Atom feeds and web pages as articles: read a feed, fetch each entry's page, extract it.

The page is the article (a feed's summary is a teaser); the feed's own fields only fill what
the page does not say (title, date, authors). An article's identity is its canonical URL, so
the same story reached through another feed, or seen again in the next poll, is the same
article: unchanged it is skipped, changed it replaces the old version.

Nothing here raises for one bad entry: each failure is recorded in the Harvest and the rest of
the feed goes on. A feed that cannot be read at all raises FeedError, which names the problem.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from index.articles import Article, Loaded, NotTextError, article_from_html, decode_text
from index.feeds.fetch import Fetched, Fetcher, FetchError

Kind = Literal["auto", "feed", "page"]
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPE_WORDS = ("rss", "atom")


class FeedError(ValueError):
    """A feed as a whole cannot be read (unreachable, not a feed, malformed)."""


@dataclass(frozen=True)
class FeedEntry:
    """What a feed says about one story; used to fill gaps the page leaves."""

    link: str
    title: str = ""
    published: date | None = None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    title: str
    entries: list[FeedEntry]


def parse_feed(body: bytes, url: str) -> Feed:
    """A feed's title and entries (links made absolute); FeedError when it is not a usable feed.

    Broken XML is refused rather than half-read: feedparser's lenient mode would silently drop
    or mangle entries, and a clear error gets the feed fixed.
    """
    import feedparser

    if not body.strip():
        raise FeedError("the feed is empty")
    parsed: Any = feedparser.parse(body)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, feedparser.CharacterEncodingOverride):
        raise FeedError(f"malformed feed: not well-formed XML ({problem})")
    if not parsed.get("version"):
        raise FeedError("not an RSS or Atom feed (is the URL a web page?)")
    entries = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link:
            continue
        entries.append(FeedEntry(
            link=urljoin(url, link), title=(entry.get("title") or "").strip(),
            published=_day(entry.get("published_parsed") or entry.get("updated_parsed")),
            authors=tuple(a["name"] for a in entry.get("authors", []) if a.get("name"))))
    return Feed(title=(parsed.feed.get("title") or "").strip(), entries=entries)


def _day(parsed_time: Any) -> date | None:
    """feedparser's UTC struct_time as a date."""
    if not parsed_time:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed_time), tz=UTC).date()


def looks_like_feed(fetched: Fetched) -> bool:
    """Whether a response is a feed rather than a page: by its root element (servers often
    label feeds text/html or text/xml), else by an RSS/Atom content type."""
    head = fetched.body[:1000].lower()
    if any(root in head for root in (b"<rss", b"<feed", b"<rdf:rdf")):
        return True
    return any(word in fetched.content_type.lower() for word in _FEED_TYPE_WORDS) and \
        "html" not in fetched.content_type.lower()


@dataclass
class Harvest:
    """What reading one URL produced: articles to ingest, articles known to be current, and
    what failed. ``pending`` pairs each download with its article, so that the download's
    validators are kept only once the article is safely stored."""

    url: str
    loaded: list[Loaded] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    expired: int = 0
    feed: Fetched | None = None
    pending: list[tuple[Fetched, Loaded]] = field(default_factory=list)


class WebReader:
    """Turns feed and page URLs into articles through a Fetcher."""

    def __init__(self, fetcher: Fetcher, label: str = "", not_before: date | None = None,
                 ) -> None:
        self.fetcher = fetcher
        self.label = label
        self.not_before = not_before

    def read(self, url: str, kind: Kind = "auto") -> Harvest:
        """Read a feed (every entry's page) or a single page.

        Raises FeedError when the URL itself cannot be read; entry failures are in the result.
        """
        harvest = Harvest(url)
        try:
            fetched = self.fetcher.get(url)
        except FetchError as exc:
            raise FeedError(str(exc)) from None
        if fetched.not_modified:
            if fetched.validators.article_id:
                harvest.unchanged.append(fetched.validators.article_id)
            return harvest
        is_feed = kind == "feed" or (kind == "auto" and looks_like_feed(fetched))
        if not is_feed:
            self._add_page(harvest, fetched, FeedEntry(link=url))
            if harvest.failed:
                raise FeedError(harvest.failed[0][1])
            return harvest
        feed = parse_feed(fetched.body, fetched.final_url)
        harvest.feed = fetched
        self._read_entries(harvest, feed)
        return harvest

    def _read_entries(self, harvest: Harvest, feed: Feed) -> None:
        for entry in _unique(feed.entries):
            if self._expired(entry.published):
                harvest.expired += 1
                continue
            try:
                fetched = self.fetcher.get(entry.link)
            except FetchError as exc:
                harvest.failed.append((entry.link, str(exc)))
                continue
            if fetched.not_modified:
                harvest.unchanged.append(fetched.validators.article_id or entry.link)
                continue
            self._add_page(harvest, fetched, entry, feed.title)

    def _add_page(self, harvest: Harvest, fetched: Fetched, entry: FeedEntry,
                  feed_title: str = "") -> None:
        try:
            article = page_article(fetched, entry, self.label or feed_title)
        except ValueError as exc:
            harvest.failed.append((entry.link, str(exc).splitlines()[0]))
            return
        if self._expired(article.published):
            harvest.expired += 1
            return
        loaded = Loaded(entry.link, article=article)
        harvest.loaded.append(loaded)
        harvest.pending.append((fetched, loaded))

    def _expired(self, published: date | None) -> bool:
        return bool(self.not_before and published and published < self.not_before)

    def commit(self, harvest: Harvest, failed_origins: Iterable[str]) -> None:
        """Keep the validators of what was stored. The feed's own are kept only when every
        entry made it: otherwise its next poll must read it again to retry the failures."""
        failed = set(failed_origins)
        for fetched, loaded in harvest.pending:
            if loaded.origin not in failed and loaded.article is not None:
                self.fetcher.remember(fetched, loaded.article.identity())
        if harvest.feed is not None and not failed and not harvest.failed:
            self.fetcher.remember(harvest.feed)


def page_article(fetched: Fetched, entry: FeedEntry, outlet: str = "") -> Article:
    """The article on a fetched page; the feed entry fills what the page leaves out.

    Raises ValueError (with a message for the report) for a page that is not an article.
    """
    content_type = fetched.content_type.split(";")[0].strip().lower()
    if content_type and content_type not in _HTML_TYPES:
        raise ValueError(f"not an HTML page ({content_type}): {fetched.final_url}")
    try:
        html = decode_text(fetched.body)
        extracted = article_from_html(html, fetched.final_url)
    except NotTextError as exc:
        raise ValueError(f"{exc}: {fetched.final_url}") from None
    fields: dict[str, Any] = {
        "id": None,
        "url": canonical_url(extracted.url, fetched.final_url),
        "title": extracted.title or entry.title,
        "published": extracted.published or entry.published,
        "authors": extracted.authors or list(entry.authors),
        "source": outlet or extracted.source,
    }
    return extracted.model_copy(update=fields)


def canonical_url(declared: str | None, fetched_url: str) -> str:
    """The page's declared canonical URL when it is on the host it was fetched from.

    A page may only speak for its own host: a canonical link to another site would let any
    page overwrite that site's articles.
    """
    if declared and urlsplit(declared).scheme in ("http", "https") and \
            urlsplit(declared).netloc.lower() == urlsplit(fetched_url).netloc.lower():
        return declared
    return fetched_url


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Entries with distinct links, first occurrence kept (feeds do repeat items)."""
    seen: dict[str, FeedEntry] = {}
    for entry in entries:
        seen.setdefault(entry.link, entry)
    return list(seen.values())
