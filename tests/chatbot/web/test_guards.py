"""API keys, client identity, the feedback file and the web settings' validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from chatbot.web.feedback import Feedback, FeedbackLog
from chatbot.web.security import KeyChecker, client_id
from tests.conftest import make_settings


def test_any_configured_key_is_accepted_and_nothing_else() -> None:
    keys = KeyChecker([SecretStr("alpha-key"), SecretStr("beta-key")])
    assert keys.required
    assert keys.accepts("alpha-key") and keys.accepts("beta-key")
    for wrong in (None, "", "alpha", "alpha-key ", "ALPHA-KEY", "beta-keyx"):
        assert not keys.accepts(wrong), wrong
    assert KeyChecker([]).accepts(None)


def test_clients_are_told_apart_by_key_else_address_and_keys_are_not_kept() -> None:
    assert client_id("10.0.0.1") == "ip:10.0.0.1"
    by_key = client_id("10.0.0.1", "secret-key")
    assert by_key.startswith("key:") and "secret" not in by_key
    assert by_key == client_id("10.0.0.2", "secret-key")


def test_feedback_is_appended_one_json_line_per_verdict(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "deep" / "feedback.jsonl")
    rating = Feedback(rating="down", question="Q?", answer="A [1]", article_ids=["a1"])
    log.append(rating)
    log.append(rating.model_copy(update={"comment": "Wrong year"}))
    lines = (tmp_path / "deep" / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(line)["comment"] for line in lines] == ["", "Wrong year"]
    assert [f.id for f in log.read()] == [rating.id, rating.id]


def test_web_settings_default_and_refuse_header_injection(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, embed_origins=["https://intranet.example.com/"],
                             cors_origins=["https://*.example.com", "http://127.0.0.1:8080"])
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)
    assert settings.embed_origins == ["https://intranet.example.com"]
    assert settings.feedback_path == tmp_path / "feedback.jsonl"
    assert "What does Hamas require before hostage talks?" in settings.example_questions
    for bad in ("https://a.example.com; script-src *", "intranet.example.com",
                "https://a.example.com/path", "javascript:alert(1)"):
        with pytest.raises(ValidationError, match="not an origin"):
            make_settings(tmp_path, embed_origins=[bad])


def test_host_names_and_proxy_addresses_are_validated(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allowed_hosts=["News.Intranet.Example", "[::1]"],
                             forwarded_allow_ips=["10.0.0.5", "10.1.0.0/16"])
    assert settings.allowed_hosts == ["news.intranet.example", "::1"]
    assert settings.forwarded_allow_ips == ["10.0.0.5", "10.1.0.0/16"]
    assert make_settings(tmp_path).forwarded_allow_ips == []  # nobody's forwarded headers
    for bad in ("news.example:8080", "https://news.example", "a b"):
        with pytest.raises(ValidationError, match="not a host name"):
            make_settings(tmp_path, allowed_hosts=[bad])
    with pytest.raises(ValidationError, match="not an address or network"):
        make_settings(tmp_path, forwarded_allow_ips=["proxy.example"])
