"""Each form of follow-up people type becomes a question a person could have written."""

from __future__ import annotations

import pytest

from chatbot.answering.followups import standalone_question
from chatbot.answering.rewrite_check import doubled_phrase, rewrite_problems
from chatbot.schema import Turn

HOSTAGES = "What does Hamas require before hostage talks?"
HOSTAGES_ANSWER = ("Hamas says it will not negotiate until Israel ends its military campaign "
                   "in Gaza. [1]")
HANIYEH = ("Who leads the Hamas political bureau?",
           "Ismail Haniyeh, head of the Hamas political bureau, visited Egypt on Wednesday. [1]")


def _history(*pairs: tuple[str, str]) -> list[Turn]:
    turns = []
    for question, answer in pairs:
        turns += [Turn(role="user", content=question), Turn(role="assistant", content=answer)]
    return turns


def test_a_connector_before_a_whole_question_is_never_spliced_into_the_previous_one() -> None:
    rewrite = standalone_question("And what does Israel insist on?",
                                  _history((HOSTAGES, HOSTAGES_ANSWER)))
    assert rewrite.startswith("What does Israel insist on?")
    assert "hostage talks" in rewrite
    assert not rewrite_problems(rewrite)


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("When did he last visit Egypt?", "When did Ismail Haniyeh last visit Egypt?"),
    ("What did his media advisor say?", "What did Ismail Haniyeh's media advisor say?"),
    ("Where did he meet them?",  # "them" is unknown: the topic comes along
     "Where did Ismail Haniyeh meet them? (about Hamas, Egypt, political bureau)"),
])
def test_person_pronouns_take_the_name_of_the_person(follow_up: str, expected: str) -> None:
    assert standalone_question(follow_up, _history(HANIYEH)) == expected


def test_she_and_her_take_the_name_and_her_becomes_possessive_before_a_noun() -> None:
    history = _history(("What did Serena Williams announce?",
                        "Serena Williams said she is evolving away from tennis. [1]"))
    assert standalone_question("How old is she?", history) == "How old is Serena Williams?"
    assert standalone_question("What did her coach say?", history) == \
        "What did Serena Williams's coach say?"


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("What is its budget?", "What is NASA's budget?"),
    ("When will it launch again?", "When will NASA launch again?"),
])
def test_it_and_its_take_a_name_that_is_not_a_person(follow_up: str, expected: str) -> None:
    history = _history(("Why did NASA delay the moon launch?",
                        "NASA scrubbed the launch because of an engine problem. [1]"))
    assert standalone_question(follow_up, history) == expected


def test_they_and_their_take_an_institution() -> None:
    history = _history(("What did the Federal Reserve decide on Wednesday?",
                        "The Fed raised rates by 0.75 percentage point. [1]"))
    assert standalone_question("What are their plans for next year?", history).startswith(
        "What are Federal Reserve's plans for next year?")


def test_an_unclear_it_stays_and_the_previous_names_come_along() -> None:
    history = _history(("Which airline could now buy Spirit Airlines?",
                        "Spirit and Frontier pulled the plug on their deal, clearing the way "
                        "for a purchase of Spirit by JetBlue Airways. [1]"))
    rewrite = standalone_question("When was their merger with Frontier announced?", history)
    assert rewrite.startswith("When was their merger with Frontier announced? (about ")
    assert "Spirit Airlines" in rewrite and "JetBlue Airways" in rewrite


def test_a_pronoun_after_two_turns_finds_the_person_of_the_first() -> None:
    history = _history(("Which team does quarterback Deshaun Watson play for?",
                        "Cleveland Browns quarterback Deshaun Watson was suspended. [1]"),
                       ("What suspension is the league pushing for?",
                        "The league is pushing for a full-season suspension. [1]"))
    assert standalone_question("Which team was he with before?", history).startswith(
        "Which team was Deshaun Watson with before?")


def test_a_parallel_phrase_replaces_its_counterpart() -> None:
    history = _history(("Who did Anne Heche co-star with in Donnie Brasco?", "…"))
    assert standalone_question("What about in Volcano?", history) == \
        "Who did Anne Heche co-star with in Volcano?"


@pytest.mark.parametrize("follow_up", ["What about Israel?", "And Israel?", "how about Israel?"])
def test_what_about_x_replaces_the_subject(follow_up: str) -> None:
    history = _history(("What is Hamas's position on a temporary truce?", "…"))
    assert standalone_question(follow_up, history) == \
        "What is Israel's position on a temporary truce?"


@pytest.mark.parametrize(("follow_up", "start"), [("Why?", "Why?"), ("When?", "When?"),
                                                   ("Why did that happen?", "Why did that")])
def test_fragments_are_searched_with_the_previous_topic(follow_up: str, start: str) -> None:
    rewrite = standalone_question(follow_up, _history((HOSTAGES, HOSTAGES_ANSWER)))
    assert rewrite.startswith(start)
    assert "Hamas" in rewrite and "hostage talks" in rewrite
    assert not rewrite_problems(rewrite)


@pytest.mark.parametrize("follow_up", ["When will the deal close?", "What did the company say?"])
def test_the_company_and_the_deal_bring_the_previous_names(follow_up: str) -> None:
    history = _history(("Which company did Elon Musk offer to buy?",
                        "Musk offered to buy Twitter for $44 billion. [1]"))
    rewrite = standalone_question(follow_up, history)
    assert rewrite.startswith(follow_up)
    assert "Elon Musk" in rewrite and "Twitter" in rewrite


def test_a_correction_replaces_the_year_or_adds_it() -> None:
    with_year = _history(("Who won the 2021 World Series?", "The Atlanta Braves won. [1]"))
    assert standalone_question("No, I meant the 2022 one", with_year) == \
        "Who won the 2022 World Series?"
    without = _history(("Who won the World Series?", "The Atlanta Braves won. [1]"))
    assert standalone_question("no, I meant the 2022 one", without) == \
        "Who won the World Series in 2022?"


def test_a_correction_can_name_another_subject() -> None:
    history = _history(("What did Joe Biden say about inflation?", "…"))
    assert standalone_question("Sorry, I meant Janet Yellen", history) == \
        "What did Janet Yellen say about inflation?"


@pytest.mark.parametrize("question", ["What is the capital of Australia?",
                                      "Who won the Tony Award for best musical?",
                                      "How many people died in the Pakistan floods?",
                                      # "the storm" modifies "repairs": it points nowhere.
                                      "When did the harbour of Port Elms reopen after the "
                                      "storm repairs?"])
def test_a_new_topic_does_not_inherit_the_old_one(question: str) -> None:
    assert standalone_question(question, _history((HOSTAGES, HOSTAGES_ANSWER))) == question


def test_a_follow_up_to_a_fragment_keeps_the_topic() -> None:
    history = _history((HOSTAGES, HOSTAGES_ANSWER), ("Why?", "…"))
    rewrite = standalone_question("When?", history)
    assert rewrite.startswith("When?") and "hostage talks" in rewrite


@pytest.mark.parametrize(("text", "problem"), [
    ("What does what does Israel insist on require before hostage talks?", "repeats"),
    ("Why: What is Hamas's position on a temporary truce?", "joins"),
    ("what is it", "start"),
    ("Who is he? When did he go?", "two questions"),
])
def test_the_check_finds_malformed_rewrites(text: str, problem: str) -> None:
    assert any(problem in p for p in rewrite_problems(text))


def test_the_check_accepts_well_formed_questions() -> None:
    assert rewrite_problems("What is Israel's position on a temporary truce?") == []
    assert rewrite_problems("Why? (about Hamas, hostage talks)") == []
    assert doubled_phrase("Why did the the talks fail?") == "the"


STORM = ("What storm battered Puerto Rico this week?",
         "Hurricane Fiona, which already battered the Caribbean, is now forecast to brush by "
         "Bermuda. [1]")
ASTEROID = ("Which spacecraft did NASA crash into an asteroid?",
            "NASA's DART spacecraft slammed into the asteroid Dimorphos. [1]")


@pytest.mark.parametrize(("turn", "follow_up", "context"), [
    (ASTEROID, "Where was the spacecraft launched from?", "Dimorphos"),
    (("Who refereed the World Cup final in Qatar?",
      "Szymon Marciniak of Poland refereed the final. [1]"),
     "What is the referee's name?", "World Cup"),
    (STORM, "How many people died there?", "Hurricane Fiona"),
    (STORM, "What happened then?", "Hurricane Fiona"),
    (STORM, "Which city was hit worst?", "Hurricane Fiona"),
])
def test_a_thing_described_but_not_named_is_searched_with_the_previous_subject(
        turn: tuple[str, str], follow_up: str, context: str) -> None:
    rewrite = standalone_question(follow_up, _history(turn))
    assert rewrite.startswith(follow_up)
    assert context in rewrite
    assert not rewrite_problems(rewrite)


def test_existential_there_and_a_question_that_names_its_topic_stay_as_asked() -> None:
    history = _history(STORM)
    assert standalone_question("Who won the Super Bowl in February?", history) == \
        "Who won the Super Bowl in February?"
    assert standalone_question("Are there more than 200 gun laws in Texas?", history) == \
        "Are there more than 200 gun laws in Texas?"


def test_what_about_a_description_is_not_spliced_into_the_previous_question() -> None:
    history = _history(("Which author won the 2023 Booker Prize?",
                        "Paul Lynch won the 2023 Booker Prize for Prophet Song. [1]"))
    rewrite = standalone_question("What about last year's winner?", history)
    assert rewrite.startswith("What about last year's winner? (about ")
    assert "Booker Prize" in rewrite
    assert not rewrite_problems(rewrite)


@pytest.mark.parametrize("question", [
    "What is the boiling point of tungsten?",
    "What is the capital of Peru?",
])
def test_a_description_that_says_what_it_is_of_stands_alone(question: str) -> None:
    assert standalone_question(question, _history(ASTEROID)) == question
