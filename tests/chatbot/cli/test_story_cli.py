"""`newsbot timeline` and `newsbot watches` as a user runs them, over the Port Elms strike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.chatbot.cli.test_cli import newsbot
from tests.story_articles import STRIKE_TOPIC


def test_timeline_prints_the_dated_developments_and_the_json_contract(
        tmp_path: Path, story_dir: Path) -> None:
    shown = newsbot("--data-dir", str(story_dir), "timeline", STRIKE_TOPIC, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("Latest: 15 Mar 2024, Harbour Times: The Port Elms dock strike")
    assert lines[2].startswith("- 15 Mar 2024") and lines[4].startswith("- 29 Feb 2024, Elms")
    assert "also reported by 2 outlets (Harbour Times, Coast Daily)" in lines[4]
    assert "Sources" in shown.stdout and "[5] Port Elms strike — Coast Daily" in shown.stdout
    as_json = newsbot("--data-dir", str(story_dir), "timeline", STRIKE_TOPIC, "--json",
                      "--as-of", "2024-03-10", "--source", "Elms Gazette", cwd=tmp_path)
    body = json.loads(as_json.stdout)
    assert set(body) == {"topic", "as_of", "entries", "declined"}
    assert body["as_of"] == "2024-03-10"
    assert [e["date"] for e in body["entries"]] == ["2024-03-08", "2024-02-29"]


def test_watches_are_added_checked_and_removed(tmp_path: Path, story_dir: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(story_dir, data)
    added = newsbot("--data-dir", str(data), "watches", "add",
                    "How did the Port Elms dock strike end?", "--json", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    watch = json.loads(added.stdout)
    assert "6 percent pay rise" in watch["answer"]
    checked = newsbot("--data-dir", str(data), "watches", "check", cwd=tmp_path)
    assert checked.returncode == 0 and "0 watch(es) changed" in checked.stdout
    assert newsbot("--data-dir", str(data), "watches", "remove", watch["id"],
                   cwd=tmp_path).returncode == 0
    listed = newsbot("--data-dir", str(data), "watches", "list", cwd=tmp_path)
    assert "no watches" in listed.stdout
