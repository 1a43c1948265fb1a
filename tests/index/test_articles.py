"""Loaders on the seed article and on hostile input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from index.articles import Article, load_file, load_paths
from tests.conftest import SEED_FILE, SEEDS


def _one(path: Path, **kwargs: object):
    results = list(load_file(path, **kwargs))  # type: ignore[arg-type]
    assert len(results) == 1
    return results[0]


def test_seed_text_file_title_is_first_line_and_id_is_file_name() -> None:
    loaded = _one(SEED_FILE)
    assert loaded.error is None and loaded.article is not None
    assert loaded.article.title == "'Very serious' negotiations ongoing for new Gaza truce"
    assert loaded.article.id == "000_795694ea5ffbf6dd"
    assert loaded.article.text.startswith("File photo")


def test_folder_is_read_recursively_with_ids_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "world" / "mideast").mkdir(parents=True)
    (tmp_path / "world" / "mideast" / "truce.md").write_text("# Truce\n\nTalks go on.\n")
    (tmp_path / "top.txt").write_text("Top story\nSomething happened today.\n")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_text("Hidden\nNot an article.\n")
    ids = sorted(r.article.id for r in load_paths([tmp_path]) if r.article)
    assert ids == ["top", "world/mideast/truce"]


def test_jsonl_malformed_line_is_reported_and_the_rest_loaded(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    good = {"id": "a1", "title": "T", "source": "Wire", "published": "2024-02-01T10:00:00Z",
            "authors": ["A. Writer"], "text": "Body text."}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({"title": "no text"}) + "\n"
                    + json.dumps({"text": "x", "published": "yesterday"}) + "\n")
    results = list(load_file(path))
    assert results[1].article == Article(**{**good, "published": date(2024, 2, 1)})
    errors = {r.origin.rsplit(":", 1)[1]: r.error for r in results if r.error}
    assert "malformed JSON" in errors["2"]
    assert "text" in errors["3"] and "Field required" in errors["3"]
    assert "YYYY-MM-DD" in errors["4"]


def test_json_list_of_articles(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([{"url": "https://ex.com/a", "text": "One."}, {"text": "Two."}]))
    articles = [r.article for r in load_file(path)]
    assert [a.identity() for a in articles if a][0] == "https://ex.com/a"
    assert articles[1] is not None and articles[1].identity().startswith("sha1:")


def test_empty_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("")
    assert _one(path).error == "empty file"


def test_binary_file_is_reported_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 20)
    assert "binary" in (_one(path).error or "")


def test_non_utf8_text_is_decoded_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Café talks resume\nThe minister’s café meeting in Zürich went well — "
                     "délégués agreed.\n".encode("cp1252"))
    loaded = _one(path)
    assert loaded.article is not None
    assert loaded.article.title == "Café talks resume"
    assert "Zürich" in loaded.article.text and "minister’s" in loaded.article.text


def test_article_over_the_size_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("Huge\n" + ("All work and no play makes a dull story. " * 130_000))
    assert path.stat().st_size > 5_000_000
    error = _one(path).error or ""
    assert "too long" in error and "5,329,999 characters" in error


def test_html_main_text_and_metadata_without_scripts_or_handlers(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("""<html><head><title>Ignored site title</title>
      <meta name="author" content="Jane Doe">
      <meta property="article:published_time" content="2024-01-05T10:00:00Z">
      <meta property="og:site_name" content="Example News">
      <link rel="canonical" href="https://example.com/news/ceasefire"></head>
      <body><nav>Home | World | Sport</nav><article><h1>Ceasefire talks resume in Cairo</h1>
      <p>Negotiators met in Cairo on Wednesday to discuss a new truce and the release of
      detainees, officials said.</p><script>window.pwned = true; alert('x')</script>
      <p onclick="steal()">Mediators hope for progress <img src=x onerror="window.pwned=1">
      within days, according to two people familiar with the talks.</p></article>
      <footer>Cookie settings</footer></body></html>""")
    article = _one(path).article
    assert article is not None
    assert article.title == "Ceasefire talks resume in Cairo"
    assert article.url == "https://example.com/news/ceasefire"
    assert article.published == date(2024, 1, 5)
    assert article.authors == ["Jane Doe"] and article.source == "Example News"
    assert "Negotiators met in Cairo" in article.text
    for payload in ("pwned", "alert", "steal", "onerror", "<", "Home | World"):
        assert payload not in article.text


def test_missing_path_and_unsupported_type_are_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK")
    results = list(load_paths([tmp_path / "nope.txt", tmp_path / "notes.docx"]))
    assert [r.error for r in results][0] == "no such file or folder"
    assert "unsupported file type '.docx'" in (results[1].error or "")


def test_every_seed_file_loads() -> None:
    assert all(r.article for r in load_paths([SEEDS]))
