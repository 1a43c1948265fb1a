"""Leave-one-period-out cross-validation of the extractive answering path on the training slice.

    .venv/bin/python -m benchmarks.period_stores /work/data/periods        # once (~2 h)
    .venv/bin/python -m benchmarks.reader_data /work/data/periods          # once, for the reader
    .venv/bin/python -m benchmarks.period_cv /work/data/periods --work /work/data/cv \\
        --config reader [--config refit --config hand-set] [--budget 0.04 --budget 0.06] \\
        [--fill 0.5]

What a new period of news would see: each period of the training slice
(benchmarks/period_stores.py) is held out in turn, with a store of its own questions' articles
and its decline test, and every fitted part is fitted on the other periods only:

* the reader (benchmarks/fit_reader.py), one per held-out period;
* the passage ranker, on every period's fused candidates (collected once with nothing fitted);
* the sentence ranker, on the shortlists of the other periods, each collected with the passage
  ranker and the reader of its own fold (out-of-fold, as stacked models are fitted);
* the answer-or-decline decision, on the other periods' records (cv_records.py), each asked
  with its own fold's models: the records keep what the decision reads and how the composed
  answer scores, so every kind of decision and every false-decline budget is scored on the
  same answers without asking again.

Off-topic questions: every decline test holds the same fit list (make_decline_set's
OFF_TOPIC_FIT), so the held-out figure is taken on the report list, which no fold fits on.
Prints one row per fold and the mean and the worst fold for each configuration and decision.
Everything is cached under ``--work``; a rerun continues where it stopped.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import cv_records
from benchmarks.cv_decide import DECISIONS, fold_table
from benchmarks.make_decline_set import OFF_TOPIC_REPORT
from benchmarks.period_stores import PERIODS, fit_questions, read_jsonl, write_jsonl

REPO = Path(__file__).resolve().parents[1]
HAND_SET = {"reranker": "features", "sentence_ranker": "features"}
KINDS = ("full", "natural", "decline", "offtopic")


@dataclass(frozen=True)
class Config:
    """A way of answering: settings, and which parts are fitted per fold."""

    settings: dict[str, Any]
    rankers: bool = False
    reader: bool = False
    decisions: tuple[str, ...] = ("floor",)
    reader_args: tuple[str, ...] = field(default=())


CONFIGS = {
    "hand-set": Config({**HAND_SET, "reader": False}),
    "refit": Config({"reader": False}, rankers=True,
                    decisions=("floor", "additive", "logistic")),
    "reader": Config({"reader": True}, rankers=True, reader=True,
                     decisions=("floor", "additive", "logistic", "reader")),
}


def names() -> list[str]:
    return [p.name for p in PERIODS]


def passage_groups(periods: Path, work: Path) -> dict[str, list[Any]]:
    """Every period's fused candidates with their features and labels (nothing fitted)."""
    from benchmarks.fit_ranker import passage_groups as collect
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    found = {}
    for name in names():
        cache = work / "passages" / f"{name}.pkl"
        if not cache.exists():
            settings = load_settings(config_file=None, data_dir=periods / name / "store",
                                     reader=False, **HAND_SET)
            service = create_service(settings)
            service.sync_keywords()
            groups = collect(service, fit_questions(periods / name))
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(groups))
        found[name] = pickle.loads(cache.read_bytes())
    return found


def fit_readers(periods: Path, work: Path, extra: tuple[str, ...]) -> None:
    """One reader per held-out period (a subprocess each: a fit holds ~1 GB of graphs)."""
    for name in names():
        out = reader_file(work, extra, name)
        if not out.exists():
            subprocess.run([sys.executable, "-m", "benchmarks.fit_reader", str(periods),
                            "--exclude", name, "--out", str(out), *extra],
                           check=True, cwd=REPO)


def reader_file(work: Path, extra: tuple[str, ...], held_out: str) -> Path:
    tag = "-".join(a.lstrip("-") for a in extra) or "default"
    return work / "readers" / tag / f"{held_out}.safetensors"


def fit_rankers(periods: Path, work: Path, config: Config, folds: Path) -> None:
    """Each fold's passage ranker, then (the shortlists depend on it) its sentence ranker."""
    from benchmarks.fit_ranker import fit, sentence_groups
    from chatbot.answering.ranking_features import PASSAGE_FEATURES, SENTENCE_FEATURES
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    groups = passage_groups(periods, work)
    for name in names():
        target = folds / name / "ranker_passages.txt"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            train = [g for other in names() if other != name for g in groups[other]]
            fit(train, PASSAGE_FEATURES, "graded").save_model(str(target))
    shortlists = {}
    for name in names():
        cache = folds / name / "sentences.pkl"
        if not cache.exists():
            settings = load_settings(config_file=None, data_dir=periods / name / "store",
                                     models_dir=folds / name, sentence_ranker="features",
                                     **config.settings)
            service = create_service(settings)
            service.sync_keywords()
            found = sentence_groups(service, fit_questions(periods / name),
                                    folds / name / "ranker_passages.txt", False)
            cache.write_bytes(pickle.dumps(found))
        shortlists[name] = pickle.loads(cache.read_bytes())
    for name in names():
        target = folds / name / "ranker_sentences.txt"
        if not target.exists():
            train = [g for other in names() if other != name for g in shortlists[other]]
            fit(train, SENTENCE_FEATURES, "silver").save_model(str(target))


def off_topic_report(periods: Path, name: str) -> Path:
    """The report list of off-topic questions, asked as of the period's newest day (as its
    decline test asks its fit list)."""
    out = periods / name / "offtopic-report.jsonl"
    if not out.exists():
        asked = next(q["date"] for q in read_jsonl(periods / name / "decline" / "questions.jsonl")
                     if q.get("category") == "off-topic")
        write_jsonl(out, [{"id": f"offtopic-report-{i:02d}", "question": text, "date": asked,
                           "unanswerable": True, "category": "off-topic-report"}
                          for i, text in enumerate(OFF_TOPIC_REPORT, 1)])
    return out


def collect_records(periods: Path, config: Config, folds: Path) -> None:
    """Each period's records, asked with its own fold's models: its questions against its
    store, its decline test and the report off-topic list against the decline store."""
    for name in names():
        folder = periods / name
        settings = {**config.settings, "decline_model": False}
        if config.rankers or config.reader:
            settings["models_dir"] = folds / name
        for kind, store, questions in (
                ("full", folder / "store", folder / "questions.jsonl"),
                ("natural", folder / "store", folder / "natural.jsonl"),
                ("decline", folder / "decline" / "store", folder / "decline" / "questions.jsonl"),
                ("offtopic", folder / "decline" / "store", off_topic_report(periods, name))):
            out = folds / name / f"records-{kind}.jsonl"
            if not out.exists():
                cv_records.save(out, cv_records.collect(store, questions, settings))
                print(f"  {name} {kind}: recorded", flush=True)


def run(periods: Path, work: Path, name: str, config: Config, budgets: list[float],
        fills: list[float]) -> None:
    folds = work / name / "folds"
    if config.reader:
        fit_readers(periods, work, config.reader_args)
        for period in names():
            link = folds / period / "reader.safetensors"
            if not link.exists():
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(reader_file(work, config.reader_args, period))
    if config.rankers:
        fit_rankers(periods, work, config, folds)
    collect_records(periods, config, folds)
    records = {period: {kind: cv_records.load(folds / period / f"records-{kind}.jsonl")
                        for kind in KINDS} for period in names()}
    for decision in config.decisions:
        for budget in (budgets if DECISIONS[decision].fitted else [0.0]):
            for fill in [None, *fills]:
                label = (f"{name} / {decision}" + (f" @ {budget:g}" if budget else "")
                         + (f", fill {fill}" if fill is not None else ""))
                print(fold_table(label, records, decision, budget, config.settings, fill))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("periods", type=Path, help="the folder period_stores.py wrote")
    parser.add_argument("--work", type=Path, required=True, help="cache folder (outside the "
                        "repository)")
    parser.add_argument("--config", action="append", choices=sorted(CONFIGS), required=True)
    parser.add_argument("--budget", type=float, action="append", default=[],
                        help="share of the fit periods' answerable questions a fitted decision "
                             "may decline (repeatable; 0.04 and 0.06 when not given)")
    parser.add_argument("--fill", type=float, action="append", default=[],
                        choices=cv_records.FILL_MARGINS, help="also score the answers with "
                        "this fill margin (repeatable; the fill_margin setting)")
    args = parser.parse_args()
    for name in args.config:
        run(args.periods, args.work, name, CONFIGS[name], args.budget or [0.04, 0.06],
            args.fill)


if __name__ == "__main__":
    main()
