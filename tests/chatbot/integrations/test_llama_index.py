"""newsbot inside a plain llama-index pipeline, on the real model and store."""

from __future__ import annotations

from llama_index.core import Settings as LlamaSettings
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers import get_response_synthesizer

from chatbot.integrations.llama_index import (
    LlamaIndexEmbedding,
    NewsbotQueryEngine,
    NewsbotRetriever,
)
from chatbot.service import ChatService
from tests.conftest import SEED_QUESTION


def test_building_the_service_leaves_llama_index_settings_alone(
        seeded_service: ChatService) -> None:
    assert LlamaSettings._llm is None
    assert LlamaSettings._embed_model is None


def test_retriever_nodes_are_passages_located_in_their_article(
        seeded_service: ChatService) -> None:
    nodes = NewsbotRetriever(seeded_service, k=3).retrieve(SEED_QUESTION)
    assert 1 <= len(nodes) <= 3
    for node in nodes:
        text = seeded_service.article_text(node.node.metadata["article_id"])
        assert text is not None
        start, end = node.node.start_char_idx, node.node.end_char_idx
        assert start is not None and end is not None
        assert text[start:end] == node.node.get_content()
        assert {"article_id", "title", "source", "url", "published"} <= set(node.node.metadata)
        assert node.node.metadata["title"]
    assert any("military campaign" in n.node.get_content() for n in nodes)


def test_retriever_runs_in_a_plain_llama_index_query_engine(
        seeded_service: ChatService) -> None:
    llm = MockLLM()  # passed explicitly: no process-wide Settings
    engine = RetrieverQueryEngine(
        retriever=NewsbotRetriever(seeded_service, k=2),
        response_synthesizer=get_response_synthesizer(llm=llm, response_mode="compact"))
    response = engine.query(SEED_QUESTION)
    assert len(response.source_nodes) == 2
    assert response.source_nodes[0].node.metadata["title"]
    assert LlamaSettings._llm is None


def test_query_engine_source_nodes_are_the_cited_passages(seeded_service: ChatService) -> None:
    response = NewsbotQueryEngine(seeded_service).query(SEED_QUESTION)
    answer = seeded_service.ask(SEED_QUESTION)
    assert str(response) == answer.answer
    assert [n.node.metadata["n"] for n in response.source_nodes] == [
        c.n for c in answer.citations]
    assert [n.node.get_content() for n in response.source_nodes] == [
        c.passage for c in answer.citations]


def test_embedding_adapter_gives_the_bundled_models_vectors(seeded_service: ChatService) -> None:
    adapter = LlamaIndexEmbedding(seeded_service.embedder)
    vector = adapter.get_query_embedding("hostage talks")
    assert len(vector) == seeded_service.embedder.dimension
