"""The README and docs/ show what works: every Python snippet and every one-shot ``newsbot``
command (ask, articles, eval) in them runs, as written, on a copy of the seed store.

Commands that need what a reader brings (their own ``--data-dir``, a language model through
``--answerer``) are left out; the Python snippets talk to a real ``newsbot serve`` app on
127.0.0.1, at its own port instead of 7860.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chatbot.web.conftest import RunningApp, serve_app
from tests.conftest import REPO, make_settings

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
ONE_SHOT = {"ask", "articles", "eval"}
# Global options that take a value, before the command's name.
_VALUED = {"--config", "--data-dir", "--chroma-url", "--answerer"}
_NOT_RUN = {"--data-dir", "--answerer"}  # the reader's own store or model


def code_blocks(language: str) -> list[tuple[str, str]]:
    """(where, code) of every fenced block in ``language`` on every page."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(rf"^```{language}\n(.*?)^```", text, re.M | re.S):
            line = text[:match.start()].count("\n") + 1
            found.append((f"{page.relative_to(REPO)}:{line}", match[1]))
    return found


def commands() -> list[tuple[str, list[str]]]:
    """Every one-shot command of the bash blocks, as its arguments after ``newsbot``."""
    found = []
    for where, code in code_blocks("bash"):
        for line in code.replace("\\\n", " ").splitlines():
            if not line.split() or Path(line.split()[0]).name != "newsbot":
                continue  # (a curl command's JSON may span lines: only newsbot's are read)
            args = shlex.split(line, comments=True)[1:]
            i = 0
            while i < len(args) and args[i] in _VALUED:
                i += 2
            if i < len(args) and args[i] in ONE_SHOT and not _NOT_RUN & set(args[:i]):
                found.append((where, args))
    return found


def test_the_pages_show_commands_and_snippets_to_run() -> None:
    shown = {args[0] for _, args in commands()}
    assert shown == ONE_SHOT
    assert len(code_blocks("python")) >= 3  # the OpenAI client, the MCP client, llama-index


@pytest.fixture(scope="module")
def store(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed store: `eval --corpus` adds a store of its own beside it."""
    copy = tmp_path_factory.mktemp("docs") / "data"
    shutil.copytree(seeded_dir, copy)
    return copy


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[RunningApp]:
    app = serve_app(make_settings(store))
    yield app
    app.stop()


def _env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    return {**env, "NEWSBOT_DATA_DIR": str(store), "HF_HUB_OFFLINE": "1"}


@pytest.mark.parametrize(("where", "args"), commands(), ids=lambda v: str(v))
def test_a_command_shown_runs_as_written(where: str, args: list[str], store: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "chatbot.cli", *args], cwd=REPO,
                            env=_env(store), capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"{where}: newsbot {shlex.join(args)}\n{result.stderr}"
    assert result.stdout.strip()


@pytest.mark.parametrize(("where", "code"), code_blocks("python"), ids=lambda v: str(v)[:40])
def test_a_python_snippet_shown_runs_as_written(where: str, code: str, store: Path,
                                               server: RunningApp,
                                               tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(code.replace("http://127.0.0.1:7860", server.url), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, timeout=600,
                            env={**_env(store), "PYTHONPATH": str(REPO)},
                            capture_output=True, text=True)
    assert result.returncode == 0, f"{where}\n{result.stderr[-3000:]}"
    if any(word in code for word in ("7860", "newsbot", "chatbot")):  # it asks newsbot
        assert "[1]" in result.stdout or "Taher Al-Nono" in result.stdout, result.stdout
