"""Evaluation metrics on hand-made cases whose right value is known."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.evaluation import metrics
from chatbot.schema import Answer, Citation

ARTICLE = ("Ismail Haniyeh visited Egypt on Wednesday. Taher Al-Nono spoke to Reuters in Cairo. "
           "Israel insists on the release of 12 women.")


# -- normalisation and matching ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("The Tony Awards", "tony awards"),
    ("  A   cat,  an OWL;  the end! ", "cat owl end"),
    ("Haniyeh’s advisor", "haniyehs advisor"),          # curly apostrophe like the ASCII one
    ("Haniyeh's advisor", "haniyehs advisor"),
    ("Gaza—the war", "gaza war"),                       # an em dash separates words
    ("Al-Nono", "alnono"),                              # an ASCII hyphen is deleted, as in SQuAD
    ("$5,000", "5000"),
    ("caf\u00e9\u00a0au lait", "café au lait"),         # non-breaking space folded
    ("Theatre anthem", "theatre anthem"),               # "the" only as a whole word
    ("The", ""),
])
def test_normalisation_follows_squad_and_handles_unicode(text: str, expected: str) -> None:
    assert metrics.normalize_answer(text) == expected


def test_phrases_match_whole_words_only() -> None:
    assert metrics.contains_phrase("He flew to Tirana.", "Tirana")
    assert not metrics.contains_phrase("He flew to Tirana.", "Iran")
    assert not metrics.contains_phrase("It cost $50.", "$5")
    assert metrics.contains_phrase("It cost $5.", "5")
    assert not metrics.contains_phrase("anything at all", "The")  # empty never matches


def test_citation_markers_never_count_as_the_answer() -> None:
    answer = "Gas prices rose again this week. [5]"
    assert not metrics.contains_answer(answer, ["$5"])
    assert metrics.contains_answer("Gas hit $5 a gallon. [1]", ["$5"])


def test_all_required_needs_every_accepted_string() -> None:
    text = "Hamas is eliminated and all hostages are released. [1]"
    assert metrics.contains_answer(text, ["Hamas is eliminated", "no further threat"])
    assert not metrics.contains_answer(text, ["Hamas is eliminated", "no further threat"],
                                       all_required=True)
    assert metrics.contains_answer(text, ["hamas is ELIMINATED", "all hostages are released"],
                                   all_required=True)
    assert not metrics.contains_answer(text, [], all_required=True)


def test_correctness_rule_for_answerable_unanswerable_and_forbidden() -> None:
    right = "Haniyeh visited Egypt. [1]"
    assert metrics.is_correct(right, False, accepted=["Egypt"])
    assert not metrics.is_correct(right, True, accepted=["Egypt"])  # a decline is never right
    assert metrics.is_correct("The sources I have do not answer that.", True, accepted=[],
                              unanswerable=True)
    assert not metrics.is_correct(right, False, accepted=[], unanswerable=True)
    assert not metrics.is_correct("Hamas has agreed to a deal in Egypt. [1]", False,
                                  accepted=["Egypt"], forbidden=["Hamas has agreed"])


def test_answer_sizes_cut_after_whole_cited_sentences() -> None:
    text = "First one. [1] Second, citing two. [1][2] Third. [2] Fourth. [3]"
    assert metrics.answer_sentences(text) == ["First one. [1]", "Second, citing two. [1][2]",
                                              "Third. [2]", "Fourth. [3]"]
    assert metrics.first_sentences(text, 1) == "First one. [1]"
    assert metrics.first_sentences(text, 3).endswith("Third. [2]")
    assert not metrics.contains_answer(metrics.first_sentences(text, 3), ["Fourth"])


def test_choices_count_when_only_the_right_option_is_named() -> None:
    choices = ["Korea", "North Korea", "Japan", "China"]
    assert metrics.named_choices("Missiles from North Korea. [1]", choices) == {"North Korea"}
    assert metrics.choice_correct("Missiles from North Korea. [1]", False, choices,
                                  ["North Korea"])
    assert not metrics.choice_correct("North Korea and Japan talked. [1]", False, choices,
                                      ["North Korea"])
    assert not metrics.choice_correct("Korea talked. [1]", False, choices, ["North Korea"])
    assert not metrics.choice_correct("The sources I have do not answer that.", True, choices,
                                      ["North Korea"])
    assert metrics.choice_correct("Japan. [1]", False, choices, ["Peru"]) is None


# -- declining --------------------------------------------------------------------------------

def test_decline_precision_and_recall() -> None:
    # (unanswerable, declined): 2 right declines, 1 wrong decline, 1 missed, 1 plain answer.
    scores = metrics.decline_scores([(True, True), (True, True), (False, True), (True, False),
                                     (False, False)])
    assert (scores.unanswerable, scores.declined, scores.correct_declines) == (3, 3, 2)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    nothing = metrics.decline_scores([(False, False)])
    assert nothing.precision is None and nothing.recall is None


def test_false_declines_are_a_share_of_the_answerable_questions() -> None:
    scores = metrics.decline_scores([(True, True), (False, True), (False, False), (False, False)])
    assert scores.false_declines == 1
    assert scores.false_decline_rate == pytest.approx(1 / 3)
    assert metrics.decline_scores([(True, True)]).false_decline_rate is None


# -- retrieval --------------------------------------------------------------------------------

def test_relevance_uses_expected_sources_else_the_answer_text() -> None:
    assert metrics.passage_is_relevant("Taher Al-Nono spoke in Cairo.", "a1", accepted=["Cairo"])
    assert not metrics.passage_is_relevant("Talks in Egypt.", "a1", accepted=["Cairo"])
    assert not metrics.passage_is_relevant("Taher Al-Nono spoke in Cairo.", "a1",
                                           accepted=["Cairo"], expected_sources=["a2"])
    assert metrics.passage_is_relevant("Unrelated.", "a2", accepted=["Cairo"],
                                       expected_sources=["a2"])


def test_hit_at_k_and_mrr() -> None:
    ranks = [metrics.first_relevant_rank(r) for r in
             ([False, True, False], [True], [False, False, False, True], [], [False])]
    assert ranks == [2, 1, 4, None, None]
    assert [metrics.hit_at(r, 1) for r in ranks] == [False, True, False, False, False]
    assert [metrics.hit_at(r, 3) for r in ranks] == [True, True, False, False, False]
    mrr = metrics.mean([metrics.reciprocal_rank(r) for r in ranks])
    assert mrr == pytest.approx((1 / 2 + 1 + 1 / 4) / 5)


def test_strict_window_runs_from_14_days_before_to_3_after() -> None:
    asked = date(2022, 7, 15)
    assert metrics.in_date_window(date(2022, 7, 1), asked)
    assert not metrics.in_date_window(date(2022, 6, 30), asked)
    assert metrics.in_date_window(date(2022, 7, 18), asked)
    assert not metrics.in_date_window(date(2022, 7, 19), asked)
    assert not metrics.in_date_window(None, asked)


# -- citations and support --------------------------------------------------------------------

def _citation(n: int, start: int, end: int, passage: str | None = None,
              highlights: list[tuple[int, int]] | None = None) -> Citation:
    return Citation(n=n, article_id="a1", title="t", source="s", url="", published="",
                    passage=ARTICLE[start:end] if passage is None else passage, start=start,
                    end=end, score=0.5, highlights=highlights or [])


def test_valid_citations_have_no_problems() -> None:
    answer = Answer(answer="Ismail Haniyeh visited Egypt on Wednesday. [1] Taher Al-Nono spoke "
                           "to Reuters in Cairo. [2]",
                    citations=[_citation(1, 0, 42, highlights=[(0, 42)]), _citation(2, 43, 85)])
    assert metrics.citation_problems(answer, {"a1": ARTICLE}.get) == []


def test_invalid_citations_are_caught() -> None:
    shifted = _citation(1, 1, 43, passage=ARTICLE[0:42])  # right text, wrong offsets
    answer = Answer(answer="Ismail Haniyeh visited Egypt. [1] Reuters heard it. [3] Unsourced.",
                    citations=[shifted, _citation(2, 0, 10, highlights=[(5, 50)])])
    problems = metrics.citation_problems(answer, {"a1": ARTICLE}.get)
    assert "[3] has no citation" in problems
    assert any(p.startswith("[1] passage is not the article's text at 1:43") for p in problems)
    assert any("highlight 5:50 lies outside" in p for p in problems)
    assert any("sentence without a citation: 'Unsourced.'" in p for p in problems)
    missing = metrics.citation_problems(
        Answer(answer="X. [1]", citations=[_citation(1, 0, 10)]), {}.get)
    assert missing == ["[1] cites 'a1', not in the store"]


def test_a_declined_answer_has_valid_citations() -> None:
    declined = Answer(answer="The sources I have do not answer that.", declined=True)
    assert metrics.citation_problems(declined, {}.get) == []


def test_percentiles_and_empty_metrics() -> None:
    values = [float(v) for v in range(1, 101)]
    assert metrics.percentile(values, 50) == pytest.approx(50.5)
    assert metrics.percentile(values, 95) == pytest.approx(95.05)
    assert metrics.percentile([], 50) is None
    assert metrics.mean([]) is None
