"""ChatService: the one object that answers. The web UI, the API, the CLI and evals all call it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from llama_index.core import Settings as LlamaSettings
from llama_index.core.llms import MockLLM

from chatbot.answer import DECLINE_MESSAGE, Draft, ExtractiveAnswerer
from chatbot.retrieve import Retriever
from chatbot.schema import Answer, Citation, Filters, Turn
from chatbot.settings import Settings
from index.embedding import Embedder, LlamaIndexEmbedding
from index.pipeline import Ingestor, IngestReport, ProgressFactory
from index.store import ChromaStore, SearchFilter, open_client


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long); the message says why."""


@dataclass
class IndexStats:
    articles: int
    passages: int


class ChatService:
    """Answers questions over the index and ingests articles into it."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = Retriever(store, embedder, candidates=settings.candidates)
        self.answerer = ExtractiveAnswerer(embedder, max_sentences=settings.max_answer_sentences,
                                           min_evidence=settings.min_evidence)
        self.ingestor = Ingestor(store, embedder, chunk_tokens=settings.chunk_tokens,
                                 chunk_overlap_sentences=settings.chunk_overlap_sentences,
                                 max_article_chars=settings.max_article_chars)

    # -- answering ----------------------------------------------------------------------------

    def ask(self, question: str, history: Iterable[Turn] = (), filters: Filters | None = None,
            ) -> Answer:
        """Answer ``question`` (in the context of ``history``) from the indexed articles."""
        timings: dict[str, float] = {}
        question = self.validate_question(question)
        standalone = question
        with _timed(timings, "retrieve_ms"):
            passages = self.retriever.retrieve(standalone, self.settings.passages,
                                               to_search_filter(filters))
        with _timed(timings, "answer_ms"):
            draft = self.answerer.answer(standalone, passages)
        answer = build_answer(draft, standalone)
        timings["total_ms"] = sum(timings.values())
        answer.timings_ms = {key: round(value, 1) for key, value in timings.items()}
        return answer

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
        return self.ingestor.ingest_paths(paths, progress)

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


def build_answer(draft: Draft, standalone: str) -> Answer:
    """Number the cited passages in order of first use and attach one [n] per sentence."""
    if draft.declined:
        return Answer(answer=DECLINE_MESSAGE, declined=True, standalone_question=standalone)
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for evidence in draft.sentences:
        passage = evidence.passage
        if passage.id not in numbers:
            numbers[passage.id] = len(numbers) + 1
            citations.append(Citation(
                n=numbers[passage.id], article_id=passage.article_id, title=passage.title,
                source=passage.source, url=passage.url, published=passage.published,
                passage=passage.text, start=passage.start, end=passage.end,
                score=round(evidence.score, 4)))
        citations[numbers[passage.id] - 1].highlights.append(evidence.span)
        parts.append(f"{evidence.text.strip()} [{numbers[passage.id]}]")
    return Answer(answer=" ".join(parts), citations=citations, standalone_question=standalone)


@contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = (time.perf_counter() - start) * 1000


def create_service(settings: Settings) -> ChatService:
    """The app factory: one service, built once, shared by every front end."""
    embedder = Embedder(settings.embedding_model)
    # llama-index must never fall back to its hosted defaults.
    LlamaSettings.embed_model = LlamaIndexEmbedding(embedder)
    LlamaSettings.llm = MockLLM()
    client = open_client(path=settings.store_path, url=settings.chroma_url)
    store = ChromaStore(client, settings.index_name)
    return ChatService(settings, store, embedder)
