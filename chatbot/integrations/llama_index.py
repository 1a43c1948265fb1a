"""newsbot inside a llama-index pipeline: its retriever, its query engine, its embedding model.

* ``NewsbotRetriever`` is a llama-index ``BaseRetriever`` doing newsbot's hybrid retrieval
  (dense + BM25, filters, reranking). Each ``NodeWithScore`` holds a ``TextNode`` whose text is
  the passage, whose metadata is the article's (id, title, outlet, URL, date) and whose
  ``start_char_idx``/``end_char_idx`` locate the passage in the cleaned article, so any
  llama-index response synthesizer, postprocessor or evaluator can use newsbot's index.
* ``NewsbotQueryEngine`` answers with newsbot itself: the response is newsbot's cited answer and
  its ``source_nodes`` are exactly the passages cited, numbered as in the text.
* ``LlamaIndexEmbedding`` exposes the bundled model to llama-index components that embed.

Nothing here assigns llama-index's process-wide ``Settings``: pass the LLM and embedding model
to the components that need them, as the README's example does.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import PrivateAttr

from chatbot.schema import Citation, Filters
from chatbot.service import ChatService
from index.embedding import Embedder
from index.store.records import Passage


class NewsbotRetriever(BaseRetriever):
    """newsbot's retrieval as a llama-index retriever: the ``k`` best passages, best first."""

    def __init__(self, service: ChatService, k: int = 8, filters: Filters | None = None,
                 callback_manager: CallbackManager | None = None) -> None:
        super().__init__(callback_manager=callback_manager)
        self.service = service
        self.k = k
        self.filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self.service.retrieve(query_bundle.query_str, self.k, self.filters)
        return [NodeWithScore(node=passage_node(p), score=_score(p)) for p in passages]


class NewsbotQueryEngine(BaseQueryEngine):
    """newsbot's own answer as a llama-index query engine; ``source_nodes`` are the citations,
    in the order of their ``[n]``."""

    def __init__(self, service: ChatService, filters: Filters | None = None,
                 callback_manager: CallbackManager | None = None) -> None:
        super().__init__(callback_manager or CallbackManager([]))
        self.service = service
        self.filters = filters

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}

    def _query(self, query_bundle: QueryBundle) -> Response:
        answer = self.service.ask(query_bundle.query_str, filters=self.filters)
        return Response(
            response=answer.answer,
            source_nodes=[NodeWithScore(node=citation_node(c), score=c.score)
                          for c in answer.citations],
            metadata={"declined": answer.declined, "answered_by": answer.answered_by,
                      "standalone_question": answer.standalone_question})

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return self._query(query_bundle)


def passage_node(passage: Passage) -> TextNode:
    """A retrieved passage as a llama-index node, located in its article."""
    return TextNode(
        id_=passage.id, text=passage.text, start_char_idx=passage.start,
        end_char_idx=passage.end,
        metadata={"article_id": passage.article_id, "title": passage.title,
                  "source": passage.source, "url": passage.url,
                  "published": passage.published})


def citation_node(citation: Citation) -> TextNode:
    """A cited passage as a llama-index node; ``n`` is its number in the answer text."""
    return TextNode(
        id_=f"{citation.article_id}:{citation.start}-{citation.end}", text=citation.passage,
        start_char_idx=citation.start, end_char_idx=citation.end,
        metadata={"n": citation.n, "article_id": citation.article_id, "title": citation.title,
                  "source": citation.source, "url": citation.url,
                  "published": citation.published})


def _score(passage: Passage) -> float:
    return float(passage.scores.get("rerank", passage.scores.get("dense", 0.0)))


class LlamaIndexEmbedding(BaseEmbedding):
    """The bundled model, loaded once, for llama-index components that embed text (pass it to
    them as ``embed_model=``; llama-index would otherwise fall back to a hosted default)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.model_path, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_passages(texts).tolist()
