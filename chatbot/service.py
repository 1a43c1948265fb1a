"""ChatService: the one object that answers. The web UI, the API, the CLI and evals all call it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from llama_index.core import Settings as LlamaSettings

from chatbot.answer import Answerer
from chatbot.citations import DECLINE_IN_SELECTION, Draft, build_answer
from chatbot.providers import create_answering
from chatbot.rerank import make_reranker
from chatbot.retrieve import Retriever
from chatbot.schema import Answer, Filters, StreamEvent, Turn
from chatbot.settings import Settings
from index.embedding import Embedder, LlamaIndexEmbedding, use_threads
from index.lexical import KeywordIndex
from index.pipeline import Ingestor, IngestReport, ProgressFactory
from index.store import ChromaStore, Passage, SearchFilter, open_client

# Receives the passages the answerer reads, best first (evaluations score retrieval on them).
PassageObserver = Callable[[list[Passage]], None]

# Follow-ups refer to the last few turns; older history only adds noise and cost.
_HISTORY_TURNS = 12


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long); the message says why."""


@dataclass
class IndexStats:
    articles: int
    passages: int


class ChatService:
    """Answers questions over the index and ingests articles into it."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder,
                 keywords: KeywordIndex) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        self._keywords_checked = 0.0
        self.retriever = Retriever(
            store, embedder, keywords,
            make_reranker(settings.reranker, keywords, settings.recency_half_life_days),
            mode=settings.retrieval, candidates=settings.candidates)
        answering = create_answering(settings, embedder)
        self.answerer: Answerer = answering.answerer
        self.llm = answering.llm
        self.standalone = answering.standalone
        self.ingestor = Ingestor(store, embedder, chunk_tokens=settings.chunk_tokens,
                                 chunk_overlap_sentences=settings.chunk_overlap_sentences,
                                 max_article_chars=settings.max_article_chars)

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
        ``on_passages`` is shown the retrieved passages, which the Answer does not carry.
        """
        timings: dict[str, float] = {}
        question = self.validate_question(question)
        with _timed(timings, "condense_ms"):
            standalone = self.standalone(question, list(history)[-_HISTORY_TURNS:])
        with _timed(timings, "retrieve_ms"):
            self._refresh_keywords()
            passages = self.retriever.retrieve(standalone, self.settings.passages,
                                               to_search_filter(filters))
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
            for sentence in _sentences_with_markers(answer.answer):
                yield StreamEvent(delta=sentence)
        timings["total_ms"] = sum(timings.values())
        answer.timings_ms = {key: round(value, 1) for key, value in timings.items()}
        yield StreamEvent(answer=answer)

    def validate_question(self, question: str) -> str:
        """The question trimmed, or a QuestionError that tells the user what to change."""
        text = (question or "").strip()
        if not text:
            raise QuestionError("Please type a question: the question is empty.")
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(
                f"The question is too long ({len(text):,} characters; the limit is "
                f"{self.settings.max_question_chars:,}). Please shorten it.")
        return text

    # -- the index ----------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: ProgressFactory | None = None,
               ) -> IngestReport:
        report = self.ingestor.ingest_paths(paths, progress)
        self.sync_keywords()
        return report

    def sync_keywords(self) -> int:
        """Bring the keyword index in step with the store; returns articles changed."""
        self._keywords_checked = time.monotonic()
        return self.keywords.sync(self.store)

    def _refresh_keywords(self) -> None:
        """Pick up articles other processes ingested, at most every keyword_sync_seconds."""
        if time.monotonic() - self._keywords_checked >= self.settings.keyword_sync_seconds:
            self.sync_keywords()

    def stats(self) -> IndexStats:
        return IndexStats(self.store.count_articles(), self.store.count_passages())


def to_search_filter(filters: Filters | None) -> SearchFilter | None:
    """The user's filters as the store's filter; "as of" narrows the date range's end."""
    if filters is None:
        return None
    until = filters.until
    if filters.as_of and (until is None or filters.as_of < until):
        until = filters.as_of
    return SearchFilter(tuple(filters.sources), filters.since, until)


def _sentences_with_markers(text: str) -> list[str]:
    """Split an answer after each run of citation markers, keeping the separating space."""
    pieces = re.split(r"(?<=\])\s(?!\[)", text)
    return [piece + (" " if i < len(pieces) - 1 else "") for i, piece in enumerate(pieces)]


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
    embedder = Embedder(settings.embedding_model)
    # llama-index must never fall back to its hosted defaults.
    LlamaSettings.embed_model = LlamaIndexEmbedding(embedder)
    client = open_client(path=settings.store_path, url=settings.chroma_url)
    store = ChromaStore(client, settings.index_name)
    keywords = KeywordIndex(settings.keyword_path)
    return ChatService(settings, store, embedder, keywords)
