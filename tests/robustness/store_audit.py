"""Audit a store against the files it was ingested from: what must hold after any crash.

The expected state is recomputed from the sources with the product's own loader, cleaner and
chunker, so the audit finds every passage that is missing, duplicated (an extra copy under
another id), orphaned (a version or an article that is not current) or not verbatim, and
every disagreement between the keyword index on disk and the vectors in Chroma.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.service import ChatService
from index.articles import load_paths
from index.chunking import chunk_text
from index.clean import clean_text
from index.store.keyword import KeywordIndex
from index.store.records import article_key, article_version


@dataclass
class Audit:
    """Everything wrong with a store; empty lists mean the store is exactly its sources."""

    missing_articles: list[str] = field(default_factory=list)
    extra_articles: list[str] = field(default_factory=list)
    wrong_article_text: list[str] = field(default_factory=list)
    missing_passages: list[str] = field(default_factory=list)
    orphan_passages: list[str] = field(default_factory=list)
    not_verbatim: list[str] = field(default_factory=list)
    keyword_only: list[str] = field(default_factory=list)
    vector_only: list[str] = field(default_factory=list)
    passages: int = 0

    def problems(self) -> dict[str, list[str]]:
        return {name: value[:5] for name, value in vars(self).items()
                if isinstance(value, list) and value}


def expected_passages(service: ChatService, sources: Iterable[Path],
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """(article key -> cleaned text, passage id -> passage text) the sources should produce."""
    articles: dict[str, str] = {}
    passages: dict[str, str] = {}
    for loaded in load_paths(sources):
        assert loaded.article is not None, loaded.error
        article = loaded.article.model_copy(update={"text": clean_text(loaded.article.text)})
        key, version = article_key(article.identity()), article_version(article)
        articles[key] = article.text
        for chunk in chunk_text(article.text, service.embedder.count_tokens,
                                service.settings.chunk_tokens,
                                service.settings.chunk_overlap_sentences):
            passages[f"{key}-{version}-{chunk.index:05d}"] = chunk.text
    return articles, passages


def _all_records(collection: Any, include: list[str], page: int = 500) -> dict[str, Any]:
    """Every record of a Chroma collection: id -> (document, metadata)."""
    records: dict[str, Any] = {}
    offset = 0
    while True:
        got = collection.get(include=include, offset=offset, limit=page)
        for record_id, document, metadata in zip(got["ids"], got["documents"],
                                                 got["metadatas"], strict=True):
            assert record_id not in records, f"id {record_id} returned twice"
            records[record_id] = (document, metadata)
        if len(got["ids"]) < page:
            return records
        offset += page


def audit_store(service: ChatService, sources: Iterable[Path]) -> Audit:
    """Compare the store and the keyword index on disk with what ``sources`` produce."""
    want_articles, want_passages = expected_passages(service, sources)
    audit = Audit()
    stored_articles = _all_records(service.store.articles, ["documents", "metadatas"])
    audit.missing_articles = sorted(set(want_articles) - set(stored_articles))
    audit.extra_articles = sorted(set(stored_articles) - set(want_articles))
    audit.wrong_article_text = sorted(key for key, (text, _) in stored_articles.items()
                                      if key in want_articles and text != want_articles[key])
    stored = _all_records(service.store.passages, ["documents", "metadatas"])
    audit.passages = len(stored)
    audit.missing_passages = sorted(set(want_passages) - set(stored))
    audit.orphan_passages = sorted(set(stored) - set(want_passages))
    for passage_id, (text, metadata) in stored.items():
        article_text = want_articles.get(str(metadata["article_key"]), "")
        if text != article_text[int(metadata["start"]):int(metadata["end"])]:
            audit.not_verbatim.append(passage_id)
    # A fresh load reads what is on disk, as the next process would.
    keywords = KeywordIndex(service.settings.keyword_path)
    live = keywords.passage_ids()
    current = {passage_id for passage_id, (_, metadata) in stored.items()
               if stored_articles.get(str(metadata["article_key"]), (None, {}))[1].get("version")
               == metadata["version"]}
    audit.keyword_only = sorted(live - current)
    audit.vector_only = sorted(current - live)
    return audit
