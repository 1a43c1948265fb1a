"""THE search filter: which articles may answer, in each form a search engine needs.

One definition, three readings: ``accepts`` for a passage in hand, ``to_where`` for Chroma's
metadata filter, ``to_tantivy`` for the keyword index's query over its ``source`` and ``day``
fields. They must agree exactly (tests compare them), so they live together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

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

    def to_tantivy(self, schema: Any) -> Any | None:
        """The same filter as a tantivy query over the keyword index's ``source`` (raw text)
        and ``day`` (integer fast field) fields; None when it accepts everything."""
        import tantivy

        clauses = []
        if self.sources:
            clauses.append(tantivy.Query.term_set_query(schema, "source", list(self.sources)))
        if self.since or self.until:
            # Undated articles have day 0; a date filter should not let them through.
            lowest = max(day_number(self.since), 1)
            highest = day_number(self.until) if self.until else None
            clauses.append(tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer,
                                                     lowest, highest))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, clause) for clause in clauses])
