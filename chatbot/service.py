"""ChatService: the one door to newsbot. The web UI, the API, the CLI, evals and benchmarks call
its methods; none of them touches the store, the keyword index or the ingestor.

Keeping every surface behind one object keeps their behaviour identical (one validation, one
keyword-index refresh rule, one "store down" test) and lets the components behind it change
without touching a front end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from chatbot.answering.citations.draft import DECLINE_IN_SELECTION, Draft, build_answer
from chatbot.answering.citations.markers import split_answer
from chatbot.answering.citations.verify import CitationVerifier
from chatbot.answering.extractive import Answerer
from chatbot.answering.rerank import make_reranker
from chatbot.answering.retrieve import Retriever
from chatbot.catalog import Catalog
from chatbot.llm.providers import create_answering, fitted_models, ranking_parts
from chatbot.schema import (
    Answer,
    Filters,
    Health,
    StreamEvent,
    Timeline,
    Turn,
    holds_lone_surrogate,
)
from chatbot.settings import Settings
from chatbot.story.present import timeline_answer
from chatbot.story.timeline import TimelineBuilder
from chatbot.story.topic import story_topic
from chatbot.story.watches import WatchDesk, open_watches
from index.articles import Loaded
from index.embedding import Embedder, use_threads
from index.feeds.poller import SourceManager
from index.feeds.retention import drop_published_before
from index.pipeline import Ingestor, IngestReport, ProgressFactory
from index.store.chroma import ChromaStore
from index.store.client import open_client
from index.store.errors import StoreUnavailableError
from index.store.keyword import KeywordIndex
from index.store.records import Passage, article_key
from index.store.search_filter import SearchFilter

# Receives the passages the answerer reads, best first (evaluations score retrieval on them).
PassageObserver = Callable[[list[Passage]], None]

# Follow-ups refer to the last few turns; older history only adds noise and cost.
_HISTORY_TURNS = 12


class QuestionError(ValueError):
    """The question cannot be asked as given; ``reason`` says why (the API maps it to a status
    without measuring the question again), the message tells the user what to change."""

    def __init__(self, reason: Literal["empty", "too_long", "not_text"], message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class IndexStats:
    articles: int
    passages: int


class ChatService(Catalog):
    """Answers questions over the index, and keeps the index: ingest, list, remove, follow."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder,
                 keywords: KeywordIndex) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        self._keywords_checked = 0.0
        self.retriever = Retriever(
            store, embedder, keywords,
            make_reranker(settings.reranker, keywords, settings.recency_half_life_days,
                          ranking_parts(settings), fitted_models(settings)),
            mode=settings.retrieval, candidates=settings.candidates)
        answering = create_answering(settings, embedder)
        self.answerer: Answerer = answering.answerer
        self.llm = answering.llm
        self.standalone = answering.standalone
        self.ingestor = Ingestor(store, embedder, chunk_tokens=settings.chunk_tokens,
                                 chunk_overlap_sentences=settings.chunk_overlap_sentences,
                                 max_article_chars=settings.max_article_chars)

    def with_settings(self, settings: Settings) -> ChatService:
        """A service answering with other settings over the same store, model and keyword
        index (benchmarks compare configurations without loading anything twice)."""
        return ChatService(settings, self.store, self.embedder, self.keywords)

    # -- answering ----------------------------------------------------------------------------

    def ask(self, question: str, history: Iterable[Turn] = (), filters: Filters | None = None,
            on_passages: PassageObserver | None = None) -> Answer:
        """Answer ``question`` (in the context of ``history``) from the indexed articles."""
        final: Answer | None = None
        for event in self.stream(question, history, filters, on_passages):
            final = event.answer or final
        assert final is not None  # stream() always ends with the answer
        return final

    def stream(self, question: str, history: Iterable[Turn] = (),
               filters: Filters | None = None, on_passages: PassageObserver | None = None,
               ) -> Iterator[StreamEvent]:
        """The answer as it is produced: text deltas, then one event with the final Answer.

        Raises QuestionError before anything is yielded when the question cannot be asked.
        ``on_passages`` is shown the retrieved passages, which the Answer does not carry. A
        question asking for the latest on a story is answered with its timeline.
        """
        timings: dict[str, float] = {}
        question = self.validate_question(question)
        with _timed(timings, "condense_ms"):
            standalone = self.standalone(question, list(history)[-_HISTORY_TURNS:])
        if (topic := story_topic(standalone)) is not None:
            with _timed(timings, "timeline_ms"):
                answer = timeline_answer(self.timeline(topic, filters), standalone)
        else:
            answer = yield from self._answer(standalone, filters, on_passages, timings)
        timings["total_ms"] = sum(timings.values())
        answer.timings_ms = {key: round(value, 1) for key, value in timings.items()}
        yield StreamEvent(answer=answer)

    def _answer(self, standalone: str, filters: Filters | None,
                on_passages: PassageObserver | None, timings: dict[str, float],
                ) -> Generator[StreamEvent, None, Answer]:
        """The answerer's deltas (or the answer's sentences, when it was complete at once);
        returns the Answer."""
        with _timed(timings, "retrieve_ms"):
            passages = self.retrieve(standalone, self.settings.passages, filters)
        if on_passages is not None:
            on_passages(list(passages))
        draft: Draft | None = None
        streamed = False
        with _timed(timings, "answer_ms"):
            for item in self.answerer.stream(standalone, passages):
                if isinstance(item, Draft):
                    draft = item
                elif item:
                    streamed = True
                    yield StreamEvent(delta=item)
        assert draft is not None, "an answerer must end with a Draft"
        answer = build_answer(draft, standalone)
        if answer.declined and to_search_filter(filters):
            answer.filtered = True  # the user may clear the filters and ask again
            answer.answer = DECLINE_IN_SELECTION
        if not streamed:
            # Answers that were complete at once are still shown sentence by sentence.
            sentences = split_answer(answer.answer)
            for i, sentence in enumerate(sentences):
                yield StreamEvent(delta=sentence + (" " if i < len(sentences) - 1 else ""))
        return answer

    def retrieve(self, question: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``question`` (a standalone question), best
        first, after picking up articles other processes ingested."""
        self._refresh_keywords()
        return self.retriever.retrieve(question, k, to_search_filter(filters))

    def timeline(self, topic: str, filters: Filters | None = None, limit: int = 10,
                 ) -> Timeline:
        """The story's developments, newest first, each a cited sentence from an article."""
        return self.timelines.build(self.validate_question(topic), filters, limit)

    @cached_property
    def timelines(self) -> TimelineBuilder:
        """Timelines read what answers read: the reranked passages, wire copies kept."""
        def search(topic: str, filters: Filters | None) -> list[Passage]:
            self._refresh_keywords()
            return self.retriever.ranked(topic, to_search_filter(filters))
        return TimelineBuilder(search, self.embedder, self.settings.min_evidence)

    def validate_question(self, question: str) -> str:
        """The question trimmed, or a QuestionError that tells the user what to change."""
        text = (question or "").strip()
        if not text:
            raise QuestionError("empty", "Please type a question: the question is empty.")
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(
                "too_long",
                f"The question is too long ({len(text):,} characters; the limit is "
                f"{self.settings.max_question_chars:,}). Please shorten it.")
        if holds_lone_surrogate(text):
            raise QuestionError("not_text", "The question holds a lone surrogate "
                                "(\\ud800-\\udfff), which is not text.")
        return text

    # -- writing the index --------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: ProgressFactory | None = None,
               ) -> IngestReport:
        """Load, clean, chunk, embed and store the articles under ``paths``."""
        report = self.ingestor.ingest_paths(paths, progress)
        self.sync_keywords()
        self._recheck_watches(report)
        return report

    def ingest_loaded(self, loaded: list[Loaded]) -> IngestReport:
        """Store articles already read (from a feed, an upload); the keyword index follows."""
        report = self.ingestor.ingest_loaded(loaded)
        if report.added or report.updated:
            self.sync_keywords()
            self._recheck_watches(report)
        return report

    def _recheck_watches(self, report: IngestReport) -> None:
        """Ask the watched questions the new articles could change again (chatbot.story)."""
        if new := report.added + report.updated:
            self.watches.check([self.article_text(article_id) or "" for article_id in new])

    @cached_property
    def watches(self) -> WatchDesk:
        """Watched questions, kept in the data folder, re-answered after every ingest."""
        return open_watches(self.settings, lambda question, filters: self.ask(
            question, filters=filters), self.keywords.idf)

    def drop_published_before(self, day: date) -> list[str]:
        """Remove every dated article published before ``day`` (retention); returns ids."""
        dropped = drop_published_before(self.store, day)
        if dropped:
            self.sync_keywords()
        return dropped

    def remove_articles(self, article_ids: Iterable[str]) -> None:
        """Remove these articles (every version, every passage) from both indexes."""
        for article_id in article_ids:
            self.store.delete_article(article_key(article_id))
        self.sync_keywords()

    def sync_keywords(self) -> int:
        """Bring the keyword index in step with the store; returns articles changed."""
        self._keywords_checked = time.monotonic()
        return self.keywords.sync(self.store)

    def _refresh_keywords(self) -> None:
        """Pick up articles other processes ingested, at most every keyword_sync_seconds."""
        if time.monotonic() - self._keywords_checked >= self.settings.keyword_sync_seconds:
            self.sync_keywords()

    @cached_property
    def verifier(self) -> CitationVerifier:
        """The check that keeps a language model's sentences only where a source supports
        them; evaluations judge every answer's sentences with the same one."""
        return CitationVerifier(self.embedder)

    @cached_property
    def sources(self) -> SourceManager:
        """The followed feeds and folders, polled into this service's index."""
        return SourceManager(self, self.settings.feed_settings)

    # -- reading the index (listing and finding articles: Catalog) ----------------------------

    def stats(self) -> IndexStats:
        return IndexStats(self.store.count_articles(), self.store.count_passages())

    def health(self) -> Health:
        """Is the store reachable, how much does it hold, is the embedding model loaded."""
        try:
            dimension: int | None = self.embedder.dimension
        except Exception as exc:  # a missing or broken model folder
            return Health(status="unavailable", store="unreachable", model_loaded=False,
                          detail=str(exc))
        try:
            self.store.ping()
            stats = self.stats()
        except StoreUnavailableError as exc:
            return Health(status="unavailable", store="unreachable", model_loaded=True,
                          embedding_dimension=dimension, detail=str(exc))
        return Health(status="ok", store="reachable", articles=stats.articles,
                      passages=stats.passages, model_loaded=True, embedding_dimension=dimension)

    def warm_up(self) -> None:
        """Load the embedding model now rather than on the first question."""
        self.embedder.embed_query("warm up")

    def warm_up_ranking(self) -> None:
        """Load the learned rankers, the reader and the entity recogniser now (about two seconds,
        so `serve` does it after it starts listening); a broken model file fails here."""
        extractive = getattr(self.answerer, "extractive", self.answerer)
        for part in (self.retriever.reranker, getattr(extractive, "sentence_ranker", None),
                     getattr(extractive, "reader", None)):
            getattr(part, "warm_up", lambda: None)()

    def store_failure(self, error: Exception) -> StoreUnavailableError | None:
        """The StoreUnavailableError behind ``error`` when the store no longer answers, else
        None.

        Chroma's clients raise many kinds of errors when a server goes away; asking the store
        directly is the reliable way to tell "the index is down" (503) from a bug (500).
        """
        if isinstance(error, StoreUnavailableError):
            return error
        try:
            self.store.ping()
        except StoreUnavailableError as down:
            return down
        return None


def to_search_filter(filters: Filters | None) -> SearchFilter | None:
    """The user's filters as the store's filter; "as of" narrows the date range's end."""
    if filters is None:
        return None
    until = filters.until
    if filters.as_of and (until is None or filters.as_of < until):
        until = filters.as_of
    return SearchFilter(tuple(filters.sources), filters.since, until)


@contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = (time.perf_counter() - start) * 1000


def create_service(settings: Settings) -> ChatService:
    """The app factory: one service, built once, shared by every front end."""
    use_threads(settings.torch_threads)
    embedder = Embedder(settings.embedding_model, precision=settings.embedding_precision)
    # The model loads while the store opens: each is about a second of a command's start.
    loading = embedder.load_in_background()
    client = open_client(path=settings.store_path, url=settings.chroma_url)
    store = ChromaStore(client, settings.index_name)
    keywords = KeywordIndex(settings.keyword_path)
    service = ChatService(settings, store, embedder, keywords)
    loading.join()
    return service
