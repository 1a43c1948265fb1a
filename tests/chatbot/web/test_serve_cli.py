"""`newsbot serve` runs the whole web app on the address it is given."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.chatbot.web.conftest import RunningApp, wait_for_chat
from tests.conftest import SEED_QUESTION, free_port


def start_serve(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`newsbot serve` on a free port of 127.0.0.1, once /api/health answers; and its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port)], cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        try:
            httpx.get(f"{url}/api/health", timeout=2)
            return server, url
        except httpx.TransportError:
            if time.monotonic() > deadline:
                server.kill()
                raise AssertionError("newsbot serve did not start") from None
            time.sleep(0.5)


def stop_serve(server: subprocess.Popen[bytes]) -> str:
    server.terminate()
    return server.communicate(timeout=30)[0].decode()


@pytest.mark.slow
def test_serve_listens_on_the_given_port_with_chat_api_and_widget(web_data_dir: Path,
                                                                  tmp_path: Path) -> None:
    server, url = start_serve({"NEWSBOT_DATA_DIR": str(web_data_dir)}, tmp_path)
    try:
        health = httpx.get(f"{url}/api/health")
        assert health.status_code == 200, health.text  # the chat may still be starting
        assert health.json()["articles"] == 2 and health.json()["ui"] in ("starting", "ready")
        assert "attachShadow" in httpx.get(f"{url}/widget.js").text
        wait_for_chat(lambda path: httpx.get(f"{url}{path}"))
        chat = httpx.get(f"{url}/", follow_redirects=True)
        assert chat.status_code == 200 and chat.url.path == "/ui/"
        assert "gradio" in chat.text.lower()
    finally:
        output = stop_serve(server)
    assert f"chat {url}/ui/" in output


@pytest.mark.slow
def test_two_serve_processes_sharing_redis_hold_a_client_to_one_budget(
        web_data_dir: Path, redis_url: str, tmp_path: Path) -> None:
    servers = []
    try:
        for name in ("one", "two"):
            data_dir = tmp_path / name
            shutil.copytree(web_data_dir, data_dir)
            servers.append(start_serve({
                "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_RATE_LIMIT_PER_MINUTE": "4",
                "NEWSBOT_RATE_LIMIT_STORAGE": redis_url}, tmp_path))
        urls = [url for _, url in servers]
        statuses = [httpx.get(f"{urls[i % 2]}/api/articles?limit=1").status_code
                    for i in range(4)]
        assert statuses == [200, 200, 200, 200]  # two questions on each server
        for url in urls:  # the fifth is refused by whichever server receives it
            refused = httpx.get(f"{url}/api/articles?limit=1")
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
    finally:
        for server, _ in servers:
            stop_serve(server)

def test_serve_beyond_loopback_without_keys_warns_before_it_starts(tmp_path: Path) -> None:
    # The store is unreachable, so serve stops after the warnings without binding anything.
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
           "NEWSBOT_CHROMA_URL": f"http://127.0.0.1:{free_port()}"}
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "serve", "--host", "0.0.0.0", "--port",
         str(free_port())], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "warning: listening on 0.0.0.0 with no api_keys" in result.stderr
    assert "no admin_keys: the Library tab is read-only" in result.stderr


def test_serve_with_api_keys_says_at_start_that_they_guard_the_api_only(
        tmp_path: Path, keyed_app: RunningApp) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
           "NEWSBOT_API_KEYS": '["k-1"]', "NEWSBOT_CHROMA_URL": f"http://127.0.0.1:{free_port()}"}
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "serve", "--port", str(free_port())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    said = " ".join(result.stdout.split())
    assert "api_keys guard /api/*, /v1/* and /mcp only" in said, said
    assert "/ui/gradio_api/call/ask) answer without a key" in said
    # And so it is: the chat's endpoint answers without the key that /api/ask requires.
    assert httpx.post(f"{keyed_app.url}/api/ask", json={"question": SEED_QUESTION}
                      ).status_code == 401
    chat = f"{keyed_app.url}/ui/gradio_api/call/ask"
    event = httpx.post(chat, json={"data": [SEED_QUESTION, [], "", ""]},
                       headers={"X-Forwarded-For": "203.0.113.90"}).json()["event_id"]
    assert "military campaign in Gaza" in httpx.get(f"{chat}/{event}", timeout=60).text


@pytest.mark.slow
def test_ctrl_c_while_the_chat_page_is_starting_stops_serve_at_once(web_data_dir: Path,
                                                                    tmp_path: Path) -> None:
    """The page's build (Gradio's import, seconds) runs in a daemon thread: an interrupt
    does not wait for it."""
    server, url = start_serve({"NEWSBOT_DATA_DIR": str(web_data_dir)}, tmp_path)
    try:
        assert httpx.get(f"{url}/api/health").json()["ui"] == "starting"
        server.send_signal(signal.SIGINT)
        started = time.monotonic()
        server.wait(timeout=30)
        stopped_in = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
    # Interpreter teardown alone takes about a second; the build would add three or more.
    assert stopped_in < 3.0, f"serve took {stopped_in:.1f} s to stop"
