"""Reading the index as a library: pages of articles, their outlets and days, a title search,
an article's text. ChatService is a Catalog; the reading lives here so that the service module
holds what answers and writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from chatbot.schema import ArticlePage, ArticleSummary
from index.dates import day_or_none
from index.store.chroma import ChromaStore
from index.store.records import StoredArticle, article_key

# Articles read per store call when paging through the whole index.
_PAGE = 1000


class Catalog:
    """The index's articles as a reader browses them (no text unless asked for one)."""

    store: ChromaStore

    def articles(self, offset: int = 0, limit: int = 50) -> ArticlePage:
        """One page of the indexed articles."""
        total = self.store.count_articles()
        page = self.store.list_articles(offset, limit)
        return _page(total, offset, limit, [_summary(a) for a in page])

    def all_articles(self) -> Iterator[ArticleSummary]:
        """Every indexed article, read a page at a time."""
        offset = 0
        while batch := self.store.list_articles(offset, _PAGE):
            yield from (_summary(a) for a in batch)
            if len(batch) < _PAGE:
                return
            offset += _PAGE

    def outlets(self) -> list[str]:
        """Every outlet name in the index, sorted (the filter's choices)."""
        return sorted({a.source for a in self.all_articles() if a.source},
                      key=lambda name: (name.casefold(), name))

    def date_range(self) -> tuple[date | None, date | None]:
        """The first and last publication days in the index (None, None when it has none):
        the date filters' calendar opens on the last."""
        days = [day for a in self.all_articles() if (day := day_or_none(a.published))]
        return (min(days), max(days)) if days else (None, None)

    def find_articles(self, query: str = "", offset: int = 0, limit: int = 20) -> ArticlePage:
        """One page of the indexed articles whose title or outlet contains ``query`` (any
        case), newest first."""
        needle = query.strip().casefold()
        found = [a for a in self.all_articles()
                 if not needle or needle in a.title.casefold() or needle in a.source.casefold()]
        found.sort(key=lambda a: (day_or_none(a.published) or date.min, a.title), reverse=True)
        return _page(len(found), offset, limit, found[offset:offset + limit])

    def article_text(self, article_id: str) -> str | None:
        """The cleaned text of an article (what citations quote), None when not indexed."""
        return self.store.article_text(article_key(article_id))


def _page(total: int, offset: int, limit: int, articles: list[ArticleSummary]) -> ArticlePage:
    return ArticlePage(total=total, offset=offset, limit=limit, articles=articles,
                       next_offset=offset + limit if offset + limit < total else None)


def _summary(article: StoredArticle) -> ArticleSummary:
    return ArticleSummary(id=article.article_id, title=article.title, source=article.source,
                          url=article.url, published=article.published,
                          passages=article.passages)
