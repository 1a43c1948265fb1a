"""The cross-validation table for a fixed code tree, through the product's own ``newsbot eval``.

    .venv/bin/python -m benchmarks.cv_baseline /work/data/periods --code /path/to/checkout \\
        --label main --out /work/data/cv/baselines [--set reranker=features ...]

A baseline fits nothing per fold: the code and the models it ships are asked every period's
questions against the period's store, its decline test and the report off-topic list against
the decline store (the same three sets period_cv.py scores), with ``newsbot eval`` run from
``--code`` (any checkout, e.g. a worktree of an earlier revision, using this environment's
packages). ``--set`` gives settings as NEWSBOT_* environment variables. The figures are the
same columns as period_cv.py's, read from each run's results.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.cv_decide import summary_table
from benchmarks.period_cv import off_topic_report
from benchmarks.period_stores import PERIODS


def run_eval(code: Path, store: Path, questions: Path, out: Path, env: dict[str, str],
             ) -> list[dict]:
    """Each question's result of ``newsbot eval`` as run from ``code``."""
    results = out / "results.jsonl"
    if not results.exists():
        subprocess.run([sys.executable, "-m", "chatbot.cli", "--data-dir", str(store), "eval",
                        str(questions), "--out", str(out)], cwd=code, check=True,
                       env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    return [json.loads(line) for line in results.read_text().splitlines() if line]


def fold(full: list[dict], natural: list[dict], decline: list[dict], off_topic: list[dict],
         ) -> dict[str, float]:
    """One held-out period's figures from its three runs' results."""
    def share(rows: list[dict], test: Callable[[dict], object]) -> float:
        return statistics.fmean(bool(test(r)) for r in rows)

    def declined(r: dict) -> bool:
        return bool(r["declined"])

    answerable = [r for r in decline if not r["unanswerable"]]
    unanswerable = [r for r in decline if r["unanswerable"] and r["category"] != "off-topic"]
    return {
        "<=3": share(full, lambda r: r["correct_at"].get("3")),
        "first": share(full, lambda r: r["correct_at"].get("1")),
        "choice": share(full, lambda r: r["choice_correct"]),
        "natural": share(natural, lambda r: r["correct_at"].get("3")),
        "hit@5": share(full, lambda r: r["rank"] is not None and r["rank"] <= 5),
        "strict@8": share(full, lambda r: r["strict_rank"] is not None and r["strict_rank"] <= 8),
        "declined": share(full, declined),
        "false_decl": share(answerable, declined),
        "recall": share(unanswerable, declined),
        "off-topic": share(off_topic, declined),
        "p50_ms": statistics.median(r["timings_ms"].get("total_ms", 0.0) for r in full),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("periods", type=Path)
    parser.add_argument("--code", type=Path, required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE")
    parser.add_argument("--only", default="", help="comma-separated periods (default: all)")
    args = parser.parse_args()
    env = {f"NEWSBOT_{k.upper()}": v for k, v in (item.split("=", 1) for item in args.set)}
    wanted = set(filter(None, args.only.split(",")))
    rows = {}
    for period in (p for p in PERIODS if not wanted or p.name in wanted):
        folder = args.periods / period.name
        out = args.out / args.label / period.name
        rows[period.name] = fold(
            run_eval(args.code, folder / "store", folder / "questions.jsonl", out / "full", env),
            run_eval(args.code, folder / "store", folder / "natural.jsonl", out / "natural", env),
            run_eval(args.code, folder / "decline" / "store",
                     folder / "decline" / "questions.jsonl", out / "decline", env),
            run_eval(args.code, folder / "decline" / "store",
                     off_topic_report(args.periods, period.name), out / "offtopic", env))
        print(f"  {period.name}: done", flush=True)
    print(summary_table(args.label, rows))


if __name__ == "__main__":
    main()
