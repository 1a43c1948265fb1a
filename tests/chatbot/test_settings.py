"""Settings precedence: defaults < newsbot.toml < NEWSBOT_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chatbot.settings import load_settings


def test_each_layer_overrides_the_one_below(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            ) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().passages == 8
    Path("newsbot.toml").write_text("passages = 5\ncandidates = 30\nmax_answer_sentences = 2\n")
    assert (load_settings().passages, load_settings().candidates) == (5, 30)
    monkeypatch.setenv("NEWSBOT_PASSAGES", "6")
    monkeypatch.setenv("NEWSBOT_CANDIDATES", "25")
    settings = load_settings()
    assert (settings.passages, settings.candidates, settings.max_answer_sentences) == (6, 25, 2)
    flagged = load_settings(passages=7, candidates=None)
    assert (flagged.passages, flagged.candidates) == (7, 25)


def test_config_file_can_be_named_and_must_exist(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text('index_name = "desk"\n')
    assert load_settings(config_file=config).index_name == "desk"
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_settings(config_file=tmp_path / "missing.toml")


def test_unknown_and_invalid_settings_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("pasages = 5\n")
    with pytest.raises(ValidationError, match="pasages"):
        load_settings(config_file=config)
    with pytest.raises(ValidationError, match="chunk_tokens"):
        load_settings(chunk_tokens=4096)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_the_embedding_precision_setting_reaches_the_services_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, precision: str) -> None:
    from chatbot.service import create_service

    monkeypatch.setenv("NEWSBOT_EMBEDDING_PRECISION", precision)
    service = create_service(load_settings(config_file=None, data_dir=tmp_path))
    assert service.embedder.model.precision == precision
    with pytest.raises(ValidationError):
        load_settings(config_file=None, data_dir=tmp_path, embedding_precision="float16")
