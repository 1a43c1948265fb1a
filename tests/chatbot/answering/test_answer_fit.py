"""The cheap checks that keep a sentence from answering what it cannot answer."""

from __future__ import annotations

import pytest

from chatbot.answering.answer_fit import (
    IS_A_QUESTION,
    NO_NEW_NAME,
    RESTATES_QUESTION,
    WRONG_TYPE,
    answer_fit,
)
from chatbot.answering.followups import standalone_question
from chatbot.schema import Turn


@pytest.mark.parametrize(("question", "sentence", "factor"), [
    ("How many hostages were released?", "Israel insists on the release of all women.",
     WRONG_TYPE),
    ("How many hostages were released?", "Hamas released 24 hostages on Friday.", 1.0),
    ("How long had it been since his last visit?", "It was his first visit in more than a "
     "month.", 1.0),
    ("How old is he?", "He told reporters on Air Force One on Wednesday that talks went on.",
     WRONG_TYPE),
    ("When did Haniyeh visit Egypt?", "Haniyeh visited Egypt on Wednesday for talks.", 1.0),
    ("When did Haniyeh visit Egypt?", "Haniyeh visited Egypt for talks with officials.",
     WRONG_TYPE),
    ("Which company cut air conditioning in its stores?",
     "A report claims the company cut air conditioning to lower expenses.", NO_NEW_NAME),
    ("Which company cut air conditioning in its stores?",
     "Bed Bath & Beyond cut air conditioning in its stores, a report says.", 1.0),
    ("Which company is accused of turning off the AC in its stores?",
     "Which company is accused of turning off the AC in its stores?",
     NO_NEW_NAME * RESTATES_QUESTION * IS_A_QUESTION),
    ("Has Israel said anything publicly about the talks?",
     "Israel did not comment publicly on the talks.", 1.0),
])
def test_answer_fit(question: str, sentence: str, factor: float) -> None:
    assert answer_fit(question, sentence) == pytest.approx(factor)


def test_he_is_a_person_not_an_institution() -> None:
    history = [Turn(role="user", content="Who is the White House spokesman quoted?"),
               Turn(role="assistant", content="White House spokesman John Kirby told "
                                              "reporters on Air Force One. [1]")]
    assert standalone_question("How old is he?", history) == "How old is John Kirby?"
