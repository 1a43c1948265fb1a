"""Calibrates the citation-support thresholds on the labelled claims of evals/support.jsonl.

Prints every claim's signals (similarity, coverage, missing names/numbers, contradicted words),
then a grid of similarity x coverage thresholds with false accepts and false rejects, and the
confusion at the thresholds chatbot.answering.citations.verify uses.
Writes benchmarks/results/support.json.

    .venv/bin/python benchmarks/support_thresholds.py [evals/support.jsonl]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import chatbot  # noqa: E402, F401  (offline switches first)
from benchmarks._output import write_results  # noqa: E402
from chatbot.answering.citations import verify as citations  # noqa: E402
from chatbot.answering.citations.verify import CitationVerifier, Source  # noqa: E402
from index.embedding import Embedder  # noqa: E402


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "evals" / "support.jsonl"
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    verifier = CitationVerifier(Embedder())
    rows = []
    for case in cases:
        check = verifier.check(case["claim"], Source.from_text(1, case["source"]))
        rows.append({**case, "similarity": round(check.similarity, 3),
                     "coverage": round(check.coverage, 3), "missing": list(check.missing),
                     "contradicted": list(check.contradicted), "fragment": check.fragment,
                     "accepted": check.supported})
    print(f"{'label':5} {'acc':3} {'sim':>5} {'cov':>5}  missing/contradicted  claim")
    for r in sorted(rows, key=lambda r: (r["supported"], r["similarity"])):
        flags = ",".join(r["missing"] + [f"!{w}" for w in r["contradicted"]])
        print(f"{'yes' if r['supported'] else 'no':5} {'yes' if r['accepted'] else 'no':3} "
              f"{r['similarity']:5.2f} {r['coverage']:5.2f}  {flags[:20]:20} {r['claim'][:70]}")
    grid = []
    for sim in (0.5, 0.6, 0.65, 0.68, 0.7, 0.75, 0.8):
        for cov in (0.4, 0.5, 0.6, 0.7, 0.8):
            accepted = [not r["missing"] and not r["contradicted"] and (
                r["coverage"] == 1.0 if r["fragment"]
                else r["similarity"] >= sim and r["coverage"] >= cov) for r in rows]
            pairs = list(zip(accepted, rows, strict=True))
            false_accepts = sum(a and not r["supported"] for a, r in pairs)
            false_rejects = sum(r["supported"] and not a for a, r in pairs)
            grid.append({"similarity": sim, "coverage": cov, "false_accepts": false_accepts,
                         "false_rejects": false_rejects})
    print("\nsim   cov   false accepts  false rejects   (of "
          f"{sum(not r['supported'] for r in rows)} unsupported, "
          f"{sum(r['supported'] for r in rows)} supported)")
    for g in grid:
        mark = " <- in use" if (g["similarity"], g["coverage"]) == (
            citations.MIN_SUPPORT_SIMILARITY, citations.MIN_SUPPORT_COVERAGE) else ""
        print(f"{g['similarity']:.2f}  {g['coverage']:.2f}  {g['false_accepts']:13d}  "
              f"{g['false_rejects']:13d}{mark}")
    write_results("support", {"cases": rows, "grid": grid})


if __name__ == "__main__":
    main()
