"""Split the RealTime QA training slice into periods, each with a store of its own articles.

    .venv/bin/python -m benchmarks.period_stores /work/data/periods [--only 2024h1,2024h2] \
        [--jobs 2]

Leave-one-period-out cross-validation (benchmarks/period_cv.py) needs what a deployment has:
one store per period holding only the search-result articles of that period's questions
(``question_articles.jsonl``), never articles of another period. For each period this writes,
under the output folder (outside the repository: the articles are the publishers'):

* ``<period>/questions.jsonl`` and ``<period>/articles.jsonl``: the period's slice, and
  ``<period>/natural.jsonl``: the questions of evals/natural-train.jsonl written over it (short
  questions people type, fitted on beside the quiz's);
* ``<period>/store``: the slice ingested (skipped when it is already complete, so a rerun
  after an interruption continues where it stopped);
* ``<period>/decline``: the decline test of the period (benchmarks/make_decline_set.py): a copy
  of the store without every article holding the answers of some of its questions, with the
  fit list of off-topic questions and questions about the period's people nobody answers.

Periods are about a quarter where the slice is dense (Oct 2022 - Jun 2023; the five September
2023 questions join the second quarter) and half-years for 2024 and 2025, so each holds 170-300
questions and 1,100-2,400 articles, the size of the periods newsbot is checked on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "bench" / "realtimeqa-train"
NATURAL = REPO / "evals" / "natural-train.jsonl"
# The decline test removes every article holding the answer of this share of the questions
# whose answer is in at most DECLINE_MAX_ARTICLES articles: about a fifth of a period's
# questions, enough to measure decline recall per period.
DECLINE_SHARE = 0.6
DECLINE_MAX_ARTICLES = 8


@dataclass(frozen=True)
class Period:
    """A run of question days, inclusive, named like ``2023q1`` or ``2024h2``."""

    name: str
    first: str
    last: str

    def holds(self, day: str) -> bool:
        return self.first <= day <= self.last


PERIODS = (
    Period("2022q4", "2022-10-01", "2022-12-31"),
    Period("2023q1", "2023-01-01", "2023-03-31"),
    Period("2023q2", "2023-04-01", "2023-12-31"),
    Period("2024h1", "2024-01-01", "2024-06-30"),
    Period("2024h2", "2024-07-01", "2024-12-31"),
    Period("2025h1", "2025-01-01", "2025-06-30"),
    Period("2025h2", "2025-07-01", "2025-12-31"),
)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def split(train: Path, out: Path, periods: tuple[Period, ...]) -> dict[str, int]:
    """Write each period's questions and articles; how many questions each period holds."""
    questions = read_jsonl(train / "questions.jsonl")
    own = {row["id"]: row["article_ids"] for row in read_jsonl(train / "question_articles.jsonl")}
    articles = {a["id"]: a for a in read_jsonl(train / "articles.jsonl")}
    counts: dict[str, int] = {}
    for period in periods:
        asked = [q for q in questions if period.holds(q["date"])]
        ids = sorted({i for q in asked for i in own.get(q["id"], []) if i in articles})
        write_jsonl(out / period.name / "questions.jsonl", asked)
        write_jsonl(out / period.name / "articles.jsonl", [articles[i] for i in ids])
        counts[period.name] = len(asked)
    write_natural(out, periods)
    return counts


def write_natural(out: Path, periods: tuple[Period, ...] = PERIODS) -> None:
    """Each period's natural questions (evals/natural-train.jsonl names their period)."""
    natural = read_jsonl(NATURAL)
    for period in periods:
        write_jsonl(out / period.name / "natural.jsonl",
                    [q for q in natural if q["period"] == period.name])


def fit_questions(folder: Path) -> list[dict]:
    """A period's questions to fit on: the quiz's and the natural ones."""
    natural = folder / "natural.jsonl"
    return read_jsonl(folder / "questions.jsonl") + (read_jsonl(natural) if natural.exists()
                                                     else [])


def ingest(folder: Path) -> None:
    """Ingest the period's articles into ``<folder>/store`` (a no-op for those already in)."""
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    marker = folder / "store" / ".complete"
    if marker.exists():
        return
    service = create_service(load_settings(config_file=None, data_dir=folder / "store"))
    start = time.perf_counter()
    report = service.ingest([folder / "articles.jsonl"])
    service.sync_keywords()
    stats = service.stats()
    print(f"{folder.name}: {report.counts}, {stats.passages} passages, "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    marker.write_text(json.dumps({"articles": stats.articles, "passages": stats.passages}))


def decline_set(folder: Path, seed: int) -> None:
    """The period's decline test, from a copy of its store (no re-embedding)."""
    from benchmarks import make_decline_set as decline

    out = folder / "decline"
    if (out / "questions.jsonl").exists():
        return
    only = decline.copy_store(folder / "store", out / "store")
    questions, removed, left_out = decline.build(folder, DECLINE_SHARE, DECLINE_MAX_ARTICLES,
                                                 seed, 20, only, "fit")
    write_jsonl(out / "questions.jsonl", questions)
    (out / "removed.txt").write_text("".join(f"{i}\n" for i in removed), encoding="utf-8")
    left = decline.remove_articles(out / "store", removed)
    counts = Counter(q["category"] for q in questions)
    print(f"{folder.name} decline: {dict(counts)}, {len(removed)} removed, {left_out} left out, "
          f"{left} articles left", flush=True)


def build_side_by_side(out: Path, train: Path, seed: int, periods: tuple[Period, ...],
                       jobs: int) -> None:
    """The periods' stores in ``jobs`` processes of one torch thread each (on a few cores the
    model encodes fastest so), the periods dealt out by article count so they end together."""
    groups: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for period in sorted(periods, key=lambda p: -len(read_jsonl(out / p.name / "articles.jsonl"))):
        smallest = loads.index(min(loads))
        groups[smallest].append(period.name)
        loads[smallest] += len(read_jsonl(out / period.name / "articles.jsonl"))
    env = {**os.environ, "NEWSBOT_TORCH_THREADS": "1"}
    children = {",".join(group): subprocess.Popen(
        [sys.executable, "-m", "benchmarks.period_stores", str(out), "--train", str(train),
         "--seed", str(seed), "--only", ",".join(group)], cwd=REPO, env=env)
        for group in groups if group}
    failed = [names for names, child in children.items() if child.wait() != 0]
    if failed:
        raise SystemExit(f"store builds failed: {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="data folder outside the repository")
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--only", default="", help="comma-separated period names")
    parser.add_argument("--seed", type=int, default=25, help="draws the removed answers")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes building stores side by side (one core each)")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))
    periods = tuple(p for p in PERIODS if not wanted or p.name in wanted)
    print(f"questions per period: {split(args.train, args.out, periods)}", flush=True)
    if args.jobs > 1:
        build_side_by_side(args.out, args.train, args.seed, periods, args.jobs)
        return
    for period in periods:
        ingest(args.out / period.name)
        decline_set(args.out / period.name, args.seed)


if __name__ == "__main__":
    main()
