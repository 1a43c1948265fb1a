"""Web fixtures: a seeded store that also holds a hostile article, the real app served by uvicorn
on 127.0.0.1, an intranet page served from other origins, and headless Debian Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from chatbot.service import create_service
from chatbot.settings import Settings
from chatbot.web.app import create_app, server_config
from tests.conftest import REPO, SEEDS, make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "screenshots"
INTRANET_PAGE = REPO / "examples" / "intranet.html"
DEFAULT_WIDGET_SRC = "http://127.0.0.1:7860/widget.js"

# An article whose every field tries to run script in whoever displays it. Each payload sets
# window.__xss to a different value, so a failure names the field that executed.
XSS_QUESTION = "When did the harbour of Port Elms reopen after the storm repairs?"
XSS_ARTICLE: dict[str, Any] = {
    "id": "xss-harbour",
    "url": "javascript:window.__xss='url'",
    "title": "Harbour <script>window.__xss='title-script'</script>"
             "<img src=x onerror=\"window.__xss='title-img'\"> reopens",
    "source": "Gazette <img src=x onerror=\"window.__xss='source-img'\">",
    "published": "2024-02-01",
    "text": (
        "The harbour of Port Elms reopened on Monday after three weeks of storm repairs "
        "<img src=x onerror=\"window.__xss='text-img'\">.\n\n"
        "The harbour master said ships may dock again "
        "<script>window.__xss='text-script'</script> from Tuesday morning.\n\n"
        "Berth fees are listed on <a href=\"javascript:window.__xss='text-link'\">the port "
        "site</a> and in [the port notice](javascript:window.__xss='md-link'), at "
        "${window.__xss='template'} and {{constructor.constructor('window.__xss=1')()}} per "
        "berth."),
}


@pytest.fixture(scope="session")
def web_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store holding the seed article and the hostile one (read-only use)."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    articles = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    articles.write_text(json.dumps(XSS_ARTICLE) + "\n", encoding="utf-8")
    report = create_service(make_settings(data_dir)).ingest([SEEDS, articles])
    assert report.counts["added"] == 2, report.failed
    yield data_dir
    shutil.rmtree(data_dir, ignore_errors=True)


def web_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: no rate limit unless a test asks for one."""
    return make_settings(data_dir, **{"rate_limit_per_minute": 0, **overrides})


# -- servers ------------------------------------------------------------------------------------

def wait_for_chat(get: Callable[[str], httpx.Response], timeout: float = 120) -> None:
    """Wait until the app's chat page is mounted and its MCP tools run (``get(path)`` asks the
    app): the API answers from the start, these a few seconds later (chatbot.web.ui.deferred,
    chatbot.web.mcp_mount)."""
    deadline = time.monotonic() + timeout
    while "starting" in (parts := get("/api/health").json())["ui"] + parts["mcp"]:
        assert time.monotonic() < deadline, "the chat page or the MCP tools did not start"
        time.sleep(0.1)
    assert parts["ui"] == "ready", "the chat page failed to start"
    assert parts["mcp"] == "ready", "the MCP tools failed to start"


def _listening_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, so its port is known before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class RunningApp:
    url: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve_app(settings: Settings, sock: socket.socket | None = None) -> RunningApp:
    """The real app under uvicorn in a thread, on ``sock`` (or a new free port), configured as
    ``newsbot serve`` configures it."""
    sock = sock or _listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(create_app(settings), settings, log_level="warning",
                                          ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        if not thread.is_alive():
            raise RuntimeError("the app failed to start")
        threading.Event().wait(0.05)
    url = f"http://127.0.0.1:{port}"
    # A loaded machine can take longer than httpx's 5 s to answer while the chat mounts.
    wait_for_chat(lambda path: httpx.get(f"{url}{path}", timeout=60))
    return RunningApp(url, settings, server, thread)


class StaticSite:
    """examples/intranet.html (pointed at the test app) served from its own origin."""

    def __init__(self, app_url: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="intranet-"))
        page = INTRANET_PAGE.read_text(encoding="utf-8")
        assert DEFAULT_WIDGET_SRC in page, "the example must show the default widget address"
        (self.root / "intranet.html").write_text(
            page.replace(DEFAULT_WIDGET_SRC, f"{app_url}/widget.js"), encoding="utf-8")
        handler = partial(_QuietHandler, directory=str(self.root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def page_url(self) -> str:
        return f"{self.origin}/intranet.html"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.root, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        pass


@dataclass
class LiveSite:
    """The app and two intranet sites: one allowed to frame the chat, one not."""

    app: RunningApp
    intranet: StaticSite
    stranger: StaticSite

    @property
    def chat_url(self) -> str:
        return f"{self.app.url}/ui/"


@pytest.fixture(scope="session")
def live(web_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    sock = _listening_socket()
    app_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    intranet, stranger = StaticSite(app_url), StaticSite(app_url)
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    app = serve_app(web_settings(web_data_dir, embed_origins=[intranet.origin],
                                 feedback_file=feedback), sock)
    yield LiveSite(app, intranet, stranger)
    app.stop()
    intranet.stop()
    stranger.stop()


API_KEY = "api-key-5c1d9e"
ADMIN_KEY = "admin-key-8b2f47"


def _fresh_seeded(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A data folder of its own holding the seed article, for a server tests write to."""
    data_dir = tmp_path_factory.mktemp(name) / "data"
    assert create_service(make_settings(data_dir)).ingest([SEEDS]).counts["added"] == 1
    return data_dir


@pytest.fixture(scope="session")
def writable_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A loopback server without keys, so writes (uploads, feeds) are allowed, over a store of
    its own: tests add to it."""
    app = serve_app(web_settings(_fresh_seeded(tmp_path_factory, "writable")))
    yield app
    app.stop()


@pytest.fixture(scope="session")
def keyed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A server with API and admin keys, two questions a minute, small uploads, behind a
    reverse proxy on 127.0.0.1 (forwarded addresses believed from there)."""
    settings = web_settings(_fresh_seeded(tmp_path_factory, "keyed"), api_keys=[API_KEY],
                            admin_keys=[ADMIN_KEY], rate_limit_per_minute=2,
                            max_upload_bytes=2000, forwarded_allow_ips=["127.0.0.1"])
    app = serve_app(settings)
    yield app
    app.stop()


@pytest.fixture(scope="session")
def limited_app(web_data_dir: Path) -> Iterator[RunningApp]:
    """A server without keys allowing two questions a minute and trusting no proxy, that also
    answers for one intranet name."""
    app = serve_app(web_settings(web_data_dir, rate_limit_per_minute=2,
                                 allowed_hosts=["news.intranet.example"]))
    yield app
    app.stop()


# -- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile; Playwright never fetches a browser."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it "
                    "(apt-get install -y chromium chromium-driver).")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A new tab; fails the test if the page logged an uncaught script error."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, f"script errors on the page: {errors}"


def screenshot(tab: Any, name: str) -> Path:
    """Keep a picture of what the test saw under screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


# -- the OpenAI-compatible face and the MCP tools -----------------------------------------------

# Every client of the plugs' server has a key of its own: one budget of questions each.
PLUG_KEYS = {name: f"k-{name}" for name in ("openai", "mcp", "limit", "shared")}
PLUG_RATE_LIMIT = 20


@pytest.fixture(scope="session")
def plugs_app(web_data_dir: Path) -> Iterator[RunningApp]:
    """The real app on 127.0.0.1 with keys and a rate limit, for OpenAI and MCP clients. It
    believes X-Forwarded-For from 127.0.0.1, so that tests sending wrong keys can do it from
    addresses of their own (wrong keys throttle their address)."""
    app = serve_app(web_settings(web_data_dir, api_keys=list(PLUG_KEYS.values()),
                                 rate_limit_per_minute=PLUG_RATE_LIMIT,
                                 forwarded_allow_ips=["127.0.0.1"]))
    yield app
    app.stop()
