"""The [n] marker contract: written once, read the same way by every reader."""

from __future__ import annotations

from chatbot.answering.citations.markers import (
    cited_numbers,
    ends_with_marker,
    markers,
    parse_cited_sentences,
    replace_markers,
    split_answer,
    strip_markers,
)

ANSWER = "Hamas wants the war to end. [1][2] Talks stalled in 2023. [2] Mediators met [3]."


def test_markers_are_written_in_order_once_each() -> None:
    assert markers([2, 1, 2]) == "[2][1]"


def test_answer_splits_after_each_run_of_markers() -> None:
    assert split_answer(ANSWER) == ["Hamas wants the war to end. [1][2]",
                                    "Talks stalled in 2023. [2]", "Mediators met [3]."]
    assert all(ends_with_marker(s) for s in split_answer(ANSWER)[:2])
    assert not ends_with_marker("Mediators met [3].")


def test_numbers_and_stripping_leave_the_text_and_years_alone() -> None:
    assert cited_numbers(ANSWER) == [1, 2, 2, 3]
    assert strip_markers(ANSWER) == ("Hamas wants the war to end. Talks stalled in 2023. "
                                     "Mediators met .")


def test_replacing_markers_sees_each_number() -> None:
    assert replace_markers("a [1] b [12]", lambda n, text: f"<{n}>") == "a <1> b <12>"


def test_model_markers_in_loose_forms_are_read() -> None:
    sentences = parse_cited_sentences("Hamas wants a ceasefire [Source 1, 2]. It said so. [3]")
    assert [(s.text, s.numbers) for s in sentences] == [
        ("Hamas wants a ceasefire.", [1, 2]), ("It said so.", [3])]
