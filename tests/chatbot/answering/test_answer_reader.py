"""The reader: fitted adapters over the bundled model read a question and a sentence together."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from chatbot.answering.answerability import features
from chatbot.answering.reader import (
    MAX_PAIR_TOKENS,
    READER_FILE,
    Reader,
    ReaderWeights,
    pair_logits,
    pair_text,
    pair_tokenizer,
)
from index.embedding import bundled_model_path, bundled_plain_bert
from index.encoder import run_layers, token_embeddings

QUESTION = "What kind of truce will Israel agree to?"
ANSWER = pair_text("But Israel has ruled out a permanent ceasefire and says it will only agree "
                   "to a limited humanitarian truce until Hamas is defeated.",
                   "'Very serious' negotiations ongoing for new Gaza truce",
                   "Israel did not comment publicly on the talks in Egypt.")
ASIDE = pair_text("Israel did not comment publicly on the talks in Egypt.",
                  "'Very serious' negotiations ongoing for new Gaza truce",
                  "US President Joe Biden said he did not expect a second agreement soon.")
OFF_TOPIC = pair_text("The recipe calls for two cups of flour and a pinch of salt.",
                      "Ten easy breads to bake at home", "")


def _scores(weights: ReaderWeights, texts: list[str]) -> np.ndarray:
    with torch.inference_mode():
        return pair_logits(bundled_plain_bert(), weights,
                           pair_tokenizer(str(bundled_model_path())), QUESTION, texts).numpy()


def test_the_package_ships_small_fitted_adapters_not_the_base_model() -> None:
    assert READER_FILE.is_file()
    assert READER_FILE.stat().st_size < 400_000  # adapters and a head, not MiniLM's 90 MB
    weights = ReaderWeights.load(READER_FILE)
    assert weights.rank >= 1 and weights.meta.get("fitted_on")
    assert float(torch.linalg.norm(next(iter(weights.up.values())))) > 0  # it was fitted


def test_the_answering_sentence_outscores_the_aside_and_an_off_topic_one() -> None:
    answer, aside, off_topic = _scores(ReaderWeights.load(READER_FILE),
                                       [ANSWER, ASIDE, OFF_TOPIC])
    assert answer > aside > off_topic


def test_untrained_adapters_leave_the_base_model_unchanged() -> None:
    weights = ReaderWeights.initial(384, rank=4, alpha=8.0, seed=0)
    base = bundled_plain_bert()
    ids = torch.tensor([[101, 2054, 2003, 1996, 3712, 102]])
    mask = torch.ones_like(ids)
    x = token_embeddings(base.weights, base.config, ids)
    plain = run_layers(base.weights, base.config, x, mask, range(4))
    adapted = run_layers(base.weights, base.config, x, mask, range(4), weights.adapter)
    assert torch.allclose(plain, adapted)


def test_weights_survive_saving_in_float16(tmp_path: Path) -> None:
    weights = ReaderWeights.initial(384, rank=4, alpha=8.0, seed=1)
    for up in weights.up.values():
        up.normal_(std=0.02)
    weights.head_weight.normal_(std=0.1)
    path = tmp_path / "reader.safetensors"
    weights.save(path, {"fitted_on": "test"})
    again = ReaderWeights.load(path)
    assert again.meta["fitted_on"] == "test" and again.alpha == 8.0
    assert np.allclose(_scores(weights, [ANSWER, OFF_TOPIC]),
                       _scores(again, [ANSWER, OFF_TOPIC]), atol=2e-2)


def test_a_long_sentence_is_cut_to_the_pair_budget_with_the_question_kept() -> None:
    encoded = pair_tokenizer(str(bundled_model_path())).encode(QUESTION, "word " * 500)
    assert len(encoded.ids) == MAX_PAIR_TOKENS
    assert encoded.type_ids.count(0) >= len(QUESTION.split())


def test_the_reader_scores_shortlisted_evidence_and_records_it(seeded_service) -> None:
    passages = seeded_service.retrieve(QUESTION, 4)
    shortlist = seeded_service.answerer.rank_cheaply(QUESTION, passages)[:6]
    scores = Reader().score(QUESTION, shortlist)
    assert scores.shape == (len(shortlist),)
    assert all(item.parts["reader"] == pytest.approx(float(s))
               for item, s in zip(shortlist, scores, strict=True))


def test_the_decision_always_sees_the_best_sentences_reader_score(seeded_service) -> None:
    """The ranker may lift a sentence the reader did not read (here the one read is the best by
    evidence only); an unknown score made the answer-or-decline model answer every time."""
    question = "Which hostages does Israel insist must be released?"
    answerer = dataclasses.replace(seeded_service.answerer, reader=Reader(), reader_sentences=1)
    ranked = answerer.score(question, seeded_service.retrieve(question, 8))
    values = features(question, ranked)
    assert math.isfinite(values["reader_score"]) and math.isfinite(values["reader_margin"])
    assert values["reader_score"] == ranked[0].parts["reader"]
