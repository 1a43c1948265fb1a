"""The Article model and the loaders that turn files on disk into Articles.

Every loader yields ``Loaded`` records instead of raising, so one unreadable file is reported
and skipped while the rest of a batch goes on (an ingest never aborts half-way because of one
bad input).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from index.dates import parse_day
from index.validation import describe

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

# A news article is at most a few hundred kB of text; anything far above is a dump, not an article.
DEFAULT_MAX_ARTICLE_CHARS = 2_000_000



class Article(BaseModel):
    """One news article, in the public article JSONL format (see README)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str | None = None
    url: str | None = None
    title: str = ""
    source: str = ""
    published: date | None = None
    authors: list[str] = Field(default_factory=list)
    text: str

    @field_validator("published", mode="before")
    @classmethod
    def _parse_published(cls, value: Any) -> date | None:
        """Accept ``YYYY-MM-DD`` and full ISO timestamps; keep only the day."""
        return parse_day(value)

    @field_validator("authors", mode="before")
    @classmethod
    def _authors_as_list(cls, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            # A TypeError here would escape validation and abort the whole file's ingest.
            raise ValueError("authors must be a list of names or a comma-separated string, "
                             f"not {type(value).__name__}")
        return [str(author) for author in value]

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        """An article without text has nothing to answer from: refuse it where it is read."""
        if not value.strip():
            raise ValueError("the article text is empty")
        return value

    @field_validator("id", "url", mode="before")
    @classmethod
    def _identity_as_text(cls, value: Any) -> str | None:
        if value in (None, ""):
            return None
        return str(value)

    def identity(self) -> str:
        """The article's identity: its id, else its URL, else a hash of its (cleaned) text."""
        if self.id:
            return self.id
        if self.url:
            return self.url
        return "sha1:" + hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Loaded:
    """What a loader produced for one input: an article, or the reason there is none."""

    origin: str
    article: Article | None = None
    error: str | None = None


class NotTextError(ValueError):
    """Raised for inputs that are not text at all (images, archives, executables)."""


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8, falling back to charset detection for legacy encodings.

    Newsroom exports still arrive in Windows-1252 or Latin-1; rejecting them would lose
    articles, so only input that no text encoding explains is refused.
    """
    if b"\x00" in data[:8192]:
        raise NotTextError("binary file (contains NUL bytes), not an article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise NotTextError("not text in any known encoding")
    return str(best)


def article_from_plain_text(text: str, article_id: str, url: str | None = None) -> Article:
    """A .txt/.md article: the first non-empty line is the title, the rest is the body."""
    lines = text.strip().splitlines()
    if not lines:
        raise ValueError("empty file")
    title = lines[0].lstrip("# ").strip()
    body = "\n".join(lines[1:]).strip()
    if not body:
        raise ValueError("no article text after the title line")
    return Article(id=article_id, url=url, title=title, text=body)


# A script or style element, to its end tag or, unclosed, to the end of the page.
_CODE_ELEMENT = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)


def article_from_html(html: str, article_id: str) -> Article:
    """Extract main text and metadata from an HTML page with trafilatura.

    Scripts, styles, navigation and event-handler attributes never reach the text: trafilatura
    keeps only the readable text of the main content, and script and style elements are cut
    out before it parses (broken markup, such as an unclosed ``<![CDATA[`` before a script,
    otherwise turns the script's code into text).
    """
    import trafilatura
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(
        _CODE_ELEMENT.sub(" ", html), with_metadata=True, favor_recall=True,
        include_comments=False, include_tables=False)
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        raise ValueError("no article text found in the HTML page")
    title = (doc.title or "").strip()
    body = (doc.text or "").strip()
    first_line, _, rest = body.partition("\n")
    if title and first_line.strip() == title and rest.strip():
        body = rest.strip()
    return Article(
        id=None if doc.url else article_id,
        url=doc.url or None,
        title=title,
        source=(doc.sitename or doc.hostname or "").strip(),
        published=doc.date or None,
        authors=doc.author or [],
        text=body,
    )


def _articles_from_records(records: Iterable[tuple[str, Any]]) -> Iterator[Loaded]:
    for origin, record in records:
        if not isinstance(record, dict):
            yield Loaded(origin, error="expected a JSON object with a 'text' field")
            continue
        try:
            yield Loaded(origin, article=Article.model_validate(record))
        except ValidationError as exc:
            yield Loaded(origin, error=describe(exc))


_TOO_DEEP = "malformed JSON: nested too deeply"


def load_json_text(text: str, origin: str, jsonl: bool) -> Iterator[Loaded]:
    """Articles from a JSON document (one object or a list) or from JSON lines."""
    if jsonl:
        records: list[tuple[str, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((f"{origin}:{number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                yield Loaded(f"{origin}:{number}", error=f"malformed JSON: {exc.msg}")
            except RecursionError:
                yield Loaded(f"{origin}:{number}", error=_TOO_DEEP)
        if not records and not text.strip():
            yield Loaded(origin, error="empty file: no JSON lines")
        yield from _articles_from_records(records)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Loaded(origin, error=f"malformed JSON at line {exc.lineno}: {exc.msg}")
        return
    except RecursionError:  # arrays or objects nested thousands deep
        yield Loaded(origin, error=_TOO_DEEP)
        return
    items = data if isinstance(data, list) else [data]
    if not items:
        yield Loaded(origin, error="no articles: the JSON list is empty")
    yield from _articles_from_records(
        (f"{origin}[{i}]" if isinstance(data, list) else origin, item)
        for i, item in enumerate(items)
    )


def _file_id(path: Path, root: Path) -> str:
    """A file's article id: its path under the ingest root, without the extension.

    Stable across runs, so editing the file and ingesting again replaces the article.
    """
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return relative.with_suffix("").as_posix()


def load_file(path: Path, root: Path | None = None, max_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
              ) -> Iterator[Loaded]:
    """Load one file of any supported type; never raises for bad content."""
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Loaded(origin, error=f"unsupported file type {suffix or '(none)'!r}; "
                                   f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
        return
    try:
        text = decode_text(path.read_bytes())
    except (OSError, NotTextError) as exc:
        yield Loaded(origin, error=str(exc))
        return
    if suffix in JSON_SUFFIXES:
        loaded: Iterable[Loaded] = load_json_text(text, origin, jsonl=suffix == ".jsonl")
    else:
        article_id = _file_id(path, root or path.parent)
        try:
            article = (article_from_html(text, article_id) if suffix in HTML_SUFFIXES
                       else article_from_plain_text(text, article_id))
            loaded = [Loaded(origin, article=article)]
        except (ValueError, ValidationError) as exc:
            loaded = [Loaded(origin, error=str(exc).splitlines()[0])]
    for item in loaded:
        if item.article is not None and len(item.article.text) > max_chars:
            yield Loaded(item.origin, error=f"article too long ({len(item.article.text):,} "
                                            f"characters; the limit is {max_chars:,})")
        else:
            yield item


def iter_files(path: Path) -> Iterator[Path]:
    """Supported files under a folder, recursively, in a stable order; hidden entries skipped.

    A symbolic link that leads out of the folder is skipped too: ingesting a shared drop
    folder must not read whatever file someone linked into it (another user's notes, keys).
    """
    root = path.resolve()
    for child in sorted(path.rglob("*")):
        if any(part.startswith(".") for part in child.relative_to(path).parts):
            continue
        if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES \
                and child.resolve().is_relative_to(root):
            yield child


def load_paths(paths: Iterable[Path], max_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
               ) -> Iterator[Loaded]:
    """Load files and folders (recursively) given on the command line."""
    for path in paths:
        if path.is_dir():
            for file in iter_files(path):
                yield from load_file(file, root=path, max_chars=max_chars)
        elif path.exists():
            yield from load_file(path, root=path.parent, max_chars=max_chars)
        else:
            yield Loaded(str(path), error="no such file or folder")
