"""Uploads through Gradio's own endpoints on the real server, called as an attacker would: an
event naming a server file (or a link to one) reads nothing and copies nothing, only files
Gradio's upload endpoint received are ingested (then removed from its cache), the endpoint
takes files only from whoever may write, and every body is limited before it is read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio.utils import get_upload_folder

from tests.chatbot.web.conftest import ADMIN_KEY, RunningApp
from tests.chatbot.web.gradio_calls import event_text, file_data, run_event, upload_files

STORY = (b"Harbour reopens\n\nThe harbour of Port Elms reopened on Monday after three weeks of "
         b"storm repairs, the harbour master said.\n")


@pytest.fixture
def secret(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A server file nobody uploaded, with a sentence found nowhere else."""
    sentence = f"The vault code of the Elms harbour office is {uuid.uuid4().hex}."
    path = tmp_path / "server-notes.txt"
    path.write_text(f"Private notes\n\n{sentence}\n", encoding="utf-8")
    yield path, sentence


def _cached_copies(sentence: str) -> list[Path]:
    """Regular files in Gradio's upload folder that hold ``sentence``."""
    found = []
    for path in Path(get_upload_folder()).rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 1_000_000 \
                and sentence.encode() in path.read_bytes():
            found.append(path)
    return found


def _total(app: RunningApp, headers: dict[str, str] | None = None) -> int:
    return int(httpx.get(f"{app.url}/api/articles", headers=headers).json()["total"])


def test_an_upload_event_naming_a_server_file_or_a_link_to_it_reads_nothing(
        writable_app: RunningApp, secret: tuple[Path, str]) -> None:
    path, sentence = secret
    chat = f"{writable_app.url}/ui"
    before = _total(writable_app)
    link_dir = Path(get_upload_folder()) / f"planted-{uuid.uuid4().hex}"
    link_dir.mkdir(parents=True)
    (link_dir / "notes.txt").symlink_to(path)
    planted = link_dir / "planted.txt"  # in the folder, but never received by the endpoint
    planted.write_bytes(STORY.replace(b"Monday", b"Sunday"))

    for named in ("/etc/hostname", str(path), str(link_dir / "notes.txt"), str(planted)):
        said = event_text(run_event(chat, "upload", [[file_data(named)], ""]))
        assert "1 added" not in said, (named, said)

    assert _total(writable_app) == before
    answer = httpx.post(f"{writable_app.url}/api/ask", timeout=60, json={
        "question": "What is the vault code of the Elms harbour office?"}).json()
    assert sentence not in str(answer)
    assert _cached_copies(sentence) == []


def test_a_file_gradio_received_is_ingested_once_and_removed_from_the_cache(
        writable_app: RunningApp) -> None:
    chat = f"{writable_app.url}/ui"
    name = f"harbour-{uuid.uuid4().hex[:8]}.txt"
    stored = upload_files(chat, [(name, STORY.replace(b"harbour master", name.encode()))])
    assert stored.status_code == 200, stored.text
    cached = stored.json()[0]
    said = event_text(run_event(chat, "upload", [[file_data(cached)], ""]))
    assert "1 added" in said, said
    assert not Path(cached).exists()
    again = event_text(run_event(chat, "upload", [[file_data(cached)], ""]))
    assert f"{name}: not an uploaded file" in again


def test_with_admin_keys_the_named_server_file_is_not_copied_before_the_key_is_checked(
        keyed_app: RunningApp, secret: tuple[Path, str]) -> None:
    path, sentence = secret
    message = run_event(f"{keyed_app.url}/ui", "upload", [[file_data(str(path))], "wrong"])
    assert not message.get("success")
    assert _cached_copies(sentence) == []


def test_the_upload_endpoint_takes_files_only_with_the_admin_key(keyed_app: RunningApp) -> None:
    chat = f"{keyed_app.url}/ui"
    blobs = [(f"blob{i}.bin", b"\0" * 1900) for i in range(3)]
    anonymous = upload_files(chat, blobs)
    assert anonymous.status_code == 403, anonymous.text
    assert "admin key" in anonymous.json()["detail"]
    by_header = upload_files(chat, blobs, headers={"X-Admin-Key": ADMIN_KEY})
    by_cookie = upload_files(chat, blobs, headers={"Cookie": f"newsbot_admin_key={ADMIN_KEY}"})
    assert by_header.status_code == by_cookie.status_code == 200
    for path in by_header.json() + by_cookie.json():
        Path(path).unlink(missing_ok=True)


def test_bodies_are_limited_on_every_path_and_the_upload_cache_is_bounded(
        keyed_app: RunningApp) -> None:
    chat = f"{keyed_app.url}/ui"
    big = httpx.post(f"{chat}/gradio_api/call/ask", content=b"x" * 2_000_000,
                     headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "1,000,000 bytes" in big.json()["detail"]
    huge_upload = upload_files(chat, [("big.txt", b"x" * 90_000)],
                               headers={"X-Admin-Key": ADMIN_KEY})
    assert huge_upload.status_code == 413  # ten files of max_upload_bytes, and the form
    kept: list[str] = []
    statuses = []
    try:
        for n in range(12):  # 30 files of 2,000 bytes fit in the cache
            response = upload_files(chat, [(f"s{i}.txt", f"{n}-{i}".encode() * 600)
                                           for i in range(3)],
                                    headers={"X-Admin-Key": ADMIN_KEY})
            statuses.append(response.status_code)
            kept += response.json() if response.status_code == 200 else []
    finally:
        for path in kept:
            Path(path).unlink(missing_ok=True)
    assert 200 in statuses and statuses[-1] == 507, statuses
    assert upload_files(chat, [("s.txt", uuid.uuid4().bytes * 100)],
                        headers={"X-Admin-Key": ADMIN_KEY}).status_code == 200  # room again
