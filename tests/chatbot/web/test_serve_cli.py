"""`newsbot serve` runs the whole web app on the address it is given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


@pytest.mark.slow
def test_serve_listens_on_the_given_port_with_chat_api_and_widget(web_data_dir: Path,
                                                                  tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(web_data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                health = httpx.get(f"{url}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "newsbot serve did not start"
                time.sleep(0.5)
        assert health.json()["articles"] == 2
        assert httpx.get(f"{url}/ui/").status_code == 200
        assert "attachShadow" in httpx.get(f"{url}/widget.js").text
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert f"chat {url}/ui/" in output


def test_serve_beyond_loopback_without_keys_warns_before_it_starts(tmp_path: Path) -> None:
    # The store is unreachable, so serve stops after the warnings without binding anything.
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
           "NEWSBOT_CHROMA_URL": f"http://127.0.0.1:{free_port()}"}
    result = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "serve", "--host", "0.0.0.0", "--port",
         str(free_port())], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "warning: listening on 0.0.0.0 with no api_keys" in result.stderr
    assert "no admin_keys: the Sources tab is read-only" in result.stderr
