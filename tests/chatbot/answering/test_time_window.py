"""Time expressions in questions, on fixed reference days."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.answering.time_window import question_window
from chatbot.schema import date_label
from index.store.records import day_from_number

# A Friday.
REFERENCE = date(2022, 6, 24)


@pytest.mark.parametrize(("question", "start", "end"), [
    ("Which company announced layoffs this week?", date(2022, 6, 17), date(2022, 6, 24)),
    ("What did the Senate pass last week?", date(2022, 6, 10), date(2022, 6, 19)),
    ("Who won the election in June?", date(2022, 6, 1), date(2022, 6, 24)),
    ("What happened in March?", date(2022, 3, 1), date(2022, 3, 31)),
    ("Which team won the title in September?", date(2021, 9, 1), date(2021, 9, 30)),
    ("Who resigned on Monday?", date(2022, 6, 20), date(2022, 6, 20)),
    ("What did he say last Friday?", date(2022, 6, 17), date(2022, 6, 17)),
    ("What was the best-selling car last year?", date(2021, 1, 1), date(2021, 12, 31)),
    ("How many people moved to Texas in 2019?", date(2019, 1, 1), date(2019, 12, 31)),
    ("What did the court rule yesterday?", date(2022, 6, 23), date(2022, 6, 23)),
    ("Who became prime minister last month?", date(2022, 5, 1), date(2022, 5, 31)),
    ("What was announced on June 3?", date(2022, 6, 1), date(2022, 6, 24)),
    ("What happened on March 15th?", date(2022, 3, 1), date(2022, 3, 31)),
    ("Who spoke on January 21st?", date(2022, 1, 1), date(2022, 1, 31)),
])
def test_relative_expressions_name_a_window(question: str, start: date, end: date) -> None:
    window = question_window(question, REFERENCE)
    assert window is not None, question
    assert (window.start, window.end) == (start, end)


@pytest.mark.parametrize("question", [
    "Who is Taher Al-Nono?",
    "What may happen to interest rates?",        # "may" the verb, not the month
    "Which company makes the iPhone?",
])
def test_questions_without_a_time_name_no_window(question: str) -> None:
    assert question_window(question, REFERENCE) is None


def test_a_window_covers_articles_published_shortly_after_it() -> None:
    window = question_window("Who resigned on Monday?", REFERENCE)
    assert window is not None
    assert window.covers(date(2022, 6, 20)) and window.covers(date(2022, 6, 23))
    assert not window.covers(date(2022, 6, 19))
    assert window.distance(date(2022, 6, 10)) == 10
    assert window.distance(date(2022, 6, 21)) == 0


def test_the_same_words_move_with_the_reference_day() -> None:
    later = question_window("Who won the election in June?", date(2023, 2, 1))
    assert later is not None and later.start == date(2022, 6, 1)
    assert later.end == date(2022, 6, 30)


def test_dates_are_labelled_for_readers() -> None:
    assert date_label("2022-06-10") == "10 Jun 2022"
    assert date_label("") == ""
    assert day_from_number(20220610) == date(2022, 6, 10)
    assert day_from_number(0) is None
