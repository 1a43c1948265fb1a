"""Re-checking watched questions after an ingest: 100 watches, then 50 new articles.

    .venv/bin/python benchmarks/watches.py --source /work/data/dev/store --work /tmp/nb-watches

The store is a copy of benchmarks/timeline.py's 10k-passage store (built here when missing);
the watches are the first 100 questions of the development slice, asked as of their days; the
new articles are 50 articles of the slice under new ids (so they are new to the store). Ingest
re-checks the watches whose terms the new articles hold; the re-check is then timed alone
(the same watches answered again). Target: the re-check <= 10 s on 2 cores. Prints a table
and writes benchmarks/results/watches.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from benchmarks.scale import build  # noqa: E402

DEV = REPO.parent / "shared" / "bench" / "realtimeqa-dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--watches", type=int, default=100)
    parser.add_argument("--articles", type=int, default=50)
    args = parser.parse_args()

    from chatbot.schema import Filters
    from chatbot.service import create_service
    from chatbot.settings import load_settings
    from chatbot.story.watches import SHARED_OWNER

    base = args.work / "size-10000"
    if not (base / ".built").exists():
        build(args.source, base, 10_000)
    target = args.work / "watched"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target)
    service = create_service(load_settings(config_file=None, data_dir=target))
    service.warm_up()
    service.warm_up_ranking()
    questions = [json.loads(line) for line in
                 (DEV / "questions.jsonl").read_text().splitlines()[:args.watches]]
    start = time.perf_counter()
    for q in questions:
        service.watches.add(SHARED_OWNER, q["question"], Filters(as_of=q["date"]))
    added = time.perf_counter() - start

    fresh = args.work / "new-articles.jsonl"
    with fresh.open("w", encoding="utf-8") as out:
        for line in (DEV / "articles.jsonl").read_text().splitlines()[-args.articles:]:
            article = json.loads(line)
            out.write(json.dumps({**article, "id": f"{article['id']}~new"}) + "\n")
    start = time.perf_counter()
    report = service.ingest([fresh])
    ingest = time.perf_counter() - start
    texts = [service.article_text(i) or "" for i in report.added]
    asked: list[str] = []
    answer = service.watches.ask
    service.watches.ask = lambda q, f: (asked.append(q), answer(q, f))[1]
    start = time.perf_counter()
    changes = service.watches.check(texts)
    recheck = time.perf_counter() - start
    row = {"watches": len(questions), "new_articles": len(report.added),
           "adding_s": round(added, 1), "ingest_with_recheck_s": round(ingest, 1),
           "touched": len(asked), "recheck_s": round(recheck, 2),
           "changes_on_second_check": len(changes)}
    print_table({"watches": row}, "measure")
    write_results("watches", row)


if __name__ == "__main__":
    main()
