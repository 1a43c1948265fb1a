"""THE search filter: its in-hand and keyword-engine forms agree on every passage."""

from __future__ import annotations

from datetime import date

import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

from index.store.keyword import keyword_engine, keyword_schema
from index.store.records import day_number
from index.store.search_filter import SearchFilter

OUTLETS = ["reuters.com", "apnews.com", ""]
DAYS = st.one_of(st.just(None), st.dates(date(2020, 1, 1), date(2024, 12, 31)))
SCHEMA = keyword_schema()


def _engine_accepts(search_filter: SearchFilter, rows: list[tuple[str, int]]) -> list[bool]:
    """Which rows the filter's tantivy form lets through, on a real (in-memory) index."""
    index = keyword_engine(None)
    writer = index.writer(16_000_000, 1)
    for n, (outlet, day) in enumerate(rows):
        writer.add_document(tantivy.Document(terms="x", pid=str(n), key=str(n), source=outlet,
                                             day=day))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    query = search_filter.to_tantivy(SCHEMA) or tantivy.Query.all_query()
    found = {int(searcher.doc(address)["pid"][0])
             for _, address in searcher.search(query, len(rows) + 1).hits}
    return [n in found for n in range(len(rows))]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OUTLETS), DAYS), min_size=1, max_size=30),
       st.lists(st.sampled_from(OUTLETS[:2]), max_size=2), DAYS, DAYS)
def test_keyword_engine_form_equals_accepts_row_by_row(
        rows: list[tuple[str, date | None]], sources: list[str], since: date | None,
        until: date | None) -> None:
    search_filter = SearchFilter(tuple(sources), since, until)
    numbered = [(outlet, day_number(day)) for outlet, day in rows]
    expected = [search_filter.accepts(outlet, day) for outlet, day in numbered]
    assert _engine_accepts(search_filter, numbered) == expected


def test_date_filter_refuses_undated_articles_in_every_form() -> None:
    until = SearchFilter(until=date(2023, 1, 1))
    assert not until.accepts("x", 0)
    assert _engine_accepts(until, [("x", 0), ("x", 20221231)]) == [False, True]
    assert {"published_day": {"$gt": 0}} in (until.to_where() or {})["$and"]
    assert SearchFilter().to_where() is None and not SearchFilter()
    assert SearchFilter().to_tantivy(SCHEMA) is None
