"""The one settings object: defaults < newsbot.toml < NEWSBOT_* environment < command-line flags.

Every component receives what it needs from here in its constructor; nothing else reads the
environment or a config file.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.feeds.config import FeedSettings, SourcesConfig
from index.feeds.fetch import FetchPolicy

DEFAULT_CONFIG_FILE = Path("newsbot.toml")
CONFIG_FILE_ENV = "NEWSBOT_CONFIG"
DEFAULT_EXAMPLE_QUESTIONS = (
    "What does Hamas require before hostage talks?",
    "Who is Taher Al-Nono?",
    "What did Joe Biden say about a second hostage deal?",
)
_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")
# "*", or a scheme and host (wildcard subdomains allowed) with an optional port, nothing else.
_ORIGIN = re.compile(r"^(\*|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?/?)$")
# A DNS name or an IPv4 / bracketed-or-bare IPv6 address, as it appears in a Host header.
_HOST_NAME = re.compile(r"^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[?[0-9A-Fa-f:.]+\]?)$")


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
    embedding_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="The bundled model's arithmetic: auto = bfloat16 on a CPU with "
        "bfloat16 instructions (AVX512-BF16, AMX; about 1.75x faster), float32 elsewhere.")
    torch_threads: int | None = Field(
        None, ge=1, description="CPU threads of the embedding model; unset = one per core. "
        "Set 1 when other busy processes share the cores.")

    # Retrieval.
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid", description="Dense + BM25 fused by reciprocal rank, or dense only.")
    reranker: str = Field(
        "learned", description='"learned" (the fitted ranker), "features" (hand-set weights), '
        '"none" or "cross-encoder:/path/to/model".')
    recency_half_life_days: float = Field(
        7.0, ge=0, description="Recency weight halves every N days; 0 turns it off.")
    keyword_sync_seconds: float = Field(
        5.0, ge=0, description="How often a question checks the store for new articles.")

    # Answer.
    answerer: Literal["extractive", "local", "openai"] = Field(
        "extractive", description="extractive (no LLM), local (the bundled model) or openai "
        "(any OpenAI-compatible endpoint).")
    max_question_chars: int = Field(2000, ge=10)
    candidates: int = Field(40, ge=1, le=500, description="Passages fetched before ranking.")
    passages: int = Field(8, ge=1, le=50, description="Passages the answerer reads.")
    max_answer_sentences: int = Field(3, ge=1, le=10)
    sentence_budget: int = Field(
        8, ge=1, le=200, description="Sentences the answerer encodes per question (the most "
        "promising by cheap signals); encoding them is most of an answer's time.")
    min_evidence: float = Field(
        0.35, description="Decline when the best sentence scores below this (0..1).")
    sentence_ranker: Literal["learned", "features"] = Field(
        "learned", description="Order answer sentences with the fitted model or the hand-set "
        "weights.")
    composition: Literal["coverage", "score"] = Field(
        "coverage", description="A further sentence joins when it covers a part of the question "
        "the earlier ones leave open (coverage), or when it scores close to the best (score).")
    fill_margin: float | None = Field(
        2.0, ge=0, description="Sentences scoring within this of the best join the answer "
        "(up to max_answer_sentences) when the ranker is that unsure; unset = coverage alone. "
        "In the learned sentence ranker's units; chosen by period cross-validation.")
    time_features: bool = Field(
        True, description="The ranker reads article age and the dates the question names.")
    furniture_filter: bool = Field(
        True, description="Captions, credits, links, crossheads and bylines are never answer "
        "sentences (and the ranker reads furniture flags).")
    entity_feature: bool = Field(
        True, description="The sentence ranker checks for an entity of the type asked for "
        "(spaCy, shortlisted sentences only).")
    reader: bool = Field(
        False, description="The fitted reader reads each shortlisted sentence beside the "
        "question; the sentence ranker and the answer-or-decline model weigh its score once "
        "refitted with it (benchmarks/fit_models.py).")
    reader_sentences: int = Field(
        6, ge=1, le=50, description="Shortlisted sentences the reader reads (the best by "
        "evidence); about 15 ms each on two cores.")
    decline_model: bool = Field(
        True, description="The fitted answer-or-decline model decides whether the best "
        "sentence answers; off = min_evidence alone.")
    models_dir: Path | None = Field(
        None, description="Folder of refitted models (ranker_passages.txt, "
        "ranker_sentences.txt, reader.safetensors, answerability.json); unset = the package's.")

    # Serve: the web chat, the HTTP API and the embeddable widget (`newsbot serve`).
    host: str = Field("127.0.0.1", description="Address `newsbot serve` listens on.")
    port: int = Field(7860, ge=1, le=65535)
    api_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Keys accepted in the X-API-Key header of /api/*; empty = no key needed.")
    rate_limit_per_minute: int = Field(
        60, ge=0, description="Questions per client and minute (API and chat); 0 = no limit.")
    rate_limit_storage: str = Field(
        "memory://", description="Where the rate limit counts live: memory:// (this process) "
        "or redis://host:port/db (shared by every serve process that uses it).")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins whose pages may call /api/* from a browser.")
    embed_origins: list[str] = Field(
        default_factory=list,
        description="Origins whose pages may show the chat in a frame (CSP frame-ancestors).")
    max_request_bytes: int = Field(
        1_000_000, ge=1000, description="Larger request bodies get a 413 before being read, "
        "on every path (an upload request may carry ten files of max_upload_bytes).")
    allowed_hosts: list[str] = Field(
        default_factory=list, description="Host names (the Host header) this server answers "
        "for besides the loopback names, e.g. [\"news.intranet.example\"]; guards against "
        "DNS rebinding. Empty on a server beyond loopback = any host, with a warning.")
    forwarded_allow_ips: list[str] = Field(
        default_factory=list, description="Addresses (or CIDR networks) of reverse proxies "
        "whose X-Forwarded-For and X-Forwarded-Proto are believed; empty = nobody's.")
    max_concurrent_answers: int = Field(
        2, ge=1, le=64, description="Chat answers computed at once; more wait in the queue.")
    feedback_file: Path | None = Field(
        None, description="JSONL file of thumbs up/down; unset = <data_dir>/feedback.jsonl.")
    watch_webhooks: list[str] = Field(
        default_factory=list, description="URLs every change of a watched question is POSTed "
        "to as JSON (the server's own list: never a URL a user gives).")
    watch_webhook_secret: SecretStr | None = Field(
        None, description="Signs each webhook body: X-Hub-Signature-256: sha256=<HMAC-SHA256>.")
    example_questions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXAMPLE_QUESTIONS),
        description="Questions the chat offers to click.")

    # Language model (answerer = local or openai).
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="Key for the endpoint, if any.")
    llm_timeout: float = Field(
        60.0, gt=0, le=3600,
        description="Seconds one answer may take before the extractive answer is used.")
    llm_condense_timeout: float = Field(
        20.0, gt=0, le=600, description="Seconds the model may take to rewrite a follow-up.")
    llm_max_tokens: int = Field(256, ge=16, le=8192, description="Longest reply, in tokens.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_sources: int | None = Field(
        None, ge=1, le=20, description="Numbered excerpts the model reads; unset = 3 for the "
        "local model (it reads ~70 tokens/s), 5 for an endpoint.")
    llm_source_chars: int | None = Field(
        None, ge=100, le=20_000, description="Longest excerpt in characters; unset = 300 for "
        "the local model, 800 for an endpoint.")
    local_model_dir: Path | None = Field(
        None, description="Where the bundled model is assembled; unset = <data_dir>/models.")
    local_context_tokens: int = Field(4096, ge=512, le=32_768)
    local_threads: int | None = Field(None, ge=1, description="CPU threads; unset = all cores.")

    # Sources: feeds and folders polled on a schedule (`newsbot watch`, `serve --watch`).
    sources_file: Path = Field(
        Path("sources.toml"), description="Feeds and folders to follow, when the file exists.")
    sources: SourcesConfig | None = Field(
        None, description="The same list as a [sources] table of newsbot.toml.")
    watch: bool = Field(False, description="`newsbot serve` polls the sources in the background.")
    retention_days: int | None = Field(
        None, ge=1, description="Drop articles published more than N days ago; unset = keep all.")
    fetch_timeout_seconds: float = Field(15.0, gt=0, le=300)
    fetch_max_bytes: int = Field(5_000_000, ge=10_000, description="Larger pages are refused.")
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    fetch_delay_seconds: float = Field(
        1.0, ge=0, description="Pause between two requests to one host (politeness).")
    fetch_allow_private_networks: bool = Field(
        False, description="Feeds added in the web UI may reach loopback, private and "
        "link-local addresses (intranet feeds); metadata addresses stay refused.")
    fetch_allowed_networks: list[str] = Field(
        default_factory=list, description="Private networks (CIDR) feeds added in the web UI "
        "may reach, e.g. [\"10.1.2.0/24\"]; sources.toml and the CLI are never restricted.")
    admin_keys: list[SecretStr] = Field(
        default_factory=list, description="Keys that unlock writing in the web UI's Sources "
        "tab; none = read-only unless the server listens on loopback only.")
    max_upload_bytes: int = Field(
        10_000_000, ge=1000, description="Larger files uploaded in the Library tab are refused.")

    # Evaluate.
    eval_store_dir: Path | None = Field(
        None, description="Where `newsbot eval --corpus` keeps one store per corpus; "
                          "unset = <data_dir>/eval-stores.")

    @field_validator("chroma_url", "llm_base_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: Any) -> Any:
        return value or None

    @field_validator("cors_origins", "embed_origins")
    @classmethod
    def _origins_are_plain(cls, values: list[str]) -> list[str]:
        """Origins end up in response headers: refuse anything that could smuggle a directive."""
        for value in values:
            if not _ORIGIN.match(value):
                raise ValueError(f"not an origin like https://intranet.example.com: {value!r}")
        return [value.rstrip("/") for value in values]

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, values: list[str]) -> list[str]:
        """Names compared with the Host header: a name or an address, no port, no scheme."""
        for value in values:
            if not _HOST_NAME.match(value):
                raise ValueError(f"not a host name like news.intranet.example: {value!r}")
        return [value.lower().strip("[]") for value in values]

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if value != "*":
                try:
                    ipaddress.ip_network(value.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"not an address or network like 10.0.0.5 or "
                                     f"10.0.0.0/24: {value!r}") from None
        return [value.strip() for value in values]

    @field_validator("rate_limit_storage")
    @classmethod
    def _limit_storage(cls, value: str) -> str:
        if value != "memory://" and not value.startswith(_REDIS_SCHEMES):
            raise ValueError("rate_limit_storage must be memory:// or a redis:// URL")
        return value

    @field_validator("fetch_allowed_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not a network like 10.1.2.0/24: {value!r}") from None
        return values

    @model_validator(mode="after")
    def _endpoint_for_openai(self) -> Settings:
        if self.answerer == "openai" and not self.llm_base_url:
            raise ValueError("answerer 'openai' needs llm_base_url (NEWSBOT_LLM_BASE_URL), "
                             "e.g. http://127.0.0.1:8080/v1")
        return self

    @property
    def store_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def keyword_path(self) -> Path:
        """The keyword index is a per-machine cache of the store, named after the index."""
        return self.data_dir / "keyword" / self.index_name

    @property
    def sources_state_path(self) -> Path:
        """Where each source's last poll, status and HTTP validators are kept."""
        return self.data_dir / "sources"

    @property
    def feed_settings(self) -> FeedSettings:
        """What following feeds and folders needs of these settings."""
        return FeedSettings(
            state_folder=self.sources_state_path, sources_file=self.sources_file,
            sources=self.sources, max_article_chars=self.max_article_chars,
            retention_days=self.retention_days,
            fetch=FetchPolicy(timeout=self.fetch_timeout_seconds, max_bytes=self.fetch_max_bytes,
                              max_redirects=self.fetch_max_redirects,
                              delay=self.fetch_delay_seconds),
            allow_private_networks=self.fetch_allow_private_networks,
            allowed_networks=tuple(self.fetch_allowed_networks))

    @property
    def watches_path(self) -> Path:
        """The watched questions and their changes (SQLite)."""
        return self.data_dir / "watches.sqlite3"

    @property
    def feedback_path(self) -> Path:
        return self.feedback_file or self.data_dir / "feedback.jsonl"

    @property
    def excerpts(self) -> tuple[int, int]:
        """How many excerpts the model reads, and how long each may be (see llm_sources)."""
        local = self.answerer == "local"
        return (self.llm_sources or (3 if local else 5),
                self.llm_source_chars or (300 if local else 800))

    @property
    def model_cache_path(self) -> Path:
        """Where the bundled local model is assembled (once; 1.1 GB)."""
        return self.local_model_dir or self.data_dir / "models"

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
