"""Boilerplate removal keeps the story and drops what is not."""

from __future__ import annotations

from index.articles import load_file
from index.clean import CleanReport, boilerplate_rule, clean_text
from tests.conftest import SEED_FILE


def _seed_text() -> str:
    article = next(iter(load_file(SEED_FILE))).article
    assert article is not None
    return article.text


def test_seed_caption_and_more_from_rail_are_removed() -> None:
    report = CleanReport()
    cleaned = clean_text(_seed_text(), report)
    assert cleaned.startswith("The United States confirmed")
    assert cleaned.endswith("does not pose any further threat to Israel.")
    assert "File photo" not in cleaned and "More from" not in cleaned
    assert report.removed_chars["caption"] == len("File photo")
    assert report.removed_chars["more_from"] == len("More from International News")
    assert report.removed_chars["navigation"] == len("News")


def test_story_paragraphs_survive_cleaning_unchanged() -> None:
    cleaned = clean_text(_seed_text())
    assert "Hamas is not ready to discuss the release of more Israeli hostages until Israel " \
           "ends its military campaign in Gaza" in cleaned
    assert len(cleaned.split("\n\n")) == 12


def test_scraped_page_noise_is_removed() -> None:
    text = "\n".join([
        "If your day doesn't start until you're up to speed on the latest headlines, then let us "
        "introduce you to your new favorite morning fix. Sign up here for the '5 Things' "
        "newsletter.",
        "The council voted 7-2 to approve the new budget on Tuesday.",
        "How relevant is this ad to you?",
        "Advertisement",
        "We use cookies to improve your experience. By continuing you accept our use of cookies.",
        "(Photo by John Smith/Getty Images)",
        "Share this article",
        "© 2024 Example Media. All rights reserved.",
        "The mayor said the vote was a victory for residents.",
    ])
    assert clean_text(text) == ("The council voted 7-2 to approve the new budget on Tuesday.\n"
                                "The mayor said the vote was a victory for residents.")


def test_story_sentences_that_mention_trigger_words_are_kept() -> None:
    for sentence in [
        "The photo agency said it would appeal the ruling, which it called unfair.",
        "Regulators fined the company for setting cookies without consent, a first in the EU.",
        "More from the interview will air on Sunday, the network said.",
    ]:
        assert boilerplate_rule(sentence) is None, sentence


def test_control_characters_and_odd_spacing_are_normalised() -> None:
    assert clean_text("Line\x00 one\u200b  has\t\tgaps.\r\nLine two.") == \
        "Line one has gaps.\nLine two."


def test_prompt_sentences_are_cut_from_story_paragraphs() -> None:
    paragraph = ("(CNN) More shoppers are turning to convenience stores as a backup. Prices rose "
                 "4% in March. Sign up here to get the newsletter delivered to your inbox.")
    assert clean_text(paragraph) == ("(CNN) More shoppers are turning to convenience stores as "
                                     "a backup. Prices rose 4% in March.")


def test_bylines_disclosures_and_privacy_notices_are_removed() -> None:
    lines = [
        "The storm made landfall near Fort Myers on Wednesday.",
        "Contact Karen Weintraub at kweintraub@usatoday.com.",
        "Follow Jordan Mendoza on Twitter: @jordan_mendoza5.",
        "Contributing: The Associated Press",
        "New York CNN Business —",
        "24/7 Wall Street is a USA TODAY content partner offering financial news and commentary.",
        "This story has been updated with additional developments.",
        "We will use the details you have shared to manage your newsletter subscription.",
        "(You can get \"5 Things You Need to Know Today\" delivered to your inbox daily. "
        "Sign up here .)",
        "Officials ordered evacuations along the coast.",
    ]
    assert clean_text("\n".join(lines)) == ("The storm made landfall near Fort Myers on "
                                            "Wednesday.\nOfficials ordered evacuations along "
                                            "the coast.")


def test_links_to_other_stories_are_removed() -> None:
    text = ("The festival returns in April.\n"
            "More:Premiere of documentary on Palm Springs legend leads week's events\n"
            "Watch:H.E.R. and Chris Stapleton deliver soaring 'Hold On' performance\n"
            "Tickets go on sale on Friday.")
    report = CleanReport()
    assert clean_text(text, report) == ("The festival returns in April.\n"
                                        "Tickets go on sale on Friday.")
    assert report.removed_chars["link"] > 0
