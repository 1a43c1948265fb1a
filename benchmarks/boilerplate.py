"""How much boilerplate reaches the index: raw text vs cleaned text of a news corpus.

    .venv/bin/python benchmarks/boilerplate.py [--articles PATH.jsonl]

Two independent measures, so the cleaner is not graded by its own rules:

* template lines: lines (4+ words) that occur verbatim in 5 or more different articles, the
  signature of page furniture (newsletter prompts, bylines, disclaimers). Some are real story
  text repeated by daily roundups, so this overstates boilerplate a little;
* audit markers: lines matching a short list of boilerplate phrases written for this audit
  (sign-up and newsletter prompts, cookie and ad notices, social follow lines, contact lines).

Prints characters and lines for each, raw and cleaned, plus the characters each cleaning rule
removed, and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from index.articles import load_paths  # noqa: E402
from index.clean import CleanReport, clean_text, normalise_text  # noqa: E402

DEV = REPO.parent / "shared" / "bench" / "realtimeqa-dev" / "articles.jsonl"
AUDIT = re.compile(
    r"sign up|newsletter|subscribe|cookie|advertisement|relevant is this ad|follow .{0,40} on "
    r"(twitter|facebook|instagram)|all rights reserved|©|click here|read more|contact .{0,60}@|"
    r"inbox|podcast|this story has been updated|content partner|commission",
    re.IGNORECASE)


def measure(texts: list[str]) -> dict[str, int]:
    per_article = [[line for line in t.split("\n") if line.strip()] for t in texts]
    counts = Counter(line for lines in per_article for line in set(lines)
                     if len(line.split()) >= 4)
    template = {line for line, n in counts.items() if n >= 5}
    lines = [line for lines in per_article for line in lines]
    return {
        "chars": sum(len(line) for line in lines),
        "template_lines": sum(line in template for line in lines),
        "template_chars": sum(len(line) for line in lines if line in template),
        "audit_lines": sum(bool(AUDIT.search(line)) for line in lines),
        "audit_chars": sum(len(line) for line in lines if AUDIT.search(line)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=Path, default=DEV)
    args = parser.parse_args()
    articles = [item.article for item in load_paths([args.articles]) if item.article]
    report = CleanReport()
    raw = [normalise_text(a.text) for a in articles]
    cleaned = [clean_text(a.text, report) for a in articles]
    rows = {"raw": measure(raw), "cleaned": measure(cleaned)}
    print(f"{len(articles)} articles")
    print_table(rows)
    print("removed by rule:", dict(report.removed_chars.most_common()))
    write_results("boilerplate", {**rows, "removed_by_rule": dict(report.removed_chars)})


if __name__ == "__main__":
    main()
