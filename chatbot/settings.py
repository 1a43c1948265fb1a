"""The one settings object: defaults < newsbot.toml < NEWSBOT_* environment < command-line flags.

Every component receives what it needs from here in its constructor; nothing else reads the
environment or a config file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("newsbot.toml")
CONFIG_FILE_ENV = "NEWSBOT_CONFIG"


class Settings(BaseSettings):
    """Everything a deployment can change. See the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", extra="forbid",
                                      validate_default=True)

    # Where the index lives.
    data_dir: Path = Field(Path(".newsbot"), description="Folder of the embedded Chroma store.")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded store.")
    index_name: str = Field("newsbot", description="Prefix of the Chroma collections.")

    # Ingest.
    embedding_model: Path | None = Field(
        None, description="Folder of a sentence-transformers model; unset = bundled MiniLM.")
    chunk_tokens: int = Field(200, ge=32, le=256,
                              description="Chunk budget in model word-pieces (MiniLM reads 256).")
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)
    max_article_chars: int = Field(2_000_000, ge=1000)

    # Retrieval.
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid", description="Dense + BM25 fused by reciprocal rank, or dense only.")
    reranker: str = Field(
        "features", description='"features", "none" or "cross-encoder:/path/to/model".')
    recency_half_life_days: float = Field(
        7.0, ge=0, description="Recency weight halves every N days; 0 turns it off.")
    keyword_sync_seconds: float = Field(
        5.0, ge=0, description="How often a question checks the store for new articles.")

    # Answer.
    answerer: Literal["extractive"] = "extractive"
    max_question_chars: int = Field(2000, ge=10)
    candidates: int = Field(40, ge=1, le=500, description="Passages fetched before ranking.")
    passages: int = Field(8, ge=1, le=50, description="Passages the answerer reads.")
    max_answer_sentences: int = Field(3, ge=1, le=10)
    min_evidence: float = Field(
        0.35, description="Decline when the best sentence scores below this (0..1).")

    @field_validator("chroma_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: Any) -> Any:
        return value or None

    @property
    def store_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def keyword_path(self) -> Path:
        """The keyword index is a per-machine cache of the store, named after the index."""
        return self.data_dir / "keyword" / self.index_name

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from a config file (given, else $NEWSBOT_CONFIG, else ./newsbot.toml when it
    exists), the environment and ``overrides``.

    Overrides that are None are ignored, so unset command-line flags do not mask the file or
    the environment.
    """
    path = config_file or Path(os.environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)
    if (config_file or os.environ.get(CONFIG_FILE_ENV)) and not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")

    class SettingsFromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    given = {key: value for key, value in overrides.items() if value is not None}
    return SettingsFromFile(**given)
