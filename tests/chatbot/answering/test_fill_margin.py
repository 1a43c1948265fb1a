"""The fill margin: near-tied sentences join the answer when the ranking is that unsure."""

from __future__ import annotations

from chatbot.service import ChatService

QUESTION = "Where did Al-Nono give the interview?"


def _answer_sentences(service: ChatService, fill_margin: float | None) -> list[str]:
    settings = service.settings.model_copy(update={"fill_margin": fill_margin})
    answer = service.with_settings(settings).ask(QUESTION)
    assert not answer.declined
    return [piece for piece in answer.answer.split("] ") if piece]


def test_without_a_margin_the_answer_stops_at_the_sentence_that_answers(
        seeded_service: ChatService) -> None:
    sentences = _answer_sentences(seeded_service, None)
    assert len(sentences) == 1
    assert "in the interview in Cairo" in sentences[0]


def test_a_wide_margin_adds_the_runners_up_after_the_answer(
        seeded_service: ChatService) -> None:
    sentences = _answer_sentences(seeded_service, 3.0)
    assert 1 < len(sentences) <= seeded_service.settings.max_answer_sentences
    assert "in the interview in Cairo" in sentences[0]
    assert len(set(sentences)) == len(sentences)


def test_a_margin_of_zero_adds_only_exact_ties(seeded_service: ChatService) -> None:
    assert _answer_sentences(seeded_service, 0.0) == _answer_sentences(seeded_service, None)
