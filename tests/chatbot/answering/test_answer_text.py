"""An Answer as text for clients that show only text: sources on one line per article, dated
once, article text escaped in Markdown, and a reply read back as the answer it was."""

from __future__ import annotations

from chatbot.answering.citations.text import (
    answer_from_markdown,
    answer_markdown_parts,
    by_article,
    cited_sentences,
    source_label,
)
from chatbot.schema import Answer, Citation, DatedClaim

PASSAGE = "Talks resumed in Cairo on Monday. Both sides sent envoys."


def citation(n: int, article: str, **fields: object) -> Citation:
    values: dict[str, object] = {
        "n": n, "article_id": article, "title": f"Title of {article}", "source": "",
        "url": "", "published": "", "passage": PASSAGE, "start": 100, "end": 100 + len(PASSAGE),
        "score": 1.0, "highlights": [(100, 133)]}
    return Citation(**{**values, **fields})  # type: ignore[arg-type]


def answer(text: str, *citations: Citation, **fields: object) -> Answer:
    claims = [DatedClaim(text=text, citations=[c.n for c in citations], source="",
                         published="")]
    return Answer(answer=f"{text} " + "".join(f"[{c.n}]" for c in citations),
                  citations=list(citations), claims=claims, **fields)  # type: ignore[arg-type]


def test_a_source_says_its_outlet_and_date_or_undated_once() -> None:
    assert source_label(citation(1, "a", source="Reuters", published="2024-03-06")) == (
        "Title of a — Reuters, 6 Mar 2024")
    assert source_label(citation(1, "a")) == "Title of a — undated"


def test_passages_of_one_article_are_one_source_line() -> None:
    cited = answer("Talks resumed.", citation(1, "a"), citation(2, "b"), citation(3, "a"))
    assert [[c.n for c in group] for group in by_article(cited)] == [[1, 3], [2]]
    sources = "".join(answer_markdown_parts(cited)).split("**Sources**\n\n")[1]
    assert sources.splitlines() == ["- [1][3] Title of a — undated",
                                    "- [2] Title of b — undated"]


def test_markdown_escapes_article_text_and_links_only_web_addresses() -> None:
    hostile = citation(1, "x", title="Evil [click](javascript:alert(1)) <img src=x>",
                       url="javascript:alert(1)")
    safe = citation(2, "y", url="https://example.com/story?id=1")
    text = "".join(answer_markdown_parts(answer("A *bold* <b>claim</b>.", hostile, safe)))
    assert text.startswith(r"A \*bold\* \<b\>claim\</b\>. [1][2]")
    assert r"- [1] Evil \[click\](javascript:alert(1)) \<img src=x\> — undated" in text
    assert "<javascript" not in text and text.endswith(", <https://example.com/story?id=1>")


def test_a_reply_sent_back_as_history_reads_as_its_answer() -> None:
    cited = answer("A *bold* claim.", citation(1, "a"), notice="A model timed out.")
    reply = "".join(answer_markdown_parts(cited))
    assert "_Note: A model timed out._" in reply
    assert answer_from_markdown(reply) == "A *bold* claim. [1]"
    declined = Answer(answer="The sources I have do not answer that.", declined=True)
    assert "".join(answer_markdown_parts(declined)) == declined.answer


def test_the_cited_sentence_is_shown_only_when_the_answer_does_not_say_it() -> None:
    extract = answer("Talks resumed in Cairo on Monday.", citation(1, "a"))
    assert cited_sentences(extract, extract.citations[0]) == []
    shortened = answer("resumed in Cairo on Monday.", citation(1, "a"))  # a dateline cut off
    assert cited_sentences(shortened, shortened.citations[0]) == []
    paraphrase = answer("Negotiations restarted in Egypt.", citation(1, "a"))
    assert cited_sentences(paraphrase, paraphrase.citations[0]) == [
        "Talks resumed in Cairo on Monday."]
