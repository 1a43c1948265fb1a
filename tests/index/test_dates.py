"""The one day parser: what people and files may write, and the message when they cannot."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from index.dates import day_or_none, parse_day


@pytest.mark.parametrize("text", ["2023-11-24", " 2023-11-24 ", "2023-11-24T08:15:00Z",
                                  "2023-11-24 08:15:00+02:00"])
def test_iso_days_and_timestamps_give_the_day(text: str) -> None:
    assert parse_day(text) == date(2023, 11, 24)


def test_empty_is_no_day_and_dates_pass_through() -> None:
    assert parse_day("") is None and parse_day(None) is None
    assert parse_day(datetime(2023, 11, 24, 9)) == date(2023, 11, 24)


@pytest.mark.parametrize("text", ["last week", "24/11/2023", "2023-13-01", "2023-11-24junk"])
def test_anything_else_is_refused_with_the_format(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a date \(YYYY-MM-DD\)"):
        parse_day(text)
    assert day_or_none(text) is None
