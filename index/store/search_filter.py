"""THE search filter: which articles may answer, in each form a search engine needs.

One definition, three readings: ``accepts`` for a passage in hand, ``to_where`` for Chroma's
metadata filter, ``mask`` for the keyword index's arrays of outlets and days. They must agree
exactly (tests compare them), so they live together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from index.store.records import day_number


@dataclass(frozen=True)
class SearchFilter:
    """Which articles may answer: by outlet and by published-date range (inclusive)."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def __bool__(self) -> bool:
        return bool(self.sources or self.since or self.until)

    def accepts(self, source: str, published_day: int) -> bool:
        """Whether a passage of this outlet and day (0 = undated) passes the filter."""
        if self.sources and source not in self.sources:
            return False
        if self.since and published_day < day_number(self.since):
            return False
        return not self.until or 0 < published_day <= day_number(self.until)

    def to_where(self) -> dict[str, Any] | None:
        """The same filter as a Chroma ``where`` clause."""
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.since:
            clauses.append({"published_day": {"$gte": day_number(self.since)}})
        if self.until:
            clauses.append({"published_day": {"$lte": day_number(self.until)}})
            if not self.since:
                # Undated articles have day 0; a date filter should not let them through.
                clauses.append({"published_day": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def mask(self, sources: Sequence[str], days: np.ndarray) -> np.ndarray:
        """``accepts`` over arrays of outlets and days (the keyword index's rows) at once."""
        mask = np.ones(len(sources), dtype=bool)
        if self.sources:
            mask &= np.isin(np.array(sources, dtype=object), list(self.sources))
        if self.since:
            mask &= days >= day_number(self.since)
        if self.until:
            mask &= (days > 0) & (days <= day_number(self.until))
        return mask
