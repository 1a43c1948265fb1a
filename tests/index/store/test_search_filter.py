"""THE search filter: its in-hand and keyword-array forms agree on every passage."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.store.records import day_number
from index.store.search_filter import SearchFilter

OUTLETS = ["reuters.com", "apnews.com", ""]
DAYS = st.one_of(st.just(None), st.dates(date(2020, 1, 1), date(2024, 12, 31)))


@given(st.lists(st.tuples(st.sampled_from(OUTLETS), DAYS), min_size=1, max_size=30),
       st.lists(st.sampled_from(OUTLETS[:2]), max_size=2), DAYS, DAYS)
def test_mask_equals_accepts_row_by_row(rows: list[tuple[str, date | None]], sources: list[str],
                                        since: date | None, until: date | None) -> None:
    search_filter = SearchFilter(tuple(sources), since, until)
    outlets = [outlet for outlet, _ in rows]
    days = np.array([day_number(day) for _, day in rows])
    expected = [search_filter.accepts(outlet, int(day)) for outlet, day in zip(outlets, days,
                                                                                strict=True)]
    assert search_filter.mask(outlets, days).tolist() == expected


def test_date_filter_refuses_undated_articles_in_every_form() -> None:
    until = SearchFilter(until=date(2023, 1, 1))
    assert not until.accepts("x", 0)
    assert until.mask(["x"], np.array([0])).tolist() == [False]
    assert {"published_day": {"$gt": 0}} in (until.to_where() or {})["$and"]
    assert SearchFilter().to_where() is None and not SearchFilter()
