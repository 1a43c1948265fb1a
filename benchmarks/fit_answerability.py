"""Refit the answer-or-decline decision (chatbot/answerability.json) on a decline set.

    python -m benchmarks.fit_answerability \\
        --fit /work/data/decline-train/questions.jsonl --fit-store /work/data/decline-train/store \\
        --fit evals/seed.jsonl --fit-store /work/data/seed-store --fit-weight 1 --fit-weight 4 \\
        --max-false-declines 0.10 \\
        --check /work/data/decline-dev/questions.jsonl --check-store /work/data/decline-dev/store

Each question of the decline sets (benchmarks/make_decline_set.py) is asked as the service
would ask it (its follow-up rewrite, its "as of" date, the configured retrieval and extractive
scoring), and chatbot.answering.answerability.features are recorded for the answerer's best
sentence.
Two decisions are fitted on the ``--fit`` sets together (a news archive's decline set and the
seed set over its one-article store, so the decision holds for a small store as for a large
one): a logistic regression over every feature, and one
threshold on the best sentence's score. Each threshold is the lowest that declines at most
``--max-false-declines`` of the answerable questions of the fit set. Both are shown on the fit
and the check set; ``--kind auto`` keeps the one with the better decline recall on the check
set within the false-decline budget (the fit set decides when no check set is given), and
writes it to ``--out``. Run it again whenever the answerer's scores change (a new ranker).

Without ``--check``, ``--split`` holds out every other question of the fit set (by a hash of
its id) as the check set and writes the held-out ids to ``<out>.holdout.txt``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.answering.answerability import FEATURES, MODEL_FILE, AnswerabilityModel, features
from chatbot.answering.extractive import ExtractiveAnswerer
from chatbot.evaluation.dataset import EvalQuestion, load_eval_set
from chatbot.service import create_service
from chatbot.settings import load_settings

# Ridge penalty of the logistic regression (on standardised features).
L2 = 1.0


@dataclass
class Example:
    id: str
    category: str
    answerable: bool
    values: dict[str, float] | None  # None: nothing was retrieved, always a decline
    source: str = ""  # the --fit set it came from


def collect(store: Path, questions: list[EvalQuestion]) -> list[Example]:
    """Features of each question's best sentence, asked against ``store`` as the service
    asks."""
    settings = load_settings(config_file=None, data_dir=store, answerer="extractive")
    service = create_service(settings)
    service.sync_keywords()
    answerer = service.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    examples = []
    for i, question in enumerate(questions, 1):
        standalone = service.standalone(question.question, question.history)
        passages = service.retrieve(standalone, settings.passages, question.filters())
        ranked = answerer.score(standalone, passages)
        examples.append(Example(question.id, question.kind, not question.unanswerable,
                                features(standalone, ranked) if ranked else None))
        if i % 50 == 0:
            print(f"  {i}/{len(questions)}", file=sys.stderr)
    return examples


def _matrix(examples: list[Example], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[e.values[n] for n in names] for e in examples if e.values is not None])


def fit_logistic(examples: list[Example]) -> AnswerabilityModel:
    """Ridge logistic regression on standardised features (Newton's method)."""
    x = _matrix(examples, FEATURES)
    y = np.array([float(e.answerable) for e in examples if e.values is not None])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * L2
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return AnswerabilityModel("logistic", FEATURES, 0.5, tuple(map(float, w[1:])), float(w[0]),
                              tuple(map(float, mean)), tuple(map(float, scale)))


def with_threshold(model: AnswerabilityModel, examples: list[Example], budget: float,
                   ) -> AnswerabilityModel:
    """The model with the highest threshold that still answers all but ``budget`` of the
    answerable questions: it declines all it can within that budget."""
    answerable = sorted(model.score(e.values) for e in examples
                        if e.answerable and e.values is not None)
    total = sum(e.answerable for e in examples)
    allowed = int(budget * total) - sum(e.answerable and e.values is None for e in examples)
    cut = answerable[max(0, min(allowed, len(answerable) - 1))] if answerable else 0.5
    return AnswerabilityModel(model.kind, model.features, float(cut), model.weights, model.bias,
                              model.mean, model.scale)


@dataclass
class Outcome:
    recall: float
    false_declines: float
    precision: float
    off_topic_declined: str


def judge(model: AnswerabilityModel, examples: list[Example]) -> Outcome:
    declined = [e.values is None or not model.answers(e.values) for e in examples]
    unanswerable = [not e.answerable for e in examples]
    right = sum(d and u for d, u in zip(declined, unanswerable, strict=True))
    wrong = sum(d and not u for d, u in zip(declined, unanswerable, strict=True))
    off = [d for d, e in zip(declined, examples, strict=True) if e.category == "off-topic"]
    return Outcome(recall=right / max(1, sum(unanswerable)),
                   false_declines=wrong / max(1, len(examples) - sum(unanswerable)),
                   precision=right / max(1, right + wrong),
                   off_topic_declined=f"{sum(off)}/{len(off)}")


def weighted(examples: list[Example], sets: list[Path], weights: list[int]) -> list[Example]:
    """The fit examples with each set's repeated ``weight`` times; sets are told apart by the
    ``source`` each example records."""
    if not weights:
        return examples
    if len(weights) != len(sets):
        raise SystemExit("give one --fit-weight for each --fit")
    by_set = dict(zip(map(str, sets), weights, strict=True))
    return [e for e in examples for _ in range(by_set.get(e.source, 1))]


def _held_out(question_id: str) -> bool:
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % 2 == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", type=Path, action="append", required=True,
                        help="decline set to fit on (JSONL); repeat with one --fit-store each")
    parser.add_argument("--fit-store", type=Path, action="append", required=True,
                        help="data dir of the store the fit set before it is asked against")
    parser.add_argument("--fit-weight", type=int, action="append", default=[],
                        help="how many times each --fit set counts, in order (default 1 each): "
                             "a small set of the product's own questions can weigh as much as a "
                             "large archive's")
    parser.add_argument("--check", type=Path, help="decline set to choose on (JSONL)")
    parser.add_argument("--check-store", type=Path, help="data dir of the check set's store")
    parser.add_argument("--split", action="store_true",
                        help="no check set: hold out half of the fit set (by id hash) instead")
    parser.add_argument("--kind", choices=("auto", "logistic", "threshold"), default="auto")
    parser.add_argument("--max-false-declines", type=float, default=0.08,
                        help="share of answerable fit questions a decision may decline (0.08)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE,
                        help=f"where the model goes [default: {MODEL_FILE}]")
    parser.add_argument("--features", type=Path,
                        help="cache of the collected features (JSON): reused when present")
    args = parser.parse_args()

    if args.features and args.features.exists():
        cached = json.loads(args.features.read_text())
        fit_set = [Example(**e) for e in cached["fit"]]
        check_set = [Example(**e) for e in cached["check"]]
    else:
        if len(args.fit) != len(args.fit_store):
            parser.error("give one --fit-store for each --fit")
        fit_set = []
        for questions, store in zip(args.fit, args.fit_store, strict=True):
            for example in collect(store, load_eval_set(questions)):
                example.source = str(questions)
                fit_set.append(example)
        check_set = (collect(args.check_store or args.fit_store[0], load_eval_set(args.check))
                     if args.check else [])
        if args.features:
            args.features.write_text(json.dumps(
                {"fit": [e.__dict__ for e in fit_set], "check": [e.__dict__ for e in check_set]}))
    fit_set = weighted(fit_set, args.fit, args.fit_weight)
    if args.split and not check_set:
        check_set = [e for e in fit_set if _held_out(e.id)]
        fit_set = [e for e in fit_set if not _held_out(e.id)]
        args.out.with_suffix(".holdout.txt").write_text(
            "".join(f"{e.id}\n" for e in check_set))

    budget = args.max_false_declines
    threshold = AnswerabilityModel("threshold", ("best_score",), 0.0)
    candidates = {"logistic": with_threshold(fit_logistic(fit_set), fit_set, budget),
                  "threshold": with_threshold(threshold, fit_set, budget)}
    print(f"{'model':<10} {'set':<6} {'recall':>7} {'false declines':>15} {'precision':>10} "
          f"{'off-topic declined':>19} threshold")
    for kind, model in candidates.items():
        for name, examples in (("fit", fit_set), ("check", check_set)):
            if examples:
                o = judge(model, examples)
                print(f"{kind:<10} {name:<6} {o.recall:>7.3f} {o.false_declines:>15.3f} "
                      f"{o.precision:>10.3f} {o.off_topic_declined:>19} {model.threshold:.4f}")
    kind = args.kind
    if kind == "auto":
        on = check_set or fit_set

        def merit(k: str) -> tuple[bool, float]:
            o = judge(candidates[k], on)
            return o.false_declines <= budget + 0.02, o.recall - o.false_declines

        kind = max(candidates, key=merit)
    chosen = candidates[kind]
    source = f"{', '.join(map(str, args.fit))} ({len(fit_set)} questions)"
    chosen = AnswerabilityModel(chosen.kind, chosen.features, chosen.threshold, chosen.weights,
                                chosen.bias, chosen.mean, chosen.scale, fitted_on=source)
    args.out.write_text(chosen.to_json() + "\n")
    print(f"kept {kind}; wrote {args.out}")


if __name__ == "__main__":
    main()
