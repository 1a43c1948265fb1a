"""The terminal reads like a chat: each source once, on one line, dated once; whole passages
only with --passages (ask) or /sources (chat)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from chatbot.service import ChatService
from tests.conftest import REPO, SEED_QUESTION

SOURCE_LINE = re.compile(r"^(\[\d+\])+ 'Very serious' negotiations ongoing for new Gaza truce "
                         r"— undated$", re.MULTILINE)


def newsbot(seeded_dir: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "--data-dir", str(seeded_dir), *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ask_shows_each_source_once_and_its_passages_only_when_asked(
        seeded_dir: Path, seeded_service: ChatService) -> None:
    answer = seeded_service.ask(SEED_QUESTION).model_dump()
    assert len(answer["citations"]) > 1  # several passages of the one seed article
    # A sentence of a cited passage that the answer does not use: shown with the passages only.
    unused = next(line.strip() for c in answer["citations"] for line in c["passage"].split("\n")
                  if line.strip() and line.strip() not in answer["answer"])
    plain = newsbot(seeded_dir, "ask", SEED_QUESTION)
    assert answer["answer"] in plain
    assert len(SOURCE_LINE.findall(plain)) == 1 and plain.count("undated") == 1
    assert "outlet unknown" not in plain and unused not in plain
    assert plain.rstrip().endswith("— undated")  # nothing under it: the answer quotes it
    with_passages = newsbot(seeded_dir, "ask", "--passages", SEED_QUESTION)
    assert unused in with_passages


def test_a_three_turn_chat_stays_short_and_sources_shows_the_passages(seeded_dir: Path) -> None:
    turns = [SEED_QUESTION, "What is Hamas's position on a temporary truce?",
             "And what about Israel?"]
    output = newsbot(seeded_dir, "chat", stdin="\n".join(turns) + "\n/sources\n")
    chat, sources, _ = output.rsplit("you> ", 2)  # the three turns; /sources; the end
    assert chat.count("\nSources\n") == 3 and chat.count("undated") == 3
    assert "outlet unknown" not in chat and len(chat.splitlines()) < 30
    assert "limited humanitarian truce" not in chat  # a passage's text, not an answer's
    assert "limited humanitarian truce" in sources
