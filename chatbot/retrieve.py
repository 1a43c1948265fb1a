"""Finding the passages that may answer a question."""

from __future__ import annotations

from dataclasses import dataclass

from index.embedding import Embedder
from index.store import ChromaStore, Passage, SearchFilter


@dataclass
class Retriever:
    """Dense retrieval over the Chroma store with outlet and date filters."""

    store: ChromaStore
    embedder: Embedder
    candidates: int = 40

    def retrieve(self, question: str, limit: int, search_filter: SearchFilter | None = None,
                 ) -> list[Passage]:
        """The ``limit`` best passages for ``question``, best first."""
        where = search_filter.to_where() if search_filter else None
        vector = self.embedder.embed_query(question)
        return self.store.query(vector, max(limit, self.candidates), where)[:limit]
