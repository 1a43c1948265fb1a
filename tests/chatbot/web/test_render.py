"""The chat's HTML: untrusted article fields become text, [n] become links, spans become marks."""

from __future__ import annotations

from html.parser import HTMLParser

from chatbot.schema import Answer, Citation, DatedClaim, Filters
from chatbot.web.ui.render import (
    AnsweredTurn,
    answer_html,
    cards_of,
    passage_blocks,
    render,
    safe_url,
    sources_html,
)
from tests.chatbot.web.conftest import XSS_ARTICLE


class _Elements(HTMLParser):
    """Every start tag and its attributes, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def _citation(**fields: object) -> Citation:
    base: dict[str, object] = {
        "n": 1, "article_id": "a1", "title": "T", "source": "Desk", "url": "https://x.test/a",
        "published": "2024-01-05", "passage": "One. Two. Three.", "start": 100, "end": 116,
        "score": 0.5, "highlights": [(105, 109)]}
    return Citation(**{**base, **fields})  # type: ignore[arg-type]


def citation_html(citation: Citation, turn: int) -> str:
    card = cards_of(Answer(answer="x [1]", citations=[citation]), turn)[0]
    return render("card.html", item=card)


def passage_html(*citations: Citation) -> str:
    """The marked text as HTML-ish pieces, for comparing by eye."""
    return " … ".join("".join(f"<mark>{t}</mark>" if marked else t for t, marked in block)
                      for block in passage_blocks(citations))


def _hostile() -> Citation:
    text = XSS_ARTICLE["text"]
    return _citation(title=XSS_ARTICLE["title"], source=XSS_ARTICLE["source"],
                     url=XSS_ARTICLE["url"], passage=text, start=0, end=len(text),
                     highlights=[(0, 40)])


def test_hostile_article_fields_render_as_text_with_no_markup_of_their_own() -> None:
    html = citation_html(_hostile(), turn=1)
    parsed = _Elements(html)
    tags = {tag for tag, _ in parsed.tags}
    assert tags <= {"article", "header", "span", "div", "blockquote", "mark"}
    assert "Outlet unknown" not in parsed.text and "No link to the original" in parsed.text
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    # What the reader sees is the article's text, payloads included, verbatim.
    assert XSS_ARTICLE["title"] in parsed.text
    assert "<script>window.__xss='text-script'</script>" in parsed.text
    assert "${window.__xss='template'}" in parsed.text


def test_only_web_addresses_become_links() -> None:
    assert safe_url("https://news.example.com/a?b=1") == "https://news.example.com/a?b=1"
    assert safe_url(" HTTP://news.example.com ") == "HTTP://news.example.com"
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
                "file:///etc/passwd", "//evil.example", "news.example.com", "", "http://"):
        assert safe_url(bad) is None, bad
    parsed = _Elements(citation_html(_citation(url='https://x.test/"onmouseover="x'), turn=1))
    links = [attrs for tag, attrs in parsed.tags if tag == "a"]
    assert links == [{"class": "nb-title", "href": 'https://x.test/"onmouseover="x',
                      "target": "_blank", "rel": "noopener noreferrer nofollow"}]


def test_highlights_mark_the_cited_sentence_using_article_offsets() -> None:
    assert passage_html(_citation()) == "One. <mark>Two.</mark> Three."
    overlapping = _citation(highlights=[(100, 104), (102, 109)])
    assert passage_html(overlapping) == "<mark>One. Two.</mark> Three."
    outside = _citation(highlights=[(0, 50), (200, 300)])
    assert passage_html(outside) == "One. Two. Three."
    escaped = _citation(passage="a <b> c", end=107, highlights=[(102, 105)])
    assert "a <mark>&lt;b&gt;</mark> c" in citation_html(escaped, turn=1)


def test_one_card_per_article_joins_overlapping_passages_and_marks_every_cited_sentence() -> None:
    same_paragraph = [_citation(n=1), _citation(n=2, highlights=[(110, 116)]),
                      _citation(n=3, passage="Three. Four.", start=110, end=122,
                                highlights=[(117, 122)]),
                      _citation(n=4, passage="Far on.", start=300, end=307,
                                highlights=[(300, 307)])]
    answer = Answer(answer="a [1] b [2] c [3] d [4]", citations=same_paragraph)
    (card,) = cards_of(answer, turn=1)
    assert card.numbers == [1, 2, 3, 4] and card.anchor == "nb-src-1-1"
    assert passage_html(*same_paragraph) == (
        "One. <mark>Two.</mark> <mark>Three.</mark> <mark>Four.</mark> … <mark>Far on.</mark>")
    html = sources_html([AnsweredTurn(1, "Q", answer)])
    assert html.count('class="nb-source"') == 1 and html.count("One. ") == 1


def test_card_without_outlet_date_or_link_says_so() -> None:
    bare = _citation(source="", published="", url="")
    text = _Elements(citation_html(bare, turn=1)).text
    assert "Outlet unknown" in text and "Date unknown" in text
    assert "No link to the original" in text


def test_citation_markers_link_to_their_cards_with_outlet_and_date_and_nothing_else() -> None:
    cites = [_citation(), _citation(n=2, article_id="a2", source="Wire <b>", published="")]
    html = answer_html(Answer(answer="Talks stall [1][2]. Footnote [7] and <i>[2]</i>",
                              citations=cites), turn=3)
    assert '<a class="nb-cite" href="#nb-src-3-1" title="Show source 1">[1]</a>' in html
    assert '<a class="nb-cite" href="#nb-src-3-2"' in html
    assert '<span class="nb-cite-meta"> (Desk, 2024-01-05; Wire &lt;b&gt;, undated)</span>' in html
    assert "Footnote [7]" in html  # no citation 7: left as text
    assert "&lt;i&gt;" in html


def test_a_claim_from_an_older_day_than_another_is_marked_older() -> None:
    cites = [_citation(published="2022-06-22"),
             _citation(n=2, article_id="a2", source="Wire", published="2022-05-04")]
    claims = [DatedClaim(text="Rate at 4.5.", citations=[1], source="Desk",
                         published="2022-06-22"),
              DatedClaim(text="Rate at 3.", citations=[2], source="Wire",
                         published="2022-05-04", older=True)]
    html = answer_html(Answer(answer="Rate at 4.5. [1] Rate at 3. [2]", citations=cites,
                              claims=claims), turn=1)
    first, second = html.split("Rate at 3.")
    assert "(Desk, 2022-06-22)" in first and "older story" not in first
    assert '(Wire, 2022-05-04, <span class="nb-older">older story</span>)' in second
    assert claims[1].dateline == "[2] Wire, 4 May 2022 (older story)"


def test_a_decline_under_filters_names_them_and_offers_to_clear_them() -> None:
    declined = Answer(answer="The sources I have do not answer that.", declined=True)
    html = answer_html(declined, turn=1, filters=Filters(sources=["Gazette <x>"]))
    assert "Only articles from Gazette &lt;x&gt; were searched." in html
    assert 'class="nb-clear-filters"' in html
    assert "nb-clear-filters" not in answer_html(declined, turn=1)


def test_declined_answer_is_marked_and_searched_question_is_folded() -> None:
    declined = Answer(answer="The sources I have do not answer that.", declined=True,
                      standalone_question="capital of <Australia>?",
                      timings_ms={"total_ms": 1234.0})
    html = answer_html(declined, turn=1)
    assert 'class="nb-answer nb-declined"' in html
    assert "No answer in the sources" in html
    assert "<details" in html and "capital of &lt;Australia&gt;?" in html and "(1.23 s)" in html
    answered = answer_html(Answer(answer="Yes [1]", citations=[_citation()]), turn=1)
    assert 'class="nb-answer"' in answered and "nb-declined" not in answered


def test_declined_answer_folds_away_its_closest_passages_as_text() -> None:
    hostile = _hostile()
    declined = Answer(answer="The sources I have do not answer that.", declined=True,
                      closest=[hostile])
    html = answer_html(declined, turn=1)
    assert '<details class="nb-closest"><summary>Closest passages</summary>' in html
    assert all(tag not in {"script", "img"} for tag, _ in _Elements(html).tags)
    assert XSS_ARTICLE["text"][:30] in _Elements(html).text
    assert 'class="nb-cite"' not in html  # nothing in a decline is cited


def test_sources_panel_lists_every_answer_newest_first_with_unique_anchors() -> None:
    first = AnsweredTurn(1, "First?", Answer(answer="A [1]", citations=[_citation()]))
    second = AnsweredTurn(2, "Second <q>?", Answer(answer="B [1]", citations=[_citation()]))
    html = sources_html([first, second])
    assert html.index("Second &lt;q&gt;?") < html.index("First?")
    assert 'id="nb-src-2-1"' in html and 'id="nb-src-1-1"' in html
    assert "No source answered" in sources_html(
        [AnsweredTurn(1, "Q", Answer(answer="no", declined=True))])
    assert "Each [n]" in sources_html([])
