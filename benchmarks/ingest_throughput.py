"""Ingest throughput against the embedding model's own throughput on the same passages.

    .venv/bin/python benchmarks/ingest_throughput.py [--articles 200] [--server]

The model encoding the very passages the ingest produces, with nothing else to do, is the
physical limit of ingest on this machine; the ratio says how much of it the rest of the
pipeline (loading, cleaning, chunking, Chroma writes, keyword sync) costs. Both run in this
process, one after the other, on the first ``--articles`` articles of the RealTime QA
development slice (read by path). Prints a table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from benchmarks.scale import serve_chroma  # noqa: E402
from chatbot.service import create_service  # noqa: E402
from chatbot.settings import load_settings  # noqa: E402
from index.articles import load_paths  # noqa: E402
from index.chunking import chunk_text  # noqa: E402
from index.clean import clean_text  # noqa: E402
from index.pipeline import passage_embedding_text  # noqa: E402

DEV_ARTICLES = REPO.parent / "shared" / "bench" / "realtimeqa-dev" / "articles.jsonl"


def run(count: int, chroma_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "subset.jsonl"
        with DEV_ARTICLES.open() as source, subset.open("w") as target:
            for _, line in zip(range(count), source, strict=False):
                target.write(line)
        service = create_service(load_settings(data_dir=Path(tmp) / "data",
                                               chroma_url=chroma_url,
                                               index_name=f"bench{int(time.time())}"))
        embedder = service.embedder
        embedder.embed_query("warm up")

        articles = [item.article for item in load_paths([subset]) if item.article]
        texts = []
        for article in articles:
            cleaned = article.model_copy(update={"text": clean_text(article.text)})
            texts += [passage_embedding_text(cleaned, chunk) for chunk in chunk_text(
                cleaned.text, embedder.count_tokens, service.settings.chunk_tokens,
                service.settings.chunk_overlap_sentences)]
        start = time.perf_counter()
        embedder.embed_passages(texts)
        model_s = time.perf_counter() - start

        start = time.perf_counter()
        report = service.ingest([subset])
        ingest_s = time.perf_counter() - start
    return {
        "articles": len(articles), "passages": report.passages_written,
        "model_passages_per_s": round(len(texts) / model_s, 1),
        "ingest_passages_per_s": round(report.passages_written / ingest_s, 1),
        "ingest_articles_per_s": round(len(articles) / ingest_s, 2),
        "ratio": round(model_s / ingest_s * report.passages_written / len(texts), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--server", action="store_true", help="Also into a Chroma server.")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    rows = {"embedded": run(args.articles, None)}
    if args.server:
        with tempfile.TemporaryDirectory() as tmp:
            process, url = serve_chroma(Path(tmp))
            try:
                rows["server"] = run(args.articles, url)
            finally:
                process.terminate()
                process.wait(timeout=30)
    print_table(rows, "store")
    write_results(f"ingest_throughput{args.label}", rows)


if __name__ == "__main__":
    main()
