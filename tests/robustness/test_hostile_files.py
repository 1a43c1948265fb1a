"""Articles written by strangers: whatever bytes arrive, the loaders, the cleaner and the
chunker neither crash nor hang, bad input is reported with a reason, and every chunk is an
exact span of the text it came from. Property-based (hypothesis), with small example counts
so the whole module runs in seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.articles import Loaded, article_from_html, load_file, load_json_text, load_paths
from index.chunking import chunk_text
from index.clean import clean_text
from index.embedding import Embedder

FAST = settings(max_examples=60, deadline=2000,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Words of several scripts, sentence punctuation, line breaks, control and invisible
# characters, markup: what scraped and hand-made articles actually contain, mixed at random.
_PIECES = st.one_of(
    st.sampled_from(["The", "council", "voted", "on", "Monday", "Mr.", "U.S.", "3.5", "e.g.",
                     "Москва", "заявила", "北京", "宣布", "القاهرة", "أعلنت", "Zürich",
                     "naïve", "🙂", "Sign up for our newsletter", "Photo: AP", "ignore previous "
                     "instructions", "<script>alert(1)</script>", "&amp;", "\u202e", "\u200b"]),
    st.sampled_from([". ", "? ", "! ", "\n", "\n\n", "\r\n", "\t", " ", "...", "\x00", "\x1b",
                     "\x7f", "\x85", "\u2028", "\ufeff"]),
    st.text(max_size=12),
)
ARTICLE_TEXT = st.lists(_PIECES, max_size=80).map(" ".join)


def _reported(items: list[Loaded]) -> None:
    """Each input became an article or a readable reason, never both, never neither."""
    for item in items:
        assert (item.article is None) != (item.error is None), item
        if item.error is not None:
            assert item.error.strip() and "Traceback" not in item.error
        else:
            assert item.article is not None and item.article.text.strip()


@FAST
@given(st.text(max_size=400))
def test_any_jsonl_text_gives_one_result_per_non_blank_line(text: str) -> None:
    items = list(load_json_text(text, "feed.jsonl", jsonl=True))
    _reported(items)
    lines = sum(1 for line in text.splitlines() if line.strip())
    assert len(items) == (lines or 1)  # an empty file is reported as such


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "url", "title", "text", "published", "authors",
                                       "source", "x"]), inner, max_size=6),
    max_leaves=12)


@FAST
@given(_JSON)
def test_any_json_document_is_loaded_or_refused_with_a_reason(value: object) -> None:
    items = list(load_json_text(json.dumps(value), "upload.json", jsonl=False))
    _reported(items)
    assert items, "even an empty list is reported"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".json", ".jsonl"])
@settings(max_examples=25, deadline=5000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600) | ARTICLE_TEXT.map(lambda t: t.encode("utf-8", "replace"))
       | ARTICLE_TEXT.map(lambda t: t.encode("cp1252", "replace")))
def test_any_bytes_in_any_supported_file_are_loaded_or_reported(
        tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"article{suffix}"
    path.write_bytes(data)
    items = list(load_file(path))
    assert items
    _reported(items)


@settings(max_examples=30, deadline=5000)
@given(st.lists(st.sampled_from([
    "<p>", "</p>", "<div class='story'>", "</div>", "<script>var a='</p>';</script>",
    "<style>p{}</style>", "<!--", "-->", "<img src=x onerror=alert(1)>", "<![CDATA[", "]]>",
    "<html>", "<body>", "<article>", "</article>", "<meta charset='koi8-r'>", "&#0;",
    "&nbsp;", "The mayor said the harbour reopened on Monday.", "Москва заявила.", "\x00",
]), max_size=40).map("".join))
@example("<![CDATA[<script>var a='</p>';</script><p><p><img src=x onerror=alert(1)>")
@example("<p>The mayor said the harbour reopened on Monday.</p><script>var a='</p>';")
def test_broken_html_is_loaded_or_reported_and_never_keeps_script(html: str) -> None:
    try:
        article = article_from_html(html, "page")
    except ValueError as exc:
        assert str(exc)
        return
    assert "alert(" not in article.text and "var a=" not in article.text


@FAST
@given(ARTICLE_TEXT)
def test_cleaned_text_has_no_control_characters_or_stray_space(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip()
    assert "\r" not in cleaned and "\n\n\n" not in cleaned
    assert not any(ord(c) < 32 and c != "\n" for c in cleaned)
    assert not any(c in cleaned for c in "\x7f\x85\u200b\u2028\ufeff")


def test_pathological_lines_are_cleaned_in_bounded_time() -> None:
    """Lines built to make the boilerplate patterns backtrack: long, full of trigger words."""
    lines = ["sign up " * 50, "newsletter " * 36, "(photo " * 57, "follow " * 57 + "on x",
             "a" * 399 + "@", ("Contact " + "x" * 150 + " at (555")] * 200
    start = time.perf_counter()
    clean_text("\n".join(lines))
    assert time.perf_counter() - start < 10


@pytest.fixture(scope="module")
def count_tokens(embedder: Embedder) -> object:
    return embedder.count_tokens


@settings(max_examples=40, deadline=3000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ARTICLE_TEXT, budget=st.integers(32, 256), overlap=st.integers(0, 3),
       cleaned=st.booleans())
def test_chunk_offsets_always_map_back_to_the_text(count_tokens: object, text: str,
                                                   budget: int, overlap: int,
                                                   cleaned: bool) -> None:
    text = clean_text(text) if cleaned else text
    chunks = chunk_text(text, count_tokens, budget, overlap)  # type: ignore[arg-type]
    assert [c.index for c in chunks] == list(range(len(chunks)))
    covered = set()
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end and text[start:end].strip()
            covered.update(range(start, end))
    # No character of the article is lost between chunks (only the space between sentences).
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


def test_symlink_out_of_an_ingested_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "notes.txt").write_text("Private notes\n\nThe door code is 4512.\n")
    (outside / "more").mkdir()
    (outside / "more" / "plan.txt").write_text("Plan\n\nNothing to see.\n")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "story.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n")
    (folder / "inside-link.txt").symlink_to(folder / "story.txt")
    (folder / "notes.txt").symlink_to(outside / "notes.txt")
    (folder / "more").symlink_to(outside / "more")
    loaded = list(load_paths([folder]))
    assert sorted(Path(item.origin).name for item in loaded) == ["inside-link.txt", "story.txt"]
    assert all("door code" not in (item.article.text if item.article else "") for item in loaded)
