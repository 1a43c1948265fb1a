"""Shared fixtures: the real bundled model (loaded once) and real Chroma stores in temp folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import chatbot  # noqa: F401  (offline switches before any model library loads)
from chatbot.service import ChatService, create_service
from chatbot.settings import Settings, load_settings
from index.embedding import Embedder
from tests.story_articles import STRIKE_ARTICLES

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_FILE = SEEDS / "000_795694ea5ffbf6dd.txt"
SEED_QUESTION = "What does Hamas require before hostage talks?"
# What in-process test clients call the app: a loopback server answers only for its own names.
LOOPBACK = "http://127.0.0.1"

# Tests build their own settings; a developer's NEWSBOT_* variables must not leak in.
for _name in [n for n in os.environ if n.startswith("NEWSBOT_")]:
    del os.environ[_name]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    model = Embedder()
    assert model.dimension == 384
    return model


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a store in ``data_dir``, ignoring any newsbot.toml in the working dir."""
    return load_settings(config_file=None, data_dir=data_dir, **overrides)


@pytest.fixture
def service(tmp_path: Path, embedder: Embedder) -> ChatService:
    """A service over a new, empty embedded store."""
    return create_service(make_settings(tmp_path / "data"))


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder whose embedded store holds the ingested seed article (read-only use)."""
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    service = create_service(make_settings(data_dir))
    report = service.ingest([SEEDS])
    assert report.counts["added"] == 1
    yield data_dir
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def seeded_service(seeded_dir: Path, embedder: Embedder) -> ChatService:
    return create_service(make_settings(seeded_dir))


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder whose store holds the Port Elms strike story (tests/story_articles.py)
    and an unrelated article (read-only use)."""
    folder = tmp_path_factory.mktemp("story")
    articles = folder / "strike.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in STRIKE_ARTICLES), encoding="utf-8")
    report = create_service(make_settings(folder / "data")).ingest([articles])
    assert report.counts["added"] == len(STRIKE_ARTICLES), report.failed
    yield folder / "data"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def story_service(story_dir: Path, embedder: Embedder) -> ChatService:
    return create_service(make_settings(story_dir))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_chroma_server(path: Path, port: int | None = None,
                        ) -> tuple[subprocess.Popen[bytes], str]:
    """A real `chroma run` process on 127.0.0.1 (a free port unless given: a restart reuses
    its old one), once it answers; and its URL."""
    port = port or free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the Chroma server did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on 127.0.0.1, for the server-mode side of contract tests."""
    process, url = start_chroma_server(tmp_path_factory.mktemp("chroma-server"))
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(params=["embedded", "server"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a new, empty index, once on an embedded store and once on a Chroma server."""
    if request.param == "embedded":
        return make_settings(tmp_path / "data")
    url = request.getfixturevalue("chroma_server")
    # A fresh collection name per test keeps server-side tests independent.
    return make_settings(tmp_path / "data", chroma_url=url, index_name=f"t{free_port()}")


REDIS_SERVER = Path("/usr/bin/redis-server")


def start_redis_server(port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A real redis-server on 127.0.0.1 (a free port), nothing persisted; and its URL."""
    if not REDIS_SERVER.exists():
        pytest.fail("redis-server is missing: `make test` installs it "
                    "(apt-get install -y redis-server).")
    port = port or free_port()
    process = subprocess.Popen(
        [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            return process, url
        except redis.RedisError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on 127.0.0.1, for rate limits shared across processes."""
    process, url = start_redis_server()
    yield url
    process.terminate()
    process.wait(timeout=30)
