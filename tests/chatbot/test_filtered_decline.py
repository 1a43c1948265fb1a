"""A decline under filters says so, and the chat offers to clear them."""

from __future__ import annotations

from chatbot.answering.citations.draft import DECLINE_IN_SELECTION, DECLINE_MESSAGE
from chatbot.schema import Filters
from chatbot.service import ChatService
from chatbot.web.ui.render import answer_html

OFF_TOPIC = "What is the capital of Australia?"


def test_a_decline_under_filters_says_so_and_the_chat_offers_to_clear_them(
        seeded_service: ChatService) -> None:
    answer = seeded_service.ask(OFF_TOPIC, filters=Filters(sources=["Reuters"]))
    assert answer.declined and answer.filtered
    assert answer.answer == DECLINE_IN_SELECTION
    assert "Clear the filters" in answer_html(answer, 1, Filters(sources=["Reuters"]))
    unfiltered = seeded_service.ask(OFF_TOPIC)
    assert "Clear the filters" not in answer_html(unfiltered, 1)
    assert unfiltered.declined and unfiltered.answer == DECLINE_MESSAGE
    assert not unfiltered.filtered
