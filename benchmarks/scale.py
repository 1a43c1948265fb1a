"""Retrieve and answer latency, memory and start-up from 1k up to 1M passages.

    .venv/bin/python benchmarks/scale.py --source /tmp/nb-dev --work /tmp/nb-scale \
        --sizes 1000,10000,100000,1000000 [--server]

``--source`` is a data folder that holds the ingested RealTime QA development slice (build it
with benchmarks/retrieval_quality.py). Larger corpora are made from its real text,
re-identified: copy k of an article gets a new id and URL and is dated k weeks earlier, and
keeps its passages and their vectors (the same text has the same embedding, so nothing is
re-encoded). Stores are written through ChromaStore.write_articles, the ingest's own write
path. A larger store starts from a copy of the largest smaller one already built in
``--work`` and adds copies it lacks (building 1M from scratch writes 1M passages to Chroma:
hours on 2 cores); the build time reported is this size's own, the base's included when it
was built in the same run.

Each size is then measured in a fresh process: start-up to first answer, ``ask`` and
``retrieve`` p50/p95 over dev questions asked "as of" their dates (warm), and peak memory.
With ``--server`` the same store is also served by a real ``chroma run`` on 127.0.0.1 and
measured through NEWSBOT_CHROMA_URL. Prints a table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402

DEV_QUESTIONS = REPO.parent / "shared" / "bench" / "realtimeqa-dev" / "questions.jsonl"


def build(source: Path, target: Path, size: int, base: Path | None = None) -> float:
    """Fill ``target`` with ``size`` passages of re-identified copies; returns seconds.

    Building a store is the index package's job, so this uses it directly (the chat service
    answers from stores; it does not copy them): the copies reuse the source's vectors. With
    ``base`` (a smaller store built the same way), its Chroma store is copied first and only
    the copies it lacks are written.
    """
    from chatbot.settings import load_settings
    from index.articles import Article
    from index.store.chroma import ChromaStore
    from index.store.client import open_client
    from index.store.keyword import KeywordIndex
    from index.store.records import ArticleWrite, article_key

    if target.exists():
        shutil.rmtree(target)
    start = time.perf_counter()
    src_settings, dst_settings = load_settings(data_dir=source), load_settings(data_dir=target)
    if base is not None:
        shutil.copytree(base / "chroma", dst_settings.store_path)
    src = ChromaStore(open_client(path=src_settings.store_path), src_settings.index_name)
    dst = ChromaStore(open_client(path=dst_settings.store_path), dst_settings.index_name)
    present = set(dst.changed_articles(None)) if base is not None else set()
    originals = _stored_articles(src)
    writes: list[ArticleWrite] = []
    written = dst.count_passages()
    for copy in range(10_000):
        progressed = False  # this copy added articles, or the base holds some of it
        for meta, text, chunks, vectors in originals:
            if written + len(chunks) > size:
                continue
            identity = f"{meta['article_id']}~{copy}"
            progressed = True
            if article_key(identity) in present:
                continue
            published = date.fromisoformat(meta["published"]) - timedelta(weeks=copy) \
                if meta["published"] else None
            article = Article(id=identity, title=meta["title"],
                              source=meta["source"], published=published,
                              url=f"{meta['url']}#copy{copy}" if meta["url"] else None,
                              text=text)
            writes.append(ArticleWrite(article, article.identity(), chunks, vectors))
            written += len(chunks)
            if len(writes) == 200:
                dst.write_articles(writes)
                writes = []
        if written == size or not progressed:
            break  # full, or nothing more fits
    dst.write_articles(writes)
    KeywordIndex(dst_settings.keyword_path).sync(dst)
    (target / ".built").write_text(str(size))
    return time.perf_counter() - start


def _base_for(work: Path, size: int) -> Path | None:
    """The largest store already built in ``work`` that is smaller than ``size``."""
    built = [(int((p / ".built").read_text()), p) for p in work.glob("size-*")
             if (p / ".built").exists() and not p.name.endswith(("-server", "-cache"))]
    smaller = [(n, p) for n, p in built if n < size]
    return max(smaller)[1] if smaller else None


def _stored_articles(store: Any) -> list[tuple[dict[str, Any], str, list[Any], Any]]:
    """Every current article of a store: metadata, text, chunks and their vectors, read once."""
    import numpy as np

    from index.chunking import Chunk

    records = store.articles.get(include=["metadatas", "documents"])
    versions = {key: meta["version"] for key, meta in zip(records["ids"], records["metadatas"],
                                                          strict=True)}
    passages: dict[str, list[tuple[dict[str, Any], Any]]] = {key: [] for key in versions}
    offset, page = 0, 5000
    while True:
        got = store.passages.get(include=["metadatas", "embeddings"], offset=offset, limit=page)
        for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
            if versions.get(meta["article_key"]) == meta["version"]:
                passages[meta["article_key"]].append((meta, vector))
        if len(got["ids"]) < page:
            break
        offset += page
    originals = []
    for key, meta, text in zip(records["ids"], records["metadatas"], records["documents"],
                               strict=True):
        found = sorted(passages[key], key=lambda item: item[0]["start"])
        if not found:
            continue
        chunks = [Chunk(n, int(m["start"]), int(m["end"]), text[int(m["start"]):int(m["end"])],
                        tuple(tuple(s) for s in json.loads(m["sentences"])))
                  for n, (m, _) in enumerate(found)]
        originals.append((meta, text, chunks, np.asarray([v for _, v in found], np.float32)))
    return originals


def measure(data_dir: Path, questions: int, chroma_url: str | None) -> dict[str, Any]:
    """Run in a fresh process: start-up, latency, memory."""
    started = time.perf_counter()
    from chatbot.schema import Filters
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    qs = [json.loads(line) for line in DEV_QUESTIONS.open()][:questions]
    service = create_service(load_settings(data_dir=data_dir, chroma_url=chroma_url))
    first = qs[0]
    service.ask(first["question"], filters=Filters(as_of=date.fromisoformat(first["date"])))
    startup = time.perf_counter() - started
    ask_ms, retrieve_ms = [], []
    for q in qs:
        filters = Filters(as_of=date.fromisoformat(q["date"]))
        t = time.perf_counter()
        service.retrieve(q["question"], service.settings.passages, filters)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        service.ask(q["question"], filters=filters)
        ask_ms.append((time.perf_counter() - t) * 1000)
    return {
        "passages": service.stats().passages,
        "startup_to_first_answer_s": round(startup, 2),
        "ask_p50_ms": round(statistics.median(ask_ms), 1),
        "ask_p95_ms": round(sorted(ask_ms)[int(0.95 * (len(ask_ms) - 1))], 1),
        "retrieve_p50_ms": round(statistics.median(retrieve_ms), 1),
        "retrieve_p95_ms": round(sorted(retrieve_ms)[int(0.95 * (len(retrieve_ms) - 1))], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _measure_in_subprocess(data_dir: Path, questions: int, chroma_url: str | None,
                           ) -> dict[str, Any]:
    args = [sys.executable, __file__, "--measure", str(data_dir), "--questions", str(questions)]
    if chroma_url:
        args += ["--chroma-url", chroma_url]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def serve_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("chroma server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.questions, args.chroma_url)))
        return
    if args.source is None or args.work is None:
        parser.error("--source and --work are required")

    rows: dict[str, dict[str, Any]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        target = args.work / f"size-{size}"
        built_s = None
        if args.rebuild or not (target / ".built").exists():
            built_s = build(args.source, target, size, _base_for(args.work, size))
        row = _measure_in_subprocess(target, args.questions, None)
        row["build_s"] = None if built_s is None else round(built_s, 1)
        rows[f"{size} embedded"] = row
        if args.server:
            # A separate copy: a server and an embedded client must not share one folder.
            served = args.work / f"size-{size}-server"
            shutil.rmtree(served, ignore_errors=True)
            shutil.copytree(target / "chroma", served)
            process, url = serve_chroma(served)
            try:
                cache = args.work / f"size-{size}-server-cache"
                shutil.rmtree(cache, ignore_errors=True)
                # A serve process keeps its keyword cache across restarts; start from it.
                shutil.copytree(target / "keyword", cache / "keyword")
                rows[f"{size} server"] = _measure_in_subprocess(cache, args.questions, url)
            finally:
                process.terminate()
                process.wait(timeout=30)
        print_table(rows, "corpus")
    write_results(f"scale{args.label}", {"rows": rows, "cpus": os.cpu_count()})


if __name__ == "__main__":
    main()
