"""The reader's training pairs: each question's candidate sentences, as the answerer meets them.

    .venv/bin/python -m benchmarks.reader_data /work/data/periods [--only 2024h1]

For every question of a period (benchmarks/period_stores.py: the quiz's and the natural ones),
asked "as of" its day against
the period's own store, the passages are retrieved with the hand-set ranking (nothing fitted,
so the pairs are the same whichever period is held out) and their sentences ranked by the
answerer's cheap signals, as the shortlist is cut at answer time. Each candidate is written
with the text the reader reads (reader.pair_text), its cheap score and its label: it holds a
gold answer in any form an article gives it ("Uhura" for "Lieutenant Uhura", a plural made
singular; make_decline_set.answer_forms). Written to ``<period>/reader.jsonl`` (outside the
repository: the sentences are the publishers').
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from benchmarks.make_decline_set import answer_forms
from benchmarks.period_stores import PERIODS, fit_questions, write_jsonl
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.answering.reader import evidence_text
from chatbot.evaluation.metrics import normalize_answer
from chatbot.schema import Filters
from chatbot.service import create_service
from chatbot.settings import load_settings

# Passages whose sentences are candidates (a little more than the answerer reads, so the
# reader also meets the sentences just outside what is read), and candidates kept a question.
READ = 10
CANDIDATES = 80
HAND_SET = {"reranker": "features", "sentence_ranker": "features", "reader": False,
            "decline_model": False}


def holds_answer(text: str, forms: set[str]) -> bool:
    padded = f" {normalize_answer(text)} "
    return any(f" {form} " in padded for form in forms)


def collect(folder: Path) -> list[dict]:
    """One row per question: its candidates best first by cheap score, labelled."""
    settings = load_settings(config_file=None, data_dir=folder / "store", **HAND_SET)
    service = create_service(settings)
    service.sync_keywords()
    answerer = service.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    rows = []
    for q in fit_questions(folder):
        passages = service.retrieve(q["question"], READ,
                                    Filters(as_of=date.fromisoformat(q["date"])))
        ranked = answerer.rank_cheaply(q["question"], passages)[:CANDIDATES]
        forms = set().union(*(answer_forms(a) for a in q["answers"] if normalize_answer(a)))
        rows.append({"id": q["id"], "question": q["question"], "date": q["date"],
                     "candidates": [{"text": evidence_text(e), "cheap": round(e.score, 4),
                                     "label": holds_answer(f"{e.text} {e.reading}", forms)}
                                    for e in ranked]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("periods", type=Path, help="the folder period_stores.py wrote")
    parser.add_argument("--only", default="", help="comma-separated period names")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))
    for period in PERIODS:
        folder = args.periods / period.name
        out = folder / "reader.jsonl"
        if (wanted and period.name not in wanted) or out.exists():
            continue
        if not (folder / "store" / ".complete").exists():
            print(f"{period.name}: store not built yet, skipped")
            continue
        start = time.perf_counter()
        rows = collect(folder)
        write_jsonl(out, rows)
        answered = sum(any(c["label"] for c in r["candidates"]) for r in rows)
        print(f"{period.name}: {len(rows)} questions, {answered} with a candidate holding the "
              f"answer, {sum(len(r['candidates']) for r in rows)} candidates, "
              f"{time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
