"""Connecting to Chroma: embedded on disk, or a Chroma server over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from index.store.errors import StoreUnavailableError


def open_client(path: Path | None = None, url: str | None = None) -> Any:
    """A Chroma client: HTTP when a server URL is given, else embedded on disk at ``path``."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        if not parsed.hostname:
            raise ValueError(f"not a Chroma server URL: {url!r}")
        try:
            return chromadb.HttpClient(
                host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 80),
                ssl=parsed.scheme == "https", settings=settings)
        except Exception as exc:
            raise StoreUnavailableError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    if path is None:
        raise ValueError("either a store folder or a Chroma server URL is needed")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)
