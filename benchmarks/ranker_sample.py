"""A training store small enough to build in ~20 minutes on two cores, and still realistic.

Ingesting the whole training slice (11,106 articles, ~130k passages) takes about 90 minutes
here. The ranker needs, per question, the candidates a real question meets: the passages that
hold its answer AND the same-topic passages that do not (older stories, roundups, other
outlets). So the subsample is:

* a share of the questions, by whole question days (a day's questions share their news, and
  whole days keep a week's competing stories together), spread over both training periods by a
  seeded draw;
* for each of them, the articles a search would bring: the best BM25 matches of the question
  over all training articles (its topical distractors, old and new), plus the best-matching
  articles that contain a gold answer (the positives), a few of each;
* a small random share of the remaining articles as background noise.

The articles of the training slice are the questions' own search results, so this keeps the
mix of a question's candidates while cutting the unrelated bulk.

    python benchmarks/ranker_sample.py --out /work/data/train-sample.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chatbot.evaluation.metrics import contains_answer  # noqa: E402
from index.store.terms import terms  # noqa: E402

TRAIN = REPO.parent / "shared" / "bench" / "realtimeqa-train"


def sample(bench: Path, share: float, per_question: int, positives: int, background: int,
           seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(questions, articles) of the subsample; see the module docstring."""
    import bm25s

    rng = random.Random(seed)
    questions = [json.loads(line) for line in (bench / "questions.jsonl").open()]
    articles = [json.loads(line) for line in (bench / "articles.jsonl").open()]
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_day[q["date"]].append(q)
    days = sorted(by_day)
    rng.shuffle(days)
    chosen: list[dict[str, Any]] = []
    for day in days:
        if len(chosen) >= share * len(questions):
            break
        chosen.extend(by_day[day])
    corpus = [terms(f"{a.get('title', '')} {a['text'][:4000]}") for a in articles]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    keep: set[int] = set()
    for q in chosen:
        query = terms(q["question"])
        if not query:
            continue
        ids, _ = retriever.retrieve([query], k=60, show_progress=False)
        ranked = [int(i) for i in ids[0]]
        gold = [i for i in ranked if contains_answer(articles[i]["text"], q["answers"])]
        mine = set(ranked[:per_question]) | set(gold[:positives])
        # Which articles were drawn for the question (a partial store covers a question
        # when all of them are in it).
        q["sample_articles"] = sorted(articles[i]["id"] for i in mine)
        keep.update(mine)
    rest = [i for i in range(len(articles)) if i not in keep]
    keep.update(rng.sample(rest, min(background, len(rest))))
    return chosen, [articles[i] for i in sorted(keep)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", type=Path, default=TRAIN)
    parser.add_argument("--out", type=Path, required=True,
                        help="Articles JSONL, outside the repo.")
    parser.add_argument("--share", type=float, default=0.2, help="Share of the questions.")
    parser.add_argument("--per-question", type=int, default=5)
    parser.add_argument("--positives", type=int, default=3)
    parser.add_argument("--background", type=int, default=150)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    questions, articles = sample(args.bench, args.share, args.per_question, args.positives,
                                 args.background, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for article in articles:
            out.write(json.dumps(article) + "\n")
    with args.out.with_name(args.out.stem + "-questions.jsonl").open("w") as out:
        for q in questions:
            out.write(json.dumps(q) + "\n")
    print(f"{len(questions)} questions, {len(articles)} articles -> {args.out}")


if __name__ == "__main__":
    main()
