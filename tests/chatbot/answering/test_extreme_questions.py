"""A question that asks for an extreme is not answered by a passage that ranks nothing."""

from __future__ import annotations

import json
from pathlib import Path

from chatbot.answering.answerability import (
    AnswerabilityModel,
    answers,
    asks_extreme,
    states_extreme,
)
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.service import ChatService

MOONS = "Which planet has the most moons?"


def _article(article_id: str, title: str, published: str, text: str) -> dict[str, str]:
    return {"id": article_id, "title": title, "source": "example.com", "published": published,
            "text": text}


NEPTUNE = _article(
    "neptune", "Telescope shows Neptune's rings in new detail", "2022-09-22",
    "The space telescope has captured a sharp view of Neptune's rings.\n"
    "Near the rings are six of the planet's 14 moons, among them Galatea, Naiad and Proteus. "
    "Astronomers said the images reveal faint dust bands.")
# A comparison about something else: "first-ever title" says nothing about Super Bowl wins.
FINALS = _article(
    "finals", "Aces win the title; Super Bowl date set", "2022-09-19",
    "The Aces clinched the franchise's first-ever title on Sunday.\n"
    "The 57th Super Bowl will take place on February 12 in Glendale, Arizona, the league said.")
SATURN = _article(
    "saturn", "Saturn reclaims its title as the planet with the most moons", "2023-05-12",
    "Astronomers confirmed 62 new moons orbiting Saturn, bringing its total to 145.\n"
    "Saturn now has the most moons of any planet in the solar system, more than Jupiter's 95.")


def test_asking_for_an_extreme_is_told_from_asking_about_time() -> None:
    assert asks_extreme(MOONS)
    assert asks_extreme("What is the tallest mountain in Africa?")
    assert asks_extreme("Which state has the highest average price for gas?")
    assert not asks_extreme("What is the latest on the strike?")  # time, not rank
    assert not asks_extreme("What is the most recent poll?")
    assert not asks_extreme("Who won the contest?")  # a noun that ends in "est"
    assert not asks_extreme("Which country elected its first leftist leader?")
    assert not states_extreme("Near the rings are six of the planet's 14 moons.")
    assert not states_extreme("Police made an arrest after the protest in the west.")
    assert states_extreme("Saturn has 145 moons, more than Jupiter.")
    assert states_extreme("It is the largest planet.")


def _ranked(service: ChatService, question: str) -> list:
    answerer = service.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    return answerer.score(question, service.retriever.retrieve(question, 8))


def test_a_passage_that_ranks_nothing_does_not_answer_which_has_the_most(
        tmp_path: Path, service: ChatService) -> None:
    corpus = tmp_path / "neptune.jsonl"
    corpus.write_text(json.dumps(NEPTUNE) + "\n")
    service.ingest([corpus])
    # Whatever a fitted model would say: its words match, yet it compares nothing.
    always = AnswerabilityModel("threshold", ("best_score",), -1.0)
    ranked = _ranked(service, MOONS)
    assert "14 moons" in ranked[0].text
    assert not answers(MOONS, ranked, 0.0, always)
    assert answers("How many moons does Neptune have?",
                   _ranked(service, "How many moons does Neptune have?"), 0.0, always)
    answer = service.ask(MOONS)
    assert answer.declined
    assert any("14 moons" in passage.passage for passage in answer.closest)

    # The Super Bowl question is asked of the finals story alone (with the Neptune story
    # beside it, which one the ranker puts first is the model's business, not this check's).
    service.remove_articles(["neptune"])
    corpus.write_text(json.dumps(FINALS) + "\n")
    service.ingest([corpus])
    most_wins = "Which team has won the most Super Bowls?"
    ranked = _ranked(service, most_wins)
    assert "Super Bowl" in ranked[0].passage.text
    assert not answers(most_wins, ranked, 0.0, always)
    assert answers("When will the 57th Super Bowl take place?",
                   _ranked(service, "When will the 57th Super Bowl take place?"), 0.0, always)

    corpus.write_text(json.dumps(SATURN) + "\n")
    service.ingest([corpus])
    assert answers(MOONS, _ranked(service, MOONS), 0.0, always)
    answer = service.ask(MOONS)
    assert not answer.declined and "Saturn" in answer.answer
