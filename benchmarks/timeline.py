"""Timeline latency over a 10k-passage store: p50 and p95 of ``ChatService.timeline`` for the
stories of evals/timelines-dev.jsonl, each as of its day (warm: the model loaded, one round
first).

    .venv/bin/python benchmarks/timeline.py --source /work/data/dev/store --work /tmp/nb-timeline \
        [--size 10000] [--rounds 3]

``--source`` is a data folder holding the ingested RealTime QA development slice. The store
measured is built from its real passages by benchmarks/scale.py's ``build`` (re-identified
copies, vectors reused) with exactly ``--size`` passages. Target: p50 <= 1 s on 2 cores.
Prints a table and writes benchmarks/results/timeline.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from benchmarks.scale import build  # noqa: E402

STORIES = REPO / "evals" / "timelines-dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from chatbot.evaluation.timelines import load_timeline_set
    from chatbot.schema import Filters
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    target = args.work / f"size-{args.size}"
    if not (target / ".built").exists():
        print(f"building {target} ({args.size:,} passages) ...", flush=True)
        build(args.source, target, args.size)
    service = create_service(load_settings(config_file=None, data_dir=target))
    stories = load_timeline_set(STORIES)
    service.warm_up()
    service.warm_up_ranking()
    timings: list[float] = []
    for round_ in range(args.rounds + 1):
        for story in stories:
            start = time.perf_counter()
            service.timeline(story.topic, Filters(as_of=story.as_of), story.limit)
            if round_:  # the first round warms caches
                timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    row = {"passages": service.stats().passages, "timelines": len(timings),
           "p50_ms": round(statistics.median(timings)),
           "p95_ms": round(timings[int(0.95 * (len(timings) - 1))]),
           "max_ms": round(timings[-1])}
    print_table({"timeline": row}, "measure")
    write_results("timeline", row)


if __name__ == "__main__":
    main()
