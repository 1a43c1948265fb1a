"""Story timelines over real stores: the Port Elms strike written for the tests (three reports of
its start, two later developments, furniture, an unrelated article) and the seed article."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.schema import Filters, Timeline
from chatbot.service import ChatService
from chatbot.story.present import NOTHING_ON_TOPIC
from chatbot.story.topic import story_topic
from tests.story_articles import STRIKE_TOPIC


@pytest.fixture(scope="module")
def strike(story_service: ChatService) -> Timeline:
    return story_service.timeline(STRIKE_TOPIC)


def test_timeline_lists_each_development_once_newest_first(strike: Timeline) -> None:
    assert not strike.declined
    assert [e.date for e in strike.entries] == ["2024-03-15", "2024-03-08", "2024-02-29"]
    assert "6 percent pay rise" in strike.entries[0].claim
    assert "collapsed" in strike.entries[1].claim
    assert "walked off the job" in strike.entries[2].claim


def test_copies_of_a_report_are_one_entry_credited_to_the_earliest_outlet(
        strike: Timeline) -> None:
    start = strike.entries[-1]
    assert [c.source for c in start.citations] == ["Elms Gazette", "Harbour Times", "Coast Daily"]
    assert [c.published for c in start.citations] == ["2024-02-29", "2024-03-01", "2024-03-02"]
    assert start.also_reported_by == ["Harbour Times", "Coast Daily"]
    assert all(not e.also_reported_by for e in strike.entries[:2])


def test_every_claim_is_a_verbatim_cited_span_of_its_article(
        strike: Timeline, story_service: ChatService) -> None:
    numbers = [c.n for e in strike.entries for c in e.citations]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    for entry in strike.entries:
        first = entry.citations[0]
        text = story_service.article_text(first.article_id)
        assert text is not None and text[first.start:first.end] == first.passage
        assert any(text[s:e] == entry.claim for s, e in first.highlights)


def test_furniture_and_unrelated_articles_never_become_entries(strike: Timeline) -> None:
    claims = " ".join(e.claim for e in strike.entries)
    assert "In this photo" not in claims and "More:" not in claims
    assert "library" not in claims.lower()


def test_as_of_and_outlet_filters_narrow_the_timeline(story_service: ChatService) -> None:
    before_the_end = story_service.timeline(STRIKE_TOPIC, Filters(as_of=date(2024, 3, 10)))
    assert before_the_end.as_of == date(2024, 3, 10)
    assert [e.date for e in before_the_end.entries] == ["2024-03-08", "2024-02-29"]
    harbour = story_service.timeline(STRIKE_TOPIC, Filters(sources=["Harbour Times"]))
    assert [e.date for e in harbour.entries] == ["2024-03-15", "2024-03-01"]
    assert {c.source for e in harbour.entries for c in e.citations} == {"Harbour Times"}
    assert story_service.timeline(STRIKE_TOPIC, limit=1).entries[0].date == "2024-03-15"


def test_a_story_the_index_has_nothing_on_is_declined(story_service: ChatService) -> None:
    nothing = story_service.timeline("the Mars colony elections")
    assert nothing.declined and nothing.entries == []


def test_asking_for_the_latest_in_the_chat_answers_with_the_dated_timeline(
        story_service: ChatService) -> None:
    answer = story_service.ask("What's the latest on the Port Elms dock strike?")
    lines = answer.answer.splitlines()
    assert lines[0].startswith("Latest: 15 Mar 2024, Harbour Times: The Port Elms dock strike")
    assert lines[1].startswith("- 15 Mar 2024") and lines[3].startswith("- 29 Feb 2024")
    assert "also reported by 2 outlets (Harbour Times, Coast Daily)" in lines[3]
    assert all(line.rstrip().endswith("]") for line in lines)
    assert [c.n for c in answer.citations] == list(range(1, 6))
    assert [c.published for c in answer.claims] == ["2024-03-15", "2024-03-08", "2024-02-29"]
    assert "timeline_ms" in answer.timings_ms
    declined = story_service.ask("What's the latest on the Mars colony elections?")
    assert declined.declined and declined.answer == NOTHING_ON_TOPIC


def test_the_seed_story_has_a_timeline_of_its_undated_article(
        seeded_service: ChatService) -> None:
    seed = seeded_service.timeline("the Gaza truce negotiations")
    assert len(seed.entries) == 1 and seed.entries[0].date is None
    assert "truce" in seed.entries[0].claim and "File photo" not in seed.entries[0].claim


@pytest.mark.parametrize(("question", "topic"), [
    ("What's the latest on the Gaza truce talks?", "the Gaza truce talks"),
    ("what is the latest in the Ukraine war", "the Ukraine war"),
    ("What has happened with the rail strike?", "the rail strike"),
    ("Timeline of the Fed's rate decisions", "the Fed's rate decisions"),
    ("Any updates on the Artemis launch?", "the Artemis launch"),
    ("What's the story so far on the heat wave?", "the heat wave"),
    ("What does Hamas require before hostage talks?", None),
    ("What is the latest iPhone called?", None),
    ("Which team won the latest final?", None),
])
def test_questions_asking_for_the_latest_name_their_story(question: str,
                                                          topic: str | None) -> None:
    assert story_topic(question) == topic
