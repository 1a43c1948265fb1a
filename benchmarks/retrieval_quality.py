"""Retrieval and answer quality on a real news question set, one row per configuration.

    .venv/bin/python benchmarks/retrieval_quality.py --data-dir /tmp/nb-dev \
        --configs hybrid+rerank,learned,learned-time

Reads the RealTime QA development slice by path (never copied into the project), ingests it
into ``--data-dir`` if that store does not hold it yet (timing the ingest), then for each
configuration asks every question "as of" its date and reports:

* hit@5 / hit@10: a retrieved passage contains a gold answer string (silver relevance);
  answers are matched as whole words after SQuAD normalisation (chatbot/evaluation/metrics.py,
  the same rule as `newsbot eval`);
* strict hit@10: the same, counting only articles published 14 days before to 3 days after
  the question date (a passage about last year's story does not count);
* strict hit@5 likewise; read_ceiling: a passage the answerer read holds a gold answer (no
  sentence choice can do better);
* MRR@10, answer accuracy (the answer, at most 3 sentences, contains a gold answer),
  first-sentence accuracy, choice accuracy (names the right quiz option and no other),
  decline rate, sentences per answer, ask latency.

Configurations: ``hybrid+rerank`` is the hand-set weights as they were before the learned
ranker; ``learned`` the default; ``learned-<part>`` the learned ranker with one new part
switched off (time, furniture, entities, coverage composition, the sentence model, the
passage model). ``--questions`` measures another question set over its own store (e.g. the
training subsample the models were fitted on: not evidence, a check for over-fitting).

Prints a table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from chatbot.evaluation.metrics import (  # noqa: E402
    choice_correct,
    contains_answer,
    first_sentences,
    in_date_window,
)
from chatbot.schema import Filters  # noqa: E402
from chatbot.service import ChatService, create_service  # noqa: E402
from chatbot.settings import load_settings  # noqa: E402

DEV = REPO.parent / "shared" / "bench" / "realtimeqa-dev"
# The hand-set weights as they were before the learned ranker (for comparison).
HAND_SET: dict[str, Any] = {"reranker": "features", "sentence_ranker": "features",
                            "composition": "score", "furniture_filter": False}
CONFIGS: dict[str, dict[str, Any]] = {
    "dense": {**HAND_SET, "retrieval": "dense", "reranker": "none"},
    "hybrid": {**HAND_SET, "retrieval": "hybrid", "reranker": "none"},
    "hybrid+rerank": {**HAND_SET, "retrieval": "hybrid"},
    "learned": {},
    # The learned ranker with one new part switched off at a time.
    "learned-time": {"time_features": False},
    "learned-furniture": {"furniture_filter": False},
    "learned-entities": {"entity_feature": False},
    "learned-coverage": {"composition": "score"},
    "learned-sentences": {"sentence_ranker": "features"},
    "learned-passages": {"reranker": "features"},
}


def evaluate(service: ChatService, questions: list[dict[str, Any]]) -> dict[str, float]:
    rows = []
    for q in questions:
        asked = date.fromisoformat(q["date"])
        filters = Filters(as_of=asked)
        passages = service.retrieve(q["question"], 10, filters)
        hits = [contains_answer(p.text, q["answers"]) for p in passages]
        strict = [h and in_date_window(date.fromisoformat(p.published) if p.published
                                       else None, asked)
                  for h, p in zip(hits, passages, strict=True)]
        read: list[Any] = []
        start = time.perf_counter()
        answer = service.ask(q["question"], filters=filters, on_passages=read.extend)
        latency = (time.perf_counter() - start) * 1000
        rows.append({
            "hit@5": any(hits[:5]), "hit@10": any(hits), "strict_hit@5": any(strict[:5]),
            "strict_hit@10": any(strict),
            # The ceiling of answer sentences: a passage the answerer read holds an answer.
            "read_ceiling": any(contains_answer(p.text, q["answers"]) for p in read),
            "mrr@10": next((1 / (i + 1) for i, h in enumerate(hits) if h), 0.0),
            "accuracy": contains_answer(answer.answer, q["answers"]),
            "first_sentence": contains_answer(first_sentences(answer.answer, 1), q["answers"]),
            "choice": bool(choice_correct(answer.answer, answer.declined,
                                          q.get("choices") or [], q["answers"])),
            "declined": answer.declined, "latency_ms": latency,
            "sentences": len(answer.claims),
        })
    latencies = sorted(r["latency_ms"] for r in rows)
    summary = {key: round(statistics.fmean(float(r[key]) for r in rows), 3)
               for key in rows[0] if key != "latency_ms"}
    summary["p50_ms"] = round(statistics.median(latencies), 1)
    summary["p95_ms"] = round(latencies[int(0.95 * (len(latencies) - 1))], 1)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--bench", type=Path, default=DEV)
    parser.add_argument("--configs", default="hybrid+rerank,learned")
    parser.add_argument("--questions", type=Path,
                        help="Questions JSONL instead of the bench's (e.g. a training subsample).")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--label", default="", help="Suffix for row names (e.g. +cleaning).")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE",
                        help="A setting for every configuration, e.g. --set sentence_budget=8.")
    parser.add_argument("--skip-ingest", action="store_true",
                        help="Measure the store as it is (e.g. built by an older cleaner).")
    args = parser.parse_args()

    questions = [json.loads(line)
                 for line in (args.questions or args.bench / "questions.jsonl").open()]
    questions = questions[:args.limit] if args.limit else questions
    overrides = dict(item.split("=", 1) for item in args.set)
    service = create_service(load_settings(data_dir=args.data_dir, **overrides))
    results: dict[str, Any] = {"questions": len(questions), "rows": {}}
    if args.skip_ingest:
        service.sync_keywords()
    else:
        start = time.perf_counter()
        report = service.ingest([args.bench / "articles.jsonl"])
        results.update(ingest_s=round(time.perf_counter() - start, 1), ingest=report.counts)
        print(f"ingest: {report.counts} in {results['ingest_s']}s")
    print(f"index: {service.stats()}")
    for name in args.configs.split(","):
        settings = load_settings(data_dir=args.data_dir, **{**CONFIGS[name], **overrides})
        row_service = service.with_settings(settings)
        summary = evaluate(row_service, questions)
        results["rows"][name + args.label] = summary
        print(f"{name + args.label}: {summary}", flush=True)
    print_table(results["rows"], "config")
    write_results(f"retrieval_quality{args.label}", results)


if __name__ == "__main__":
    main()
