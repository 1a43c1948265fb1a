"""Hybrid retrieval, filters, as-of dates, wire copies, recency and the reranker choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from chatbot.answering.rerank import reference_day
from chatbot.schema import Filters
from chatbot.service import ChatService, create_service, to_search_filter
from chatbot.settings import Settings
from index.articles import Article
from index.store.search_filter import SearchFilter
from tests.conftest import free_port, make_settings

BUDGET_TOPICS = ["schools", "roads", "parks", "libraries", "police", "housing", "transit",
                 "water", "health", "sports"]


def _corpus() -> list[Article]:
    articles = [
        Article(id=f"budget-{topic}", title=f"Council budget: {topic}", source="City Desk",
                published=date(2024, 3, 1 + i),
                text=f"The city council debated the budget for {topic} on Tuesday. Members "
                     f"said spending on {topic} would rise next year after a long debate.")
        for i, topic in enumerate(BUDGET_TOPICS)
    ]
    articles.append(Article(
        id="treasurer", title="Council session", source="City Desk", published=date(2024, 3, 20),
        text="Deputy treasurer Okonkwo-Lindqvist warned the session that reserves were thin. "
             "The warning came late in the evening."))
    articles.append(Article(
        id="flood", title="River disaster", source="Wire", published=date(2024, 3, 21),
        text="Forty residents lost their lives when the river burst its banks overnight. "
             "Rescuers pulled survivors from rooftops at dawn."))
    return articles


@dataclass(frozen=True)
class Corpus:
    """Where the test corpus is stored: a data folder, and a Chroma server when there is one."""

    data_dir: Path
    store: dict[str, object]


@pytest.fixture(scope="module", params=["embedded", "server"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               ) -> Corpus:
    """The corpus ingested once per module into an embedded store and into a Chroma server:
    retrieval must behave the same on both."""
    store: dict[str, object] = {}
    if request.param == "server":
        store = {"chroma_url": request.getfixturevalue("chroma_server"),
                 "index_name": f"retrieval{free_port()}"}
    corpus = Corpus(tmp_path_factory.mktemp("retrieval") / "data", store)
    service = _service(corpus)
    service.ingestor.ingest_articles(_corpus())
    service.sync_keywords()
    return corpus


def _service(corpus: Corpus, **overrides: object) -> ChatService:
    return create_service(make_settings(corpus.data_dir, **corpus.store, **overrides))


def _ids(service: ChatService, question: str, k: int = 5, **filters: object) -> list[str]:
    search_filter = to_search_filter(Filters(**filters)) if filters else None  # type: ignore[arg-type]
    return [p.article_id for p in service.retriever.retrieve(question, k, search_filter)]


def test_hybrid_finds_a_rare_name_that_dense_search_ranks_low(corpus: Corpus) -> None:
    question = "What did Okonkwo-Lindqvist say about the council budget?"
    dense = _ids(_service(corpus, retrieval="dense", reranker="none"), question, k=12)
    assert dense.index("treasurer") >= 3
    fused = _ids(_service(corpus, retrieval="hybrid", reranker="none"), question, k=12)
    assert fused.index("treasurer") < dense.index("treasurer")
    assert _ids(_service(corpus), question, k=3)[0] == "treasurer"  # hybrid + rerank


def test_hybrid_keeps_a_paraphrase_that_bm25_misses(corpus: Corpus) -> None:
    service = _service(corpus, retrieval="hybrid", reranker="none")
    question = "How many people died in the flooding?"
    keyword_hits = [h.passage_id for h in service.keywords.search(question, 10)]
    flood_passages = [p.id for p in service.store.get_passages(keyword_hits)
                      if p.article_id == "flood"]
    assert flood_passages == []
    assert "flood" in _ids(service, question, k=3)


def test_source_and_date_filters_exclude_what_they_should(corpus: Corpus) -> None:
    service = _service(corpus)
    wire = _ids(service, "council budget river", k=20, sources=["Wire"])
    assert set(wire) == {"flood"}
    window = _ids(service, "council budget spending", k=20, since=date(2024, 3, 3),
                  until=date(2024, 3, 5))
    assert set(window) == {"budget-parks", "budget-libraries", "budget-police"}


def test_as_of_date_ignores_later_articles(corpus: Corpus) -> None:
    service = _service(corpus)
    as_of = _ids(service, "Okonkwo-Lindqvist reserves warning river", k=20,
                 as_of=date(2024, 3, 20))
    assert "treasurer" in as_of and "flood" not in as_of
    answer = service.ask("How many residents lost their lives?",
                         filters=Filters(as_of=date(2024, 3, 20)))
    assert all(c.article_id != "flood" for c in answer.citations)


def test_an_archive_is_asked_as_of_its_newest_day(corpus: Corpus) -> None:
    """Without an "as of" day, a store whose newest article is older than today is read as a
    live feed on that day: its stories are days old, not years."""
    service = _service(corpus)
    assert service.keywords is not None
    assert reference_day(None, service.keywords) == date(2024, 3, 21)
    # A feed that is up to date is asked as of today.
    assert reference_day(None, service.keywords, today=date(2024, 3, 5)) == date(2024, 3, 5)
    question = "How many residents lost their lives when the river burst?"
    ages = {p.article_id: p.scores["age_days"] for p in service.retriever.retrieve(question, 3)}
    assert ages["flood"] == 0.0
    as_of = to_search_filter(Filters(as_of=date(2024, 3, 25)))
    ages = {p.article_id: p.scores["age_days"]
            for p in service.retriever.retrieve(question, 3, as_of)}
    assert ages["flood"] == 4.0


def test_near_identical_wire_copies_yield_one_citation(tmp_path: Path) -> None:
    story = ("Negotiators from both sides met in Doha on Thursday and agreed on a framework for "
             "a prisoner exchange, officials said. The exchange could begin next week.")
    service = _service(Corpus(tmp_path / "data", {}))
    service.ingestor.ingest_articles([
        Article(id="ap-copy", title="Prisoner exchange framework agreed", source="AP",
                text=story),
        Article(id="reuters-copy", title="Prisoner exchange framework agreed", source="Daily",
                text=story.replace("officials said", "officials told reporters")),
        Article(id="other", title="Market report", source="Markets",
                text="Stocks rose on Thursday as oil prices fell."),
    ])
    service.sync_keywords()
    passages = service.retriever.retrieve("Where did the negotiators agree on an exchange?", 5)
    assert len({p.article_id for p in passages} & {"ap-copy", "reuters-copy"}) == 1
    answer = service.ask("Where did the negotiators agree on a prisoner exchange framework?")
    assert len({c.article_id for c in answer.citations}) == 1
    assert "Doha" in answer.answer


def test_latest_questions_prefer_recent_articles_unless_recency_is_off(tmp_path: Path) -> None:
    articles = [
        Article(id=f"rate-{month}", title="Central bank decision", source="Markets",
                published=date(2024, month, 10),
                text=f"The central bank set its main interest rate at {rate} percent.")
        for month, rate in [(1, "4.5"), (4, "4.25"), (6, "4.0")]
    ]
    service = _service(Corpus(tmp_path / "data", {}))
    service.ingestor.ingest_articles(articles)
    service.sync_keywords()
    as_of = Filters(as_of=date(2024, 6, 12))
    recent = _ids(service, "What is the latest central bank interest rate?", k=3,
                  **as_of.model_dump())
    assert recent[0] == "rate-6"
    # recency_half_life_days weighs the hand-set reranker (the learned one reads age itself).
    no_recency = _service(Corpus(tmp_path / "data", {}), reranker="features",
                          recency_half_life_days=0)
    scores = [p.scores["recency"] for p in no_recency.retriever.retrieve(
        "What is the latest central bank interest rate?", 3, to_search_filter(as_of))]
    assert scores == [0.0, 0.0, 0.0]


def test_a_cross_encoder_given_by_path_orders_the_candidates(tmp_path: Path,
                                                             corpus: Corpus) -> None:
    model_dir = _tiny_cross_encoder(tmp_path / "cross-encoder")
    service = _service(corpus, reranker=f"cross-encoder:{model_dir}")
    passages = service.retriever.retrieve("council budget debate", 5)
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(model_dir), device="cpu")
    expected = model.predict([("council budget debate", p.text) for p in passages])
    assert [p.scores["rerank"] for p in passages] == pytest.approx(sorted(
        (float(x) for x in expected), reverse=True), rel=1e-4)


def test_unknown_reranker_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown reranker 'magic'"):
        create_service(make_settings(tmp_path / "data", reranker="magic"))
    with pytest.raises(FileNotFoundError, match="cross-encoder folder not found"):
        create_service(make_settings(tmp_path / "data", reranker="cross-encoder:/nowhere"))


def _tiny_cross_encoder(folder: Path) -> Path:
    """A randomly initialised two-layer BERT cross-encoder with MiniLM's vocabulary.

    Its scores mean nothing; it exists to prove the wiring loads a model by path and orders
    candidates by that model's own scores.
    """
    import shutil

    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from index.embedding import bundled_model_path

    torch.manual_seed(0)
    bundled = bundled_model_path()
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        shutil.copy(bundled / name, folder / name)
    return folder


def test_settings_reject_unknown_retrieval_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retrieval"):
        Settings(data_dir=tmp_path, retrieval="sparse")  # type: ignore[arg-type]


def test_filtered_dense_search_equals_chromas_own_filtered_search(corpus: Corpus) -> None:
    store = _service(corpus).store
    vector = _service(corpus).embedder.embed_query("council budget debate")
    filters = [SearchFilter(sources=("Wire",)), SearchFilter(until=date(2024, 3, 4)),
               SearchFilter(since=date(2024, 3, 9), until=date(2024, 3, 20)),
               SearchFilter(sources=("City Desk",), since=date(2024, 3, 20))]
    for search_filter in filters:
        for k in (1, 2, 3, 12):
            ours = [p.id for p in store.query(vector, k, search_filter)]
            chromas = store.passages.query(query_embeddings=[vector], n_results=k,
                                           where=search_filter.to_where(), include=[])
            assert ours == chromas["ids"][0], (search_filter, k)
