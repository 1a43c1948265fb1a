"""Ingest: load -> clean -> skip unchanged -> chunk -> embed -> store, with a progress bar.

Articles are embedded in shared batches (the model is fastest on full batches, and sorts a
batch by length to pad less) and written a batch at a time in a few large store calls. Readers
never see half an article; if a batch cannot be written, its articles are retried one by one so
that a failure affects only the article that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.articles import DEFAULT_MAX_ARTICLE_CHARS, Article, Loaded, load_paths
from index.chunking import Chunk, chunk_text
from index.clean import CleanReport, clean_text
from index.embedding import Embedder
from index.progress import Progress
from index.store.chroma import ChromaStore
from index.store.records import ArticleWrite, article_key, article_version

log = logging.getLogger(__name__)

ProgressFactory = Callable[[int], "Progress"]


@dataclass
class IngestReport:
    """What one ingest run did, article by article."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    passages_written: int = 0
    cleaning: CleanReport = field(default_factory=CleanReport)

    @property
    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "failed": len(self.failed)}


@dataclass
class _Prepared:
    origin: str
    article_id: str
    article: Article
    chunks: list[Chunk]
    is_update: bool


@dataclass
class Ingestor:
    """Turns articles into stored, searchable passages."""

    store: ChromaStore
    embedder: Embedder
    chunk_tokens: int = 200
    chunk_overlap_sentences: int = 1
    max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS
    embed_batch_passages: int = 256

    def ingest_paths(self, paths: Iterable[Path], progress: ProgressFactory | None = None,
                     ) -> IngestReport:
        """Ingest files and folders; unreadable inputs are reported in the result, not raised."""
        loaded = list(load_paths(paths, max_chars=self.max_article_chars))
        return self.ingest_loaded(loaded, progress)

    def ingest_articles(self, articles: Iterable[Article], origin: str = "input",
                        progress: ProgressFactory | None = None) -> IngestReport:
        loaded = [Loaded(f"{origin}[{i}]", article=a) for i, a in enumerate(articles)]
        return self.ingest_loaded(loaded, progress)

    def ingest_loaded(self, loaded: list[Loaded], progress: ProgressFactory | None = None,
                      ) -> IngestReport:
        report = IngestReport()
        bar = progress(len(loaded)) if progress else Progress()
        try:
            prepared = self._prepare(loaded, report, bar)
            self._embed_and_write(prepared, report, bar)
        finally:
            bar.close()
        return report

    def _prepare(self, loaded: list[Loaded], report: IngestReport, bar: Progress,
                 ) -> list[_Prepared]:
        """Clean and chunk what changed; count the unchanged and the unreadable."""
        candidates: dict[str, tuple[str, Article]] = {}
        for item in loaded:
            if item.article is None:
                report.failed.append((item.origin, item.error or "unreadable"))
                bar.advance()
                continue
            cleaned_text = clean_text(item.article.text, report.cleaning)
            if not cleaned_text:
                report.failed.append((item.origin, "no article text left after cleaning"))
                bar.advance()
                continue
            article = item.article.model_copy(update={"text": cleaned_text})
            article_id = article.identity()
            if article_id in candidates:
                # The same article twice in one batch: the later copy wins, counted once.
                bar.advance()
            candidates[article_id] = (item.origin, article)

        stored = self.store.current_versions([article_key(i) for i in candidates])
        prepared = []
        unchanged: dict[str, str] = {}
        for article_id, (origin, article) in candidates.items():
            old_version = stored.get(article_key(article_id))
            if old_version == article_version(article):
                report.unchanged.append(article_id)
                unchanged[article_key(article_id)] = old_version
                bar.advance()
                continue
            chunks = chunk_text(article.text, self.embedder.count_tokens, self.chunk_tokens,
                                self.chunk_overlap_sentences)
            prepared.append(_Prepared(origin, article_id, article, chunks,
                                      is_update=old_version is not None))
        # An earlier run killed mid-write may have left an old version's passages behind.
        self.store.remove_leftovers(unchanged)
        return prepared

    def _embed_and_write(self, prepared: list[_Prepared], report: IngestReport,
                         bar: Progress) -> None:
        """Embed chunks of several articles per model call, then write each article whole."""
        group: list[_Prepared] = []
        size = 0
        for item in prepared:
            group.append(item)
            size += len(item.chunks)
            if size >= self.embed_batch_passages:
                self._write_group(group, report, bar)
                group, size = [], 0
        if group:
            self._write_group(group, report, bar)

    def _write_group(self, group: list[_Prepared], report: IngestReport, bar: Progress) -> None:
        texts = [passage_embedding_text(item.article, chunk)
                 for item in group for chunk in item.chunks]
        vectors = self.embedder.embed_passages(texts)
        writes = []
        offset = 0
        for item in group:
            writes.append(ArticleWrite(item.article, item.article_id, item.chunks,
                                       vectors[offset:offset + len(item.chunks)]))
            offset += len(item.chunks)
        try:
            self.store.write_articles(writes)
        except Exception as exc:
            # Find the article that cannot be stored, and store the others, one at a time.
            log.info("a batch write failed (%s); writing its articles one by one",
                     type(exc).__name__)
            for item, write in zip(group, writes, strict=True):
                self._write_one(item, write, report)
                bar.advance()
            return
        for item in group:
            self._record(item, report)
            bar.advance(passages=len(item.chunks))

    def _write_one(self, item: _Prepared, write: ArticleWrite, report: IngestReport) -> None:
        try:
            self.store.write_articles([write])
        except Exception as exc:  # one article's failure must not abort the batch
            log.warning("could not store %s: %s", item.origin, exc)
            report.failed.append((item.origin, f"could not store: {exc}"))
            return
        self._record(item, report)

    @staticmethod
    def _record(item: _Prepared, report: IngestReport) -> None:
        (report.updated if item.is_update else report.added).append(item.article_id)
        report.passages_written += len(item.chunks)


def passage_embedding_text(article: Article, chunk: Chunk) -> str:
    """What the dense side embeds for a chunk: the headline gives a chunk its topic."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text
