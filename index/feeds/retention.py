"""Retention: forget articles older than a number of days.

News ages; an intranet bot answering from last year's stories misleads. Only dated articles
are dropped (an undated article's age is unknown). Deleting from Chroma removes the vectors;
the keyword index notices the deletions on its next sync (the caller runs it).
"""

from __future__ import annotations

from datetime import date, timedelta

from index.store.chroma import ChromaStore


def retention_cutoff(days: int, today: date | None = None) -> date:
    """The first publication day that is kept."""
    return (today or date.today()) - timedelta(days=days)


def drop_published_before(store: ChromaStore, day: date) -> list[str]:
    """Delete every dated article published before ``day``; returns their ids."""
    expired = store.published_before(day)
    for key in expired:
        store.delete_article(key)
    return sorted(expired.values())
