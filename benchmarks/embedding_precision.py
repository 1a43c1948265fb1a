"""The bundled model in float32 and in bfloat16: speed of each encoding job, and agreement.

    .venv/bin/python benchmarks/embedding_precision.py --bench ../shared/bench/realtimeqa-dev \\
        [--articles 60] [--questions 100] [--rounds 3]

Real text from a RealTime QA slice, encoded the three ways the product encodes:
- ``candidates``: an answer's shortlist, 8 sentences of one article per call (the hot step of
  every extractive answer);
- ``question``: one question per call;
- ``passages``: the ingest's chunks (~200 word-pieces), 64 per call.
Precisions alternate round by round so a busy machine weighs on both alike; the median
milliseconds per call are reported. Agreement: the cosine between the two vectors of each
text, and for each question its scores against 40 candidate sentences (its own article's
first, then others): the largest and mean difference, and whether the best-scoring sentence
is the same. Prints a table and writes benchmarks/results/embedding_precision.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from index.chunking import chunk_text, sentence_spans  # noqa: E402
from index.embedding import Embedder  # noqa: E402

PRECISIONS = ("float32", "bfloat16")
CANDIDATES = 8
PASSAGE_BATCH = 64


def _texts(bench: Path, articles: int, questions: int, counter: Embedder,
           ) -> tuple[list[list[str]], list[str], list[str]]:
    """Candidate groups (sentences of one article), questions, and ingest chunks."""
    rows = [json.loads(line) for line in (bench / "articles.jsonl").open(encoding="utf-8")]
    rows = rows[:articles]
    groups, passages = [], []
    for row in rows:
        text = row["text"]
        sentences = [text[s:e] for s, e in sentence_spans(text) if e - s > 30]
        if len(sentences) >= CANDIDATES:
            groups.append(sentences[:CANDIDATES])
        passages += [c.text for c in chunk_text(text, counter.count_tokens)]
    asked = [json.loads(line)["question"]
             for line in (bench / "questions.jsonl").open(encoding="utf-8")][:questions]
    return groups, asked, passages


def _timed_calls(embedder: Embedder, calls: list[list[str]]) -> list[float]:
    times = []
    for texts in calls:
        start = time.perf_counter()
        embedder.embed_passages(texts)
        times.append((time.perf_counter() - start) * 1000)
    return times


def speed(models: dict[str, Embedder], jobs: dict[str, list[list[str]]], rounds: int,
          ) -> dict[str, dict[str, Any]]:
    times: dict[str, dict[str, list[float]]] = {p: {j: [] for j in jobs} for p in models}
    for _ in range(rounds):
        for precision, model in models.items():
            for job, calls in jobs.items():
                times[precision][job] += _timed_calls(model, calls)
    return {precision: {f"{job} ms": round(statistics.median(values), 1)
                        for job, values in by_job.items()}
            for precision, by_job in times.items()}


def agreement(models: dict[str, Embedder], groups: list[list[str]], asked: list[str],
              ) -> dict[str, Any]:
    exact, fast = models["float32"], models["bfloat16"]
    pool = [s for group in groups for s in group][:40]
    cosines = np.sum(exact.embed_passages(pool) * fast.embed_passages(pool), axis=1)
    exact_scores = exact.embed_passages(asked) @ exact.embed_passages(pool).T
    fast_scores = fast.embed_passages(asked) @ fast.embed_passages(pool).T
    gap = np.abs(exact_scores - fast_scores)
    return {"cosine min": round(float(cosines.min()), 5),
            "cosine mean": round(float(cosines.mean()), 5),
            "score diff max": round(float(gap.max()), 4),
            "score diff mean": round(float(gap.mean()), 5),
            "same best sentence": round(float(np.mean(
                exact_scores.argmax(1) == fast_scores.argmax(1))), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, required=True, help="a RealTime QA slice folder")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    models = {p: Embedder(precision=p) for p in PRECISIONS}  # type: ignore[arg-type]
    groups, asked, passages = _texts(args.bench, args.articles, args.questions,
                                     models["float32"])
    jobs = {"candidates": groups, "question": [[q] for q in asked],
            "passages": [passages[i:i + PASSAGE_BATCH]
                         for i in range(0, len(passages), PASSAGE_BATCH)]}
    for model in models.values():  # load and warm up before timing
        model.embed_passages(groups[0])
    rows = speed(models, jobs, args.rounds)
    print_table(rows, "precision")
    agreed = agreement(models, groups, asked)
    print_table({"bfloat16 vs float32": agreed}, "")
    write_results("embedding_precision", {"speed": rows, "agreement": agreed,
                                          "calls": {j: len(c) for j, c in jobs.items()}})


if __name__ == "__main__":
    main()
