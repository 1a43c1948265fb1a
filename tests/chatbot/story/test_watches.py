"""Watched questions end to end: a watch on the seed question, then an article that changes the
answer; the change reaches the API (the Watching panel's source), the Atom feed (read with
feedparser) and a real webhook receiver on 127.0.0.1, once, signed. Ownership by API key, the
term pre-check, and the store surviving a restart and a kill -9 mid-write."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from chatbot.schema import Answer, Filters
from chatbot.service import ChatService, create_service
from chatbot.story.watch_store import WatchStore
from chatbot.story.watches import SHARED_OWNER, WatchDesk
from tests.chatbot.web.conftest import serve_app, web_settings
from tests.conftest import SEED_QUESTION, SEEDS

SECRET = "receiver-secret"
NEWER = {"id": "hamas-new-terms", "source": "Wire Desk", "published": "2031-05-02",
         "url": "https://wire.example/hamas-terms",
         "title": "Hamas sets new terms for hostage talks",
         "text": ("Hamas now requires a permanent ceasefire and the withdrawal of Israeli troops "
                  "from Gaza before any talks on the release of hostages, a Hamas official "
                  "said on Thursday.\n\nMediators in Cairo said they would present the terms "
                  "to Israel.")}
UNRELATED = {"id": "lakeview-pool", "source": "Lakeview Ledger", "published": "2031-05-03",
             "title": "Lakeview pool reopens",
             "text": "The Lakeview public swimming pool reopened on Saturday after repairs."}


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records each POST; the first ``fail_first``
    requests get a 500 (the sender must retry)."""

    fail_first: int = 1
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refused: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refused < receiver.fail_first:
                    receiver.refused += 1
                    self.send_response(500)
                else:
                    receiver.posts.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.server.shutdown()


def _write(path: Path, *articles: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def test_a_changed_answer_reaches_the_api_the_feed_and_the_webhook_once(
        tmp_path: Path, receiver: Receiver) -> None:
    settings = web_settings(tmp_path / "data", watch_webhooks=[receiver.url],
                            watch_webhook_secret=SECRET)
    writer = create_service(settings)
    writer.ingest([SEEDS])
    app = serve_app(settings)
    try:
        api = f"{app.url}/api/watches"
        watch = httpx.post(api, json={"question": SEED_QUESTION}, timeout=60).json()
        assert "military campaign" in watch["answer"] and watch["unread"] == 0
        writer.ingest([_write(tmp_path / "unrelated.jsonl", UNRELATED)])
        assert writer.watches.store.changes(SHARED_OWNER) == []
        writer.ingest([_write(tmp_path / "newer.jsonl", NEWER)])
        assert writer.watches.drain(30)
        listed = httpx.get(api, timeout=30).json()
        assert [(w["id"], w["unread"]) for w in listed] == [(watch["id"], 1)]
        assert "permanent ceasefire" in listed[0]["answer"]
        changes = httpx.get(f"{api}/{watch['id']}/changes", params={"mark_read": True}).json()
        assert len(changes) == 1
        new = changes[0]["new"]
        assert any("permanent ceasefire" in c["text"] and c["published"] == "2031-05-02"
                   and c["citations"][0]["article_id"] == "hamas-new-terms" for c in new)
        assert httpx.get(api).json()[0]["unread"] == 0

        for url in (f"{api}/{watch['id']}/feed.xml", f"{api}/feed.xml"):
            response = httpx.get(url)
            assert response.headers["content-type"].startswith("application/atom+xml")
            feed = feedparser.parse(response.content)
            assert not feed.bozo, feed.bozo_exception
            assert len(feed.entries) == 1
            assert feed.entries[0].title == f"New on: {SEED_QUESTION}"
            assert "permanent ceasefire" in feed.entries[0].summary
            assert feed.entries[0].link == NEWER["url"]

        # The same article again changes nothing; neither does checking again by hand.
        writer.ingest([_write(tmp_path / "newer.jsonl", NEWER)])
        assert writer.watches.check() == []
        assert writer.watches.drain(30)
        assert len(httpx.get(f"{api}/{watch['id']}/changes").json()) == 1
    finally:
        app.stop()
    assert receiver.refused == 1 and len(receiver.posts) == 1  # retried after the 500, once
    headers, body = receiver.posts[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], expected)
    payload = json.loads(body)
    assert payload["watch"]["question"] == SEED_QUESTION
    assert any("permanent ceasefire" in c["text"] for c in payload["change"]["new"])


def test_a_watch_belongs_to_the_key_that_made_it(tmp_path: Path, seeded_dir: Path) -> None:
    app = serve_app(web_settings(tmp_path / "data", api_keys=["key-a", "key-b"]))
    try:
        api = f"{app.url}/api/watches"
        a, b = {"X-API-Key": "key-a"}, {"X-API-Key": "key-b"}
        made = httpx.post(api, json={"question": "Who won the harbour regatta?"}, headers=a,
                          timeout=60)
        assert made.status_code == 201 and made.json()["declined"]
        watch_id = made.json()["id"]
        assert [w["id"] for w in httpx.get(api, headers=a).json()] == [watch_id]
        assert httpx.get(api, headers=b).json() == []
        assert httpx.get(f"{api}/{watch_id}", headers=b).status_code == 404
        assert httpx.delete(f"{api}/{watch_id}", headers=b).status_code == 404
        assert httpx.get(f"{api}/{watch_id}/feed.xml", headers=b).status_code == 404
        assert httpx.get(api).status_code == 401
        assert httpx.post(api, json={"question": " "}, headers=a).status_code == 422
        assert httpx.delete(f"{api}/{watch_id}", headers=a).status_code == 204
        assert httpx.get(api, headers=a).json() == []
    finally:
        app.stop()


def test_only_watches_whose_rarest_terms_a_new_article_holds_are_asked_again(
        tmp_path: Path, seeded_service: ChatService) -> None:
    asked: list[str] = []

    def ask(question: str, filters: Filters | None) -> Answer:
        asked.append(question)
        return seeded_service.ask(question, filters=filters)

    desk = WatchDesk(WatchStore(tmp_path / "watches.sqlite3"), ask,
                     seeded_service.keywords.idf)
    desk.add(SHARED_OWNER, SEED_QUESTION)
    desk.add(SHARED_OWNER, "When does the Lakeview library open on Sundays?")
    asked.clear()
    assert desk.check([UNRELATED["text"]]) == [] and asked == []
    desk.check([NEWER["text"]])
    assert asked == [SEED_QUESTION]
    desk.check()
    assert len(asked) == 3


def test_watches_survive_a_restart_and_a_kill_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "watches.sqlite3"
    store = WatchStore(path)
    kept = store.add("owner", "What happened?", Filters(sources=["Gazette"]),
                     Answer(answer="The sources I have do not answer that.", declined=True))
    assert WatchStore(path).get("owner", kept.id) == kept

    writer = textwrap.dedent(f"""
        from pathlib import Path
        from chatbot.schema import Answer
        from chatbot.story.watch_store import WatchStore
        store = WatchStore(Path({str(path)!r}))
        answer = Answer(answer="x" * 20000, declined=True)
        for i in range(100000):
            watch = store.add("owner", f"question {{i}}", None, answer)
            print(watch.id, flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE,
                               text=True, cwd=Path(__file__).resolve().parents[3])
    assert process.stdout is not None
    acknowledged = [process.stdout.readline().strip() for _ in range(40)]
    assert all(acknowledged), "the writer failed before it was killed"
    os.kill(process.pid, signal.SIGKILL)  # while it is writing the next ones
    process.wait(timeout=30)
    reopened = WatchStore(path)
    with reopened._connect() as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {w.id: w for w in reopened.watches("owner")}
    assert all(watch_id in stored for watch_id in acknowledged)
    written = [w for w in stored.values() if w.id != kept.id]
    assert len(written) >= 40 and all(len(w.answer) == 20000 for w in written)  # none half
    assert stored[kept.id].filters == Filters(sources=["Gazette"])


def test_a_private_feed_link_reads_its_feed_without_a_key_and_nothing_else(
        tmp_path: Path) -> None:
    settings = web_settings(tmp_path / "data", api_keys=["key-a", "key-b"])
    writer = create_service(settings)
    writer.ingest([SEEDS])
    app = serve_app(settings)
    try:
        a, b = {"X-API-Key": "key-a"}, {"X-API-Key": "key-b"}
        watches, links_api = f"{app.url}/api/watches", f"{app.url}/api/feed-links"
        watch = httpx.post(watches, json={"question": SEED_QUESTION}, headers=a,
                           timeout=60).json()
        httpx.post(watches, json={"question": "Who won the harbour regatta?"}, headers=b,
                   timeout=60)
        links = httpx.get(links_api, headers=a).json()
        assert [w["watch_id"] for w in links["watches"]] == [watch["id"]]
        assert httpx.get(links_api, headers=a).json() == links  # the same links each time
        writer.ingest([_write(tmp_path / "newer.jsonl", NEWER)])
        assert writer.watches.drain(30)

        for url in (links["all"], links["watches"][0]["url"]):
            response = httpx.get(url)  # as a feed reader asks: no key
            assert response.headers["content-type"].startswith("application/atom+xml")
            feed = feedparser.parse(response.content)
            assert not feed.bozo, feed.bozo_exception
            assert [e.title for e in feed.entries] == [f"New on: {SEED_QUESTION}"]
        others = feedparser.parse(httpx.get(httpx.get(links_api, headers=b).json()["all"])
                                  .content)
        assert others.entries == [] and not others.bozo

        token = links["all"].rsplit("/", 1)[1].removesuffix(".xml")
        assert httpx.get(watches, headers={"X-API-Key": token}).status_code == 401
        assert httpx.get(links_api).status_code == 401

        rotated = httpx.post(f"{links_api}/rotate", headers=a).json()
        assert rotated["all"] != links["all"]
        assert httpx.get(links["all"]).status_code == 404
        assert httpx.get(rotated["all"]).status_code == 200
        assert httpx.delete(f"{watches}/{watch['id']}", headers=a).status_code == 204
        assert httpx.get(rotated["watches"][0]["url"]).status_code == 404

        guesses = [httpx.get(f"{app.url}/api/feeds/{'x' * 32}.xml") for _ in range(12)]
        assert {g.status_code for g in guesses} == {404, 429}
        assert guesses[-1].status_code == 429 and int(guesses[-1].headers["Retry-After"]) > 0
        assert "Too many wrong keys" in guesses[-1].json()["detail"]
        assert httpx.get(rotated["all"]).status_code == 429  # the address waits, link or not
    finally:
        app.stop()
