"""Answer or decline on real passages: the fitted decision, its features, filtered declines."""

from __future__ import annotations

import math

import pytest

from chatbot.answering.answerability import (
    FEATURES,
    MODEL_FILE,
    AnswerabilityModel,
    answers,
    features,
    focus_term,
    load_model,
)
from chatbot.answering.citations.draft import DECLINE_MESSAGE
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.service import ChatService
from tests.conftest import SEED_QUESTION

OFF_TOPIC = ["What is the capital of Australia?", "What is the boiling point of water on Mars?",
             "Write me a poem about the sea.", "What is 17 times 23?",
             "Who painted the ceiling of the Sistine Chapel?"]


def _ranked(service: ChatService, question: str) -> list:
    answerer = service.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    return answerer.score(question, service.retriever.retrieve(question, 8))


def test_the_committed_model_loads_and_uses_the_features_it_names() -> None:
    model = load_model()
    assert model is not None and MODEL_FILE.exists()
    assert set(model.features) <= set(FEATURES)
    assert AnswerabilityModel.from_json(model.to_json()) == model


def test_features_of_the_seed_answer_show_its_names_in_the_sentence(
        seeded_service: ChatService) -> None:
    values = features(SEED_QUESTION, _ranked(seeded_service, SEED_QUESTION))
    assert set(values) == set(FEATURES)
    assert values["names_sentence"] == 1.0  # "Hamas"
    assert values["is_question"] == 1.0
    poem = features("Write me a poem about the sea.",
                    _ranked(seeded_service, "Write me a poem about the sea."))
    assert poem["is_question"] == 0.0
    assert poem["terms_sentence"] < values["terms_sentence"]


def test_off_topic_questions_are_declined_and_keep_the_closest_passages(
        seeded_service: ChatService) -> None:
    for question in OFF_TOPIC:
        answer = seeded_service.ask(question)
        assert answer.declined, (question, answer.answer)
        assert answer.answer == DECLINE_MESSAGE and not answer.filtered
        assert answer.closest


def test_the_seed_question_is_still_answered(seeded_service: ChatService) -> None:
    answer = seeded_service.ask(SEED_QUESTION)
    assert not answer.declined
    assert "military campaign in Gaza" in answer.answer


def test_weak_evidence_is_declined_whatever_the_model_says(
        seeded_service: ChatService) -> None:
    ranked = _ranked(seeded_service, SEED_QUESTION)
    always = AnswerabilityModel("threshold", ("best_score",), -1.0)
    assert answers(SEED_QUESTION, ranked, 0.35, always)
    # The evidence floor holds for any store: the model cannot answer below it.
    assert not answers(SEED_QUESTION, ranked, 1.01, always)
    never = AnswerabilityModel("threshold", ("best_score",), 2.0)
    assert not answers(SEED_QUESTION, ranked, 0.35, never)


def test_the_focus_is_what_follows_the_last_question_word() -> None:
    assert focus_term("Who was the designer of the dress?") == "design"
    assert focus_term("What is the capital of Australia?") == "capit"
    assert focus_term("Scientists this week placed which insect on the endangered list?") \
        == "insect"
    # "how many" asks for a number of something: the something is the focus.
    assert focus_term("How many people are under quarantine there? (about Ghana)") == "peopl"
    assert focus_term("He had an alleged affair with who?") is None
    assert focus_term("Write me a poem about the sea.") is None


def test_the_focus_is_looked_for_in_the_sentence_and_its_passage(
        seeded_service: ChatService) -> None:
    values = features(SEED_QUESTION, _ranked(seeded_service, SEED_QUESTION))
    assert values["focus_sentence"] == 1.0  # "Hamas" in the Al-Nono sentence
    puppy = "What should I name my new puppy?"
    values = features(puppy, _ranked(seeded_service, puppy))
    assert values["focus_sentence"] == 0.0 and values["focus_passage"] == 0.0  # no naming


def test_the_same_evidence_from_an_old_story_is_less_likely_to_answer(
        seeded_service: ChatService) -> None:
    """A removed story's best stand-in is often an older one on the same topic: the fitted
    decision trusts a sentence less the older its article is against the question's day."""
    ranked = _ranked(seeded_service, SEED_QUESTION)
    undated = features(SEED_QUESTION, ranked)
    assert undated["age"] == 0.0  # the seed article has no date: unknown is not old
    model = load_model()
    assert model is not None and "age" in model.features
    scores = []
    for days in (2.0, 40.0, 400.0):
        ranked[0].passage.scores.update(age_days=days, behind_newest=0.0)
        values = features(SEED_QUESTION, ranked)
        assert values["age"] == pytest.approx(math.log1p(days))
        scores.append(model.score(values))
    assert scores[0] > scores[1] > scores[2]


def test_a_question_that_names_its_time_is_judged_against_that_time(
        seeded_service: ChatService) -> None:
    """"What did the Fed decide in March?" asked in October: a March story is not stale."""
    ranked = _ranked(seeded_service, SEED_QUESTION)
    ranked[0].passage.scores.update(age_days=200.0, window_distance=0.0)
    assert features(SEED_QUESTION, ranked)["age"] == 0.0
    ranked[0].passage.scores.update(window_distance=30.0)
    assert features(SEED_QUESTION, ranked)["age"] == pytest.approx(math.log1p(30))
    # No window named (the ranker stores NaN): the age before the reference day counts.
    ranked[0].passage.scores.update(window_distance=math.nan)
    assert features(SEED_QUESTION, ranked)["age"] == pytest.approx(math.log1p(200))
    # An undated article is far from any window it cannot be placed in, but not old.
    ranked[0].passage.scores.update(age_days=math.nan, window_distance=365.0)
    assert features(SEED_QUESTION, ranked)["age"] == 0.0
