"""Time in questions: the days a question's words point at, relative to its reference day.

A news question is about a moment. The reference day is the day it is asked "as of" (the
search filter's end), else today. Relative expressions narrow the days that count:
"this week" is the seven days up to the reference day, "in June" the last June up to it,
"last year" the year before, "on Monday" the last Monday, "in 2021" that year. News about a
day is published on it or shortly after, so a window's end is extended by a few days when it
is compared with publication dates (``covers``).

Everything takes the reference day as an argument, so behaviour is fixed and testable.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

# An article about a day is published that day or within this many days after it.
REPORTING_LAG_DAYS = 3

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}

_MONTH_NAMES = "|".join(name.lower() for name in calendar.month_name if name)
_WEEKDAY_NAMES = "|".join(_WEEKDAYS)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("today", re.compile(r"\b(today|tonight|this morning|this evening)\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("this_week", re.compile(r"\b(this|the past|past|last few|recent) (week|days)\b"
                             r"|\bthis weekend\b", re.I)),
    ("last_week", re.compile(r"\blast week(end)?\b", re.I)),
    ("this_month", re.compile(r"\b(this|the past) month\b", re.I)),
    ("last_month", re.compile(r"\blast month\b", re.I)),
    ("this_year", re.compile(r"\b(this|the past) year\b", re.I)),
    ("last_year", re.compile(r"\blast year\b", re.I)),
    ("weekday", re.compile(rf"\b(on |last |this )?({_WEEKDAY_NAMES})\b", re.I)),
    # "in June", "June 2021", "early June": not "May" the verb ("may be"): a month name must
    # follow in/during/since/by/early/late/mid or precede a day or a year.
    ("month", re.compile(rf"\b(?:in|during|since|by|early|late|mid|mid-|this|last)\s*-?\s*"
                         rf"({_MONTH_NAMES})\b(?:\s+((?:19|20)\d\d))?"
                         rf"|\b({_MONTH_NAMES})\s+(\d{{1,2}}(?:st|nd|rd|th)?\b|(?:19|20)\d\d)",
                         re.I)),
    ("year", re.compile(r"\b(?:in|during|since|of|for)\s+((?:19|20)\d\d)\b", re.I)),
]


@dataclass(frozen=True)
class DateWindow:
    """The days a question's words point at (inclusive), and the words that did."""

    start: date
    end: date
    expression: str

    def covers(self, published: date, lag_days: int = REPORTING_LAG_DAYS) -> bool:
        """Whether an article published that day can be about this window."""
        return self.start <= published <= self.end + timedelta(days=lag_days)

    def distance(self, published: date, lag_days: int = REPORTING_LAG_DAYS) -> int:
        """Days between the publication and the window (0 inside it)."""
        if published < self.start:
            return (self.start - published).days
        return max((published - self.end).days - lag_days, 0)


def question_window(question: str, reference: date) -> DateWindow | None:
    """The window the question's first time expression names, relative to ``reference``.

    None when the question names no time (then recency alone decides among stories).
    """
    for kind, pattern in _PATTERNS:
        match = pattern.search(question)
        if match is None:
            continue
        window = _window(kind, match, reference)
        if window is not None:
            return DateWindow(window[0], min(window[1], reference) if window[0] <= reference
                              else window[1], match.group(0).strip())
    return None


def _window(kind: str, match: re.Match[str], ref: date) -> tuple[date, date] | None:
    if kind == "today":
        return ref, ref
    if kind == "yesterday":
        day = ref - timedelta(days=1)
        return day, day
    if kind == "this_week":
        return ref - timedelta(days=7), ref
    if kind == "last_week":
        return ref - timedelta(days=14), ref - timedelta(days=5)
    if kind == "this_month":
        return ref - timedelta(days=31), ref
    if kind == "last_month":
        first = ref.replace(day=1)
        previous = first - timedelta(days=1)
        return previous.replace(day=1), previous
    if kind == "this_year":
        return ref - timedelta(days=366), ref
    if kind == "last_year":
        return date(ref.year - 1, 1, 1), date(ref.year - 1, 12, 31)
    if kind == "weekday":
        wanted = _WEEKDAYS[match.group(2).lower()]
        back = (ref.weekday() - wanted) % 7
        if (match.group(1) or "").strip().lower() == "last" and back == 0:
            back = 7
        day = ref - timedelta(days=back)
        return day, day
    if kind == "month":
        name = (match.group(1) or match.group(3)).lower()
        month = _MONTHS[name]
        # "June 2021" names a year; "June 15th" (four characters too) names a day.
        day_or_year = match.group(4) or ""
        year_text = match.group(2) or (day_or_year if len(day_or_year) == 4
                                       and day_or_year.isdigit() else None)
        year = (int(year_text) if year_text
                else ref.year if month <= ref.month else ref.year - 1)
        last = calendar.monthrange(year, month)[1]
        return date(year, month, 1), date(year, month, last)
    if kind == "year":
        year = int(match.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    return None
