"""Concurrent users on `newsbot serve`, alone and while an ingest writes beside them.

    .venv/bin/python benchmarks/load.py --users 20 --seconds 60

Everything runs on 127.0.0.1 and stops by itself. A real ``chroma run`` server holds the index
(the deployment where several processes share one store); ``--articles`` articles of the
RealTime QA development slice (read by path, written only to a temporary folder) are ingested
first. Then two phases of ``--users`` concurrent clients, each asking varied dev questions over
``POST /api/ask`` in a loop:

* ``steady``: ``--seconds`` of questions;
* ``ingest``: the same while ``newsbot ingest`` runs in another process against the same
  server, adding ``--new`` unseen articles and replacing ``--updated`` already-indexed ones
  with a new version (paragraphs reordered, offsets shifted). The phase lasts ``--seconds``
  or until the ingest ends, whichever is later, so every write happens under load.

Every answer is checked: each cited passage (and each "closest" passage of a decline) must be
the article's cleaned text at the cited offsets, and all passages of one article in one answer
must come from ONE version of it (never half an article). After the run the stored text of
every cited article must be its latest version. Prints a table and writes JSON under
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from benchmarks.api_latency import start_server, summary  # noqa: E402
from benchmarks.scale import DEV_QUESTIONS, serve_chroma  # noqa: E402
from chatbot.schema import Answer  # noqa: E402

DEV_ARTICLES = DEV_QUESTIONS.with_name("articles.jsonl")


@dataclass
class Phase:
    """What the users saw in one phase."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    declined: int = 0
    citations_checked: int = 0
    inconsistent: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def row(self) -> dict[str, Any]:
        ok = len(self.latencies_ms)
        errors = sum(n for status, n in self.statuses.items() if status != "200")
        return {"answers": ok, "errors": errors, "answers/s": round(ok / self.seconds, 2),
                **{k: v for k, v in summary(self.latencies_ms or [0.0]).items()
                   if k in ("p50", "p95", "max")},
                "declined": self.declined, "citations checked": self.citations_checked,
                "inconsistent": len(self.inconsistent)}


def cleaned_versions(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Article id -> the cleaned texts its versions have, as the ingest stores them."""
    from index.articles import Article
    from index.clean import clean_text

    versions: dict[str, list[str]] = {}
    for record in records:
        article = Article.model_validate(record)
        versions.setdefault(article.identity(), []).append(clean_text(article.text))
    return versions


def new_version(record: dict[str, Any]) -> dict[str, Any]:
    """The same article with its paragraphs in reverse order: every offset moves."""
    paragraphs = [p for p in record["text"].split("\n") if p.strip()]
    return {**record, "text": "\n\n".join(reversed(paragraphs))
            + "\n\nThis article was updated with a correction."}


def check_answer(answer: Answer, versions: dict[str, list[str]]) -> tuple[int, list[str]]:
    """(passages checked, problems): every passage verbatim, one version per article."""
    problems = []
    by_article: dict[str, list[Any]] = {}
    for citation in [*answer.citations, *answer.closest]:
        by_article.setdefault(citation.article_id, []).append(citation)
    for article_id, citations in by_article.items():
        texts = versions.get(article_id, [])
        if not any(all(text[c.start:c.end] == c.passage for c in citations) for text in texts):
            problems.append(f"{article_id}: {len(citations)} passage(s) match no single version")
    return sum(map(len, by_article.values())), problems


def user(url: str, questions: list[str], seed: int, deadline: threading.Event, phase: Phase,
         versions: dict[str, list[str]]) -> None:
    """One user: ask, read the answer, ask the next question, until the phase ends."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as client:
        while not deadline.is_set():
            question = rng.choice(questions)
            start = time.perf_counter()
            try:
                response = client.post("/api/ask", json={"question": question})
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                response, status = None, type(exc).__name__
            elapsed = (time.perf_counter() - start) * 1000
            checked, problems, declined = 0, [], False
            if response is not None and response.status_code == 200:
                answer = Answer.model_validate(response.json())
                checked, problems = check_answer(answer, versions)
                declined = answer.declined
            with phase.lock:
                phase.statuses[status] += 1
                if status == "200":
                    phase.latencies_ms.append(elapsed)
                    phase.declined += declined
                    phase.citations_checked += checked
                    phase.inconsistent += problems


def run_phase(url: str, questions: list[str], users: int, seconds: float,
              versions: dict[str, list[str]], beside: subprocess.Popen[str] | None = None,
              ) -> Phase:
    """``users`` threads for ``seconds`` (and while ``beside`` still runs, up to 4x that)."""
    phase, done = Phase(), threading.Event()
    threads = [threading.Thread(target=user, args=(url, questions, seed, done, phase, versions))
               for seed in range(users)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    while beside is not None and beside.poll() is None and \
            time.monotonic() - start < 4 * seconds:
        time.sleep(0.5)
    done.set()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - start
    return phase


def stored_texts_are_latest(chroma_url: str, latest: dict[str, str]) -> list[str]:
    """Articles whose stored text is not their latest version (should be none)."""
    from index.store.chroma import ChromaStore
    from index.store.client import open_client
    from index.store.records import article_key

    store = ChromaStore(open_client(url=chroma_url))
    return [article_id for article_id, text in latest.items()
            if store.article_text(article_key(article_id)) != text]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--articles", type=int, default=120, help="indexed before the load")
    parser.add_argument("--new", type=int, default=20, help="added during the ingest phase")
    parser.add_argument("--updated", type=int, default=20, help="replaced during that phase")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    with DEV_ARTICLES.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, args.articles + args.new)]
    base, fresh = records[:args.articles], records[args.articles:]
    updates = [new_version(r) for r in base[:args.updated]]
    versions = cleaned_versions(base + fresh + updates)
    questions = [json.loads(line)["question"]
                 for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()]

    with tempfile.TemporaryDirectory(prefix="nb-load-") as tmp:
        work = Path(tmp)
        (work / "base.jsonl").write_text("".join(json.dumps(r) + "\n" for r in base))
        (work / "beside.jsonl").write_text("".join(json.dumps(r) + "\n"
                                                   for r in fresh + updates))
        chroma, chroma_url = serve_chroma(work / "chroma")
        newsbot = [str(Path(sys.executable).parent / "newsbot"), "--chroma-url", chroma_url,
                   "--data-dir", str(work / "ingest"), "ingest", "--json"]
        server = None
        try:
            started = time.perf_counter()
            subprocess.run([*newsbot, str(work / "base.jsonl")], check=True,
                           stdout=subprocess.DEVNULL)
            setup_s = time.perf_counter() - started
            server, url = start_server(work / "serve", chroma_url=chroma_url)
            phases = {"steady": run_phase(url, questions, args.users, args.seconds, versions)}
            ingest = subprocess.Popen([*newsbot, str(work / "beside.jsonl")],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True)
            phases["ingest beside"] = run_phase(url, questions, args.users, args.seconds,
                                                versions, beside=ingest)
            ingest_out, _ = ingest.communicate(timeout=600)
            latest = {article_id: texts[-1] for article_id, texts in versions.items()}
            stale = stored_texts_are_latest(chroma_url, latest)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            chroma.terminate()
            chroma.wait(timeout=30)

    rows = {name: phase.row() for name, phase in phases.items()}
    print_table(rows, f"{args.users} users")
    report = json.loads(ingest_out)
    print(f"base ingest {len(base)} articles in {setup_s:.0f} s; beside: {report} in "
          f"{phases['ingest beside'].seconds:.0f} s; stored text not latest: {len(stale)}")
    for name, phase in phases.items():
        print(f"{name}: statuses {dict(phase.statuses)}; inconsistent {phase.inconsistent[:3]}")
    write_results(f"load{args.label}", {
        "users": args.users, "seconds": args.seconds, "cpus": os.cpu_count(),
        "articles": len(base), "ingest_report": report, "stale_articles": stale,
        "rows": rows, "statuses": {n: dict(p.statuses) for n, p in phases.items()},
        "inconsistent": {n: p.inconsistent[:20] for n, p in phases.items()}})
    failed = (any(p.inconsistent or set(p.statuses) - {"200"} for p in phases.values())
              or stale or report.get("failed"))
    if failed:
        raise SystemExit("load check FAILED: see the statuses and inconsistencies above")


if __name__ == "__main__":
    main()
