"""The one reader of calendar days newsbot accepts from people and files.

Articles, filters, command-line options and evaluation sets all name days as ``YYYY-MM-DD``
(full ISO timestamps are accepted; only their day is kept). One parser keeps the rule and the
error message the same everywhere.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.+\-Z]*)?\s*$")


def parse_day(value: str | date | datetime | None) -> date | None:
    """The day ``value`` names; None for an empty value; ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_DAY.match(text)
    if not match:
        raise ValueError(f"not a date (YYYY-MM-DD): {text[:40]!r}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {text[:40]!r}") from None


def day_or_none(text: str) -> date | None:
    """The day of a stored value, None when it is empty or unreadable (stored data is shown
    as it is, never refused)."""
    try:
        return parse_day(text)
    except ValueError:
        return None
