"""Refit every model the package ships, on all the training periods, as cross-validation chose.

    .venv/bin/python -m benchmarks.fit_models /work/data/periods --work /work/data/cv \\
        --config reader --decision additive --budget 0.04 [--out chatbot/answering]

Run benchmarks/period_cv.py with the same ``--work`` and ``--config`` first: this reuses its
caches, so each part is fitted exactly as the folds were, on all seven periods instead of six:

* the reader (benchmarks/fit_reader.py, no period left out);
* the passage ranker, on every period's fused candidates;
* the sentence ranker, on every period's shortlists (each collected with its own fold's
  passage ranker and reader, as in the folds);
* the answer-or-decline decision, on every period's records, with the threshold that
  declines at most ``--budget`` of their answerable questions.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from benchmarks import cv_records
from benchmarks.cv_decide import DECISIONS, examples, feature_names
from benchmarks.fit_answerability import with_threshold
from benchmarks.period_cv import CONFIGS, KINDS, REPO, names, passage_groups
from chatbot.answering.fitted import FittedModels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("periods", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--config", choices=sorted(CONFIGS), required=True)
    parser.add_argument("--decision", choices=sorted(DECISIONS), required=True)
    parser.add_argument("--budget", type=float, default=0.04)
    parser.add_argument("--out", type=Path, default=FittedModels().folder)
    args = parser.parse_args()
    from benchmarks.fit_ranker import fit
    from chatbot.answering.ranking_features import PASSAGE_FEATURES, SENTENCE_FEATURES

    config = CONFIGS[args.config]
    models = FittedModels(args.out)
    folds = args.work / args.config / "folds"
    if config.reader:
        subprocess.run([sys.executable, "-m", "benchmarks.fit_reader", str(args.periods),
                        "--out", str(models.reader), *config.reader_args], check=True, cwd=REPO)
    if config.rankers:
        groups = passage_groups(args.periods, args.work)
        fit([g for name in names() for g in groups[name]], PASSAGE_FEATURES,
            "graded").save_model(str(models.passages))
        shortlists = [g for name in names()
                      for g in pickle.loads((folds / name / "sentences.pkl").read_bytes())]
        fit(shortlists, SENTENCE_FEATURES, "silver").save_model(str(models.sentences))
    fitter = DECISIONS[args.decision].fit
    if fitter is not None:
        records = {name: {kind: cv_records.load(folds / name / f"records-{kind}.jsonl")
                          for kind in KINDS} for name in names()}
        train = [e for name in names() for e in examples(records[name], name)]
        model = with_threshold(fitter(train, feature_names(records)), train, args.budget)
        model = replace(model, fitted_on=f"{len(train)} questions of {', '.join(names())}, "
                                         f"{args.decision} at a {args.budget:g} budget")
        models.answerability.write_text(model.to_json() + "\n")
    print(f"wrote the {args.config} models to {args.out}")


if __name__ == "__main__":
    main()
