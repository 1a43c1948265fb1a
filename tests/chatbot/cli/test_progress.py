"""What ingest prints while it works, and --help texts printed whole."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from chatbot.cli.common import Bar, progress_line
from tests.chatbot.cli.test_cli import newsbot
from tests.conftest import SEEDS


def test_progress_line_names_articles_rate_and_time_left() -> None:
    line = progress_line(120, 1980, 960, 20.0, "article")
    assert line == ("120/1980 articles (6%), 960 passages, 48.0 passages/s, 0:00:20 elapsed, "
                    "ETA 0:05:10")
    assert progress_line(5, 5, 40, 2.0, "article").endswith("done")


def test_bar_prints_a_line_on_a_timer_when_output_is_not_a_terminal(
        capsys: pytest.CaptureFixture[str]) -> None:
    bar = Bar(100, every=0.1)
    bar.advance(3, passages=30)
    time.sleep(0.35)  # no article finishes meanwhile: the timer still reports
    bar.advance(2, passages=20)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 3
    assert lines[0].startswith("3/100 articles (3%), 30 passages,") and "ETA" in lines[0]
    assert lines[-1].startswith("5/100 articles (5%), 50 passages,")


def test_ingest_into_a_log_file_says_it_loads_the_model_then_reports_progress(
        tmp_path: Path) -> None:
    result = newsbot("ingest", str(SEEDS), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Loading the embedding model…"
    assert re.fullmatch(r"Loading the embedding model: done in \d+\.\d s", lines[1])
    assert re.match(r"1/1 articles \(100%\), \d+ passages, [\d.]+ passages/s, .*done$",
                    lines[2])


@pytest.mark.parametrize(("command", "text"), [
    ("serve", "Address to listen on [default: 127.0.0.1]."),
    ("serve", "Port [default: 7860]."),
    ("ingest", "sources.toml / [sources]."),
])
def test_help_keeps_bracketed_text(tmp_path: Path, command: str, text: str) -> None:
    result = newsbot(command, "--help", cwd=tmp_path)
    assert text in " ".join(result.stdout.split())
