"""Page furniture from real scraped news pages is never evidence; story sentences are."""

from __future__ import annotations

import pytest

from chatbot.answering.furniture import display_text, furniture_kind, needs_preceding


@pytest.mark.parametrize(("line", "kind"), [
    # Short excerpts of lines seen in the RealTime QA pages.
    ("More:Premiere of documentary on Palm Springs legend leads week's entertainment events",
     "link"),
    ("Watch:H.E.R. and Chris Stapleton deliver soaring 'Hold On' performance", "link"),
    ("READ MORE: Inflation hits a new 40-year high", "link"),
    ("SCHWEDT, GERMANY - MAY 03: In this aerial view, huge tanks for crude oil of the PCK "
     "oil refinery stand on May 03, 2022.", "caption"),
    ("Gas prices over the $6 dollar mark are displayed at a gas station in Sacramento, Calif., "
     "Friday, May 27, 2022. (AP Photo/Rich Pedroncelli)", "caption"),
    ("Bill Gates poses for a picture on October 9, 2019, in Lyon.", "caption"),
    ("By Nadeen Ebrahim, CNN", "byline"),
    ("By Oscar Holland", "byline"),
    ("TODAY'S QUOTE", "crosshead"),
    ("Rebranded McDonald's restaurants are unveiled in Russia", "crosshead"),
    ("Sign up for our morning newsletter to get the day's top stories in your inbox.",
     "newsletter"),
    ("JUST WATCHED 'This seems like a done deal': CNN's Foreman explains tentative MLB "
     "agreement Replay More Videos ...", "video"),
    ("MUST WATCH Facebook is trying to restore service in Russia, Meta exec says 03:44.",
     "video"),
])
def test_furniture_is_recognised(line: str, kind: str) -> None:
    assert furniture_kind(line) == kind


@pytest.mark.parametrize("sentence", [
    "Hamas rejects any further temporary halt to the Israeli military campaign and says it "
    "will only discuss a permanent ceasefire.",
    "The podcast host said the company would subscribe to the new rules.",
    "White House spokesman John Kirby told reporters on Air Force One on Wednesday, \"These "
    "are very serious discussions.\"",
    "By Tuesday, the storm had moved north and weakened to a tropical depression.",
])
def test_story_sentences_are_not_furniture(sentence: str) -> None:
    assert furniture_kind(sentence) is None


@pytest.mark.parametrize(("sentence", "shown"), [
    ("WASHINGTON — The Senate voted 52-48 on Tuesday to pass the bill.",
     "The Senate voted 52-48 on Tuesday to pass the bill."),
    ("KYIV, Ukraine (AP) — Russian forces shelled the city overnight.",
     "Russian forces shelled the city overnight."),
    ("NEW YORK -- On Wednesday, the nominations were announced.",
     "On Wednesday, the nominations were announced."),
    # Agency credits without a dash, as in the dev corpus.
    ("(CNN) Four-time Super Bowl champion Rob Gronkowski announced his retirement Tuesday.",
     "Four-time Super Bowl champion Rob Gronkowski announced his retirement Tuesday."),
    ("Washington (CNN) House Speaker Nancy Pelosi plans to depart Friday for a tour of Asia.",
     "House Speaker Nancy Pelosi plans to depart Friday for a tour of Asia."),
    ("New York (CNN Business) Spirit and Frontier airlines pulled the plug on their deal.",
     "Spirit and Frontier airlines pulled the plug on their deal."),
    ("But Taher Al-Nono, Haniyeh's media advisor, told Reuters that Hamas is not ready.",
     "Taher Al-Nono, Haniyeh's media advisor, told Reuters that Hamas is not ready."),
    ("The US economy added 372,000 jobs in June.", "The US economy added 372,000 jobs in June."),
    ("-- The rocket's core stage was rolled back to the assembly building on Monday.",
     "The rocket's core stage was rolled back to the assembly building on Monday."),
    ("— But NASA said the launch would go ahead on Saturday.",
     "NASA said the launch would go ahead on Saturday."),
    ("-- Yes.", "-- Yes."),
])
def test_datelines_and_droppable_conjunctions_are_not_shown(sentence: str, shown: str) -> None:
    assert display_text(sentence) == shown
    assert sentence.endswith(display_text(sentence))  # always a verbatim tail


def test_a_conjunction_before_a_lower_case_word_keeps_the_sentence_before() -> None:
    assert needs_preceding("But it has ruled out a permanent ceasefire.")
    assert needs_preceding("And the group said it would not return.")
    assert not needs_preceding("But Taher Al-Nono told Reuters that Hamas is not ready.")
