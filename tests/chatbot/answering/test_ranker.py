"""The learned ranker on the real model and a real store: it loads once, ranks, composes the
seed answer by coverage, prefers the newest story, and every claim carries its date."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from chatbot.answering.ranker import LearnedReranker, entity_labels, load_model
from chatbot.schema import Filters
from chatbot.service import ChatService, create_service
from index.embedding import Embedder
from tests.conftest import REPO, SEED_QUESTION, make_settings

# Two dated reports of one story, a month apart (written for this test).
RATE_STORIES = [
    {"id": "rates-may", "title": "Central bank raises rate", "source": "example-wire.com",
     "published": "2022-05-04",
     "text": "The central bank of Freedonia raised its main interest rate to 3 percent on "
             "Wednesday, its second increase this year.\n\nThe bank's governor, Mara Olsen, "
             "said inflation was still too high. Analysts had expected the move."},
    {"id": "rates-june", "title": "Central bank raises rate again", "source": "example-news.com",
     "published": "2022-06-22",
     "text": "The central bank of Freedonia raised its main interest rate to 4.5 percent on "
             "Wednesday, the largest increase in two decades.\n\nGovernor Mara Olsen said the "
             "bank would do what it takes to bring inflation down. Markets fell after the "
             "announcement."},
]


def _rate_store(tmp_path: Path) -> Path:
    data = tmp_path / "rates.jsonl"
    data.write_text("".join(json.dumps(a) + "\n" for a in RATE_STORIES))
    return data


def test_the_learned_ranker_is_the_default_and_loads_its_models_once(
        seeded_service: ChatService) -> None:
    reranker = seeded_service.retriever.reranker
    assert isinstance(reranker, LearnedReranker)
    seeded_service.warm_up_ranking()  # what serve does once it listens
    before = load_model.cache_info().misses
    passages = seeded_service.retriever.retrieve(SEED_QUESTION, 8)
    assert passages and all("rerank" in p.scores and "age_days" in p.scores for p in passages)
    assert [p.scores["rerank"] for p in passages] == sorted(
        (p.scores["rerank"] for p in passages), reverse=True)
    answer = seeded_service.ask(SEED_QUESTION)
    assert not answer.declined
    assert load_model.cache_info().misses == before  # loaded in warm-up, never again


def test_the_seed_answer_gives_al_nono_and_the_ceasefire_condition(
        seeded_service: ChatService) -> None:
    answer = seeded_service.ask(SEED_QUESTION)
    sentences = [c.text for c in answer.claims]
    assert any(s.startswith("Taher Al-Nono, Haniyeh's media advisor, told Reuters")
               for s in sentences)
    assert any(s.startswith("Hamas rejects any further temporary halt") and
               "permanent ceasefire" in s for s in sentences)
    assert "We are putting pressure on" not in answer.answer
    assert "Netanyahu" not in answer.answer
    assert 1 <= len(sentences) <= 3


def test_the_hand_set_weights_stay_selectable(seeded_dir: Path, embedder: Embedder) -> None:
    service = create_service(make_settings(seeded_dir, reranker="features",
                                           sentence_ranker="features", composition="score"))
    assert not isinstance(service.retriever.reranker, LearnedReranker)
    assert getattr(service.answerer, "sentence_ranker", None) is None
    answer = service.ask(SEED_QUESTION)
    assert "until Israel ends its military campaign" in answer.answer


def test_entities_of_the_asked_type_are_found_in_sentences() -> None:
    labels = entity_labels(["Taher Al-Nono, Haniyeh's media advisor, told Reuters in Cairo.",
                            "The rate rose to 4.5 percent."], "Who advises Haniyeh?")
    assert "PERSON" in labels[0] and "GPE" in labels[0]
    assert "PERCENT" in labels[1]


def test_the_trimmed_recogniser_finds_what_the_whole_pipeline_finds() -> None:
    import spacy

    from chatbot.answering.ranker import entity_recogniser

    trimmed = entity_recogniser()
    assert trimmed.pipe_names == ["ner"]
    whole = spacy.load(Path(trimmed.path))
    texts = [json.loads(line)["question"] for line in (
        REPO / "evals" / "seed.jsonl").read_text(encoding="utf-8").splitlines()[:40]]
    texts += ["Taher Al-Nono, Haniyeh's media advisor, told Reuters in Cairo on Monday.",
              "Apple sold 20 million iPhones in China in the third quarter of 2022."]
    found = [[(e.text, e.label_) for e in doc.ents] for doc in trimmed.pipe(texts)]
    assert found == [[(e.text, e.label_) for e in doc.ents] for doc in whole.pipe(texts)]
    assert sum(map(len, found)) > 20


def test_the_newest_story_wins_and_the_claim_shows_its_outlet_and_date(
        tmp_path: Path, embedder: Embedder) -> None:
    service = create_service(make_settings(tmp_path / "data"))
    service.ingest([_rate_store(tmp_path)])
    answer = service.ask("What did the central bank of Freedonia raise its rate to?",
                         filters=Filters(as_of=date(2022, 6, 24)))
    assert not answer.declined
    assert "4.5 percent" in answer.claims[0].text
    first = answer.claims[0]
    assert (first.source, first.published) == ("example-news.com", "2022-06-22")
    assert first.dateline == "[1] example-news.com, 22 Jun 2022"
    assert all(c.older == (c.published < "2022-06-22") for c in answer.claims)


def test_cli_and_json_show_the_date_of_each_cited_claim(tmp_path: Path) -> None:
    data = _rate_store(tmp_path)

    def newsbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "chatbot.cli", "--data-dir",
                               str(tmp_path / "data"), *args], capture_output=True, text=True,
                              cwd=REPO, timeout=300, check=True)

    newsbot("ingest", str(data))
    question = "What did the central bank of Freedonia raise its rate to?"
    shown = newsbot("ask", "--as-of", "2022-06-24", question).stdout
    assert "example-news.com, 22 Jun 2022" in shown
    as_json = json.loads(newsbot("ask", "--json", "--as-of", "2022-06-24", question).stdout)
    claims = as_json["claims"]
    assert claims and claims[0]["published"] == "2022-06-22"
    assert claims[0]["source"] == "example-news.com" and claims[0]["citations"] == [1]
    for claim in claims:
        assert claim["older"] == (claim["published"] < "2022-06-22")


def test_loading_the_ranker_leaves_scikit_learn_unimported_but_importable() -> None:
    code = ("import sys\n"
            "from chatbot.answering.ranker import PASSAGE_MODEL, load_model\n"
            "from chatbot.answering.ranking_features import PASSAGE_FEATURES\n"
            "assert load_model(PASSAGE_MODEL, PASSAGE_FEATURES).booster.num_trees() > 0\n"
            "assert 'sklearn' not in sys.modules\n"
            "import sklearn.ensemble\n"
            "print('ok')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.stdout.strip() == "ok", run.stderr


def test_a_sentence_naming_what_is_asked_about_joins_an_answer_that_lacks_it(
        service: ChatService) -> None:
    """The ranker leads with the Storm's loss (it names a place, Las Vegas) and the subject
    rule adds Bird's farewell; neither says "arena", so the sentence that does joins."""
    from index.articles import Article

    text = ("Sue Bird took her final bow in front of the Seattle Storm faithful on Tuesday "
            "night, ending a 21-year career with the franchise. The Storm lost 97-92 to the Las "
            "Vegas Aces in Game 4 of the semifinals. Bird scored 14 points in her final game, "
            "played at Climate Pledge Arena before a sellout crowd of 18,100. Fans chanted her "
            "name as she walked off the court.")
    service.ingestor.ingest_articles([Article(
        id="bird", title="Sue Bird plays her final game as Storm fall to Aces",
        source="example.com", text=text)])
    answer = service.ask("Which arena hosted the final game of Sue Bird, who ended her 21-year "
                         "career with the Seattle Storm franchise on Tuesday night?")
    assert not answer.declined
    assert "Climate Pledge Arena" in answer.answer


def test_a_model_reads_the_features_it_was_fitted_on_and_refuses_one_no_longer_made() -> None:
    from chatbot.answering.ranker import SENTENCE_MODEL
    from chatbot.answering.ranking_features import SENTENCE_FEATURES

    model = load_model(SENTENCE_MODEL, SENTENCE_FEATURES)
    named = tuple(model.booster.feature_name())
    assert [SENTENCE_FEATURES[i] for i in model.columns] == list(named)
    rows = np.random.default_rng(0).normal(size=(3, len(SENTENCE_FEATURES)))
    assert np.allclose(model.predict(rows), model.booster.predict(rows[:, list(model.columns)]))
    with pytest.raises(ValueError, match="no longer made"):
        load_model(SENTENCE_MODEL, tuple(n for n in SENTENCE_FEATURES if n != named[0]))
