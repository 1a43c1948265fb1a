"""The sources a deployment follows: feeds and folders, from sources.toml or newsbot.toml.

```toml
interval_minutes = 30            # default poll interval

[[feed]]
url = "https://example.com/rss.xml"
label = "Example Times"          # the outlet name shown in citations
interval_minutes = 10

[[folder]]
path = "/srv/newsroom/exports"
```

In newsbot.toml the same keys sit under ``[sources]`` (``[[sources.feed]]``...).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from index.feeds.fetch import FetchPolicy
from index.validation import describe

SourceKind = Literal["feed", "folder"]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str = Field("", max_length=200)
    interval_minutes: float | None = Field(None, gt=0)


class FeedSource(_Entry):
    url: str

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"a feed URL must start with http:// or https://, got {value!r}")
        return value


class FolderSource(_Entry):
    path: Path


class SourcesConfig(BaseModel):
    """The ``[sources]`` table, or a whole sources.toml."""

    model_config = ConfigDict(extra="forbid")

    interval_minutes: float = Field(30.0, gt=0)
    feed: list[FeedSource] = Field(default_factory=list)
    folder: list[FolderSource] = Field(default_factory=list)


class SourcesFileError(ValueError):
    """sources.toml cannot be read; the message names the file and the problem."""


def load_sources_file(path: Path) -> SourcesConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesFileError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{path} is not valid TOML: {exc}") from None
    try:
        return SourcesConfig.model_validate(data)
    except ValidationError as exc:
        raise SourcesFileError(f"{path}: {describe(exc)}") from None


@dataclass(frozen=True)
class FeedSettings:
    """What following sources needs from the deployment's settings (and nothing else)."""

    state_folder: Path
    sources_file: Path
    sources: SourcesConfig | None
    max_article_chars: int
    retention_days: int | None
    fetch: FetchPolicy
    # Feeds added on the web may reach private addresses (all of them, or these networks).
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()
