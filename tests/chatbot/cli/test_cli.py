"""The command line as a user runs it: ingest, ask, articles, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED_QUESTION, SEEDS


def newsbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatbot.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_ingest_then_ask_prints_answer_and_numbered_sources(tmp_path: Path) -> None:
    ingest = newsbot("ingest", str(SEEDS), cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 failed" in ingest.stdout
    assert (tmp_path / ".newsbot" / "chroma").is_dir()  # the default store location
    again = newsbot("ingest", "--json", str(SEEDS), cwd=tmp_path)
    assert json.loads(again.stdout)["unchanged"] == 1
    ask = newsbot("ask", SEED_QUESTION, cwd=tmp_path)
    assert ask.returncode == 0, ask.stderr
    assert "military campaign in Gaza" in ask.stdout and "[1]" in ask.stdout
    assert "Sources" in ask.stdout and "'Very serious' negotiations" in ask.stdout
    listing = newsbot("articles", cwd=tmp_path)
    assert "000_795694ea5ffbf6dd" in listing.stdout and "1 articles" in listing.stdout


def test_ingest_reports_failures_and_exits_nonzero(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = newsbot("ingest", str(tmp_path / "empty.txt"), str(SEEDS), cwd=tmp_path)
    assert result.returncode == 1
    assert "1 added" in result.stdout and "empty file" in result.stderr


def test_bad_question_and_bad_date_give_clear_errors(tmp_path: Path) -> None:
    empty = newsbot("ask", "  ", cwd=tmp_path)
    assert empty.returncode == 2 and "question is empty" in empty.stderr
    bad_date = newsbot("ask", "Who?", "--since", "last week", cwd=tmp_path)
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    assert "Traceback" not in empty.stderr + bad_date.stderr


def test_settings_from_environment_reach_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "ingest", str(SEEDS)], capture_output=True,
        text=True, cwd=tmp_path, timeout=300,
        env={"PATH": "/usr/bin:/bin", "NEWSBOT_DATA_DIR": str(tmp_path / "elsewhere"),
             "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "chroma").is_dir()


def test_ingesting_an_article_with_an_overlong_sentence_prints_no_tokenizer_warning(
        tmp_path: Path) -> None:
    # One "sentence" of about 470 word-pieces: the chunker must measure it to cut it.
    sentence = ", ".join(f"item {n} of the council's long list of amendments" for n in range(45))
    article = {"id": "long-1", "title": "Amendments", "text": f"{sentence}.\n\nThe end came."}
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps(article) + "\n")
    result = newsbot("ingest", str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout
    assert "Token indices sequence length" not in result.stdout + result.stderr
    assert "maximum sequence length" not in result.stdout + result.stderr
