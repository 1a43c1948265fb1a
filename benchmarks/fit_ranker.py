"""Refit the learned ranker (chatbot/answering/ranker_passages.txt, ranker_sentences.txt).

    python benchmarks/ranker_sample.py --out /work/data/train-sample.jsonl      # once
    newsbot --data-dir /work/data/train ingest /work/data/train-sample.jsonl     # once
    python benchmarks/fit_ranker.py --data-dir /work/data/train \\
        --questions /work/data/train-sample-questions.jsonl

Training data: the RealTime QA training slice (never the dev slice, which chooses among
variants). Ingesting all of it takes ~90 minutes on two cores, so the store is a subsample
(benchmarks/ranker_sample.py): a fifth of the questions by whole question days, each with the
articles a search would bring (its best BM25 matches over all training articles, which are the
topical distractors, old and new) plus the best-matching articles holding a gold answer, and a
small random share of the rest. That keeps what a question meets at answer time (same-topic
stories from other weeks, roundups, other outlets) at a fifth of the cost. The articles are
written in the training file's order, which follows its questions, so an ingest stopped early
(on a busy machine) still serves the earlier questions; ``covered`` keeps those with at least
half of their drawn articles and an answer-holding one in the store.

For every question, asked "as of" its date like the benchmark does:

1. passages: every fused candidate (dense + BM25, before reranking) gets PASSAGE_FEATURES;
   label 1 when it contains a gold answer (silver), or with ``--labels strict`` only when its
   article is also published 14 days before to 3 days after the question's date;
2. sentences: the passages the answerer would read (the freshly fitted passage model's top
   ``passages``), the sentences it shortlists, SENTENCE_FEATURES; label 1 when the sentence
   contains a gold answer.

Each model is a LightGBM lambdarank model (one query group per question). The script reports,
on a fifth of the question days held out from fitting, MRR@10 and hit@k of the passage order
and the first-sentence accuracy of the sentence order, against the hand-set weights and against
a pointwise scikit-learn HistGradientBoostingClassifier, then refits on all days and writes the
models (LightGBM text format, a few hundred KB). Use your own eval set in the same JSONL format
(``--questions``; ``answers`` and ``date`` are what is read) over a store holding its articles.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chatbot.answering.ranker import (  # noqa: E402
    PASSAGE_MODEL,
    SENTENCE_MODEL,
    LearnedReranker,
    Parts,
    load_model,
    question_context,
    shortlist_entities,
)
from chatbot.answering.ranking_features import (  # noqa: E402
    PASSAGE_FEATURES,
    SENTENCE_FEATURES,
    passage_features,
    sentence_features,
)
from chatbot.answering.retrieve import collapse_wire_copies  # noqa: E402
from chatbot.evaluation.metrics import contains_answer, in_date_window  # noqa: E402
from chatbot.schema import Filters  # noqa: E402
from chatbot.service import create_service, to_search_filter  # noqa: E402
from chatbot.settings import load_settings  # noqa: E402
from index.store.records import article_key  # noqa: E402

PARAMS: dict[str, Any] = {
    "objective": "lambdarank", "metric": "ndcg", "eval_at": [1, 3, 10],
    "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 25,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
    "lambdarank_truncation_level": 20, "verbose": -1, "seed": 14, "num_threads": 1,
}
ROUNDS = 150


@dataclass
class Group:
    """One question's candidates: features, labels, and what the hand-set weights scored."""

    day: str
    rows: np.ndarray
    silver: np.ndarray
    strict: np.ndarray
    baseline: np.ndarray

    @property
    def graded(self) -> np.ndarray:
        """2 for an answer in the question's date window, 1 for one outside it, else 0."""
        return self.silver.astype(int) + self.strict.astype(int)


def passage_groups(service: Any, questions: list[dict[str, Any]]) -> list[Group]:
    from chatbot.answering.rerank import FeatureReranker

    groups = []
    for q in questions:
        asked = date.fromisoformat(q["date"])
        search_filter = to_search_filter(Filters(as_of=asked))
        fused = service.retriever.fused(q["question"], search_filter)
        if not fused:
            continue
        ctx = question_context(q["question"], search_filter, service.keywords, Parts())
        rows = passage_features(ctx, fused)
        silver = np.array([contains_answer(p.text, q["answers"]) for p in fused])
        strict = np.array([s and in_date_window(_day(p.published), asked)
                           for s, p in zip(silver, fused, strict=True)])
        # The hand-set order, for comparison: the fused order reranked by the old weights.
        hand = FeatureReranker(service.keywords).rerank(q["question"], list(fused),
                                                        search_filter)
        position = {p.id: i for i, p in enumerate(hand)}
        baseline = np.array([-position[p.id] for p in fused], dtype=np.float32)
        groups.append(Group(q["date"], rows, silver, strict, baseline))
    return groups


def sentence_groups(service: Any, questions: list[dict[str, Any]], model: Path,
                    use_strict: bool) -> list[Group]:
    reranker = LearnedReranker(service.keywords, Parts(), model_path=model)
    answerer = service.answerer
    answerer.sentence_ranker = None  # the shortlist and its hand-set scores only
    groups = []
    for q in questions:
        asked = date.fromisoformat(q["date"])
        search_filter = to_search_filter(Filters(as_of=asked))
        fused = service.retriever.fused(q["question"], search_filter)
        ranked = reranker.rerank(q["question"], fused, search_filter)
        passages = collapse_wire_copies(ranked)[:service.settings.passages]
        shortlist = answerer.score(q["question"], passages)
        if not shortlist:
            continue
        ctx = reranker.context(q["question"], search_filter)
        rank = {p.id: i for i, p in enumerate(passages, 1)}
        labels = shortlist_entities(shortlist, q["question"])
        rows = sentence_features(ctx, shortlist, rank, labels)
        silver = np.array([contains_answer(e.text, q["answers"]) for e in shortlist])
        strict = np.array([s and in_date_window(_day(e.passage.published), asked)
                           for s, e in zip(silver, shortlist, strict=True)])
        baseline = np.array([e.parts["evidence"] for e in shortlist], dtype=np.float32)
        groups.append(Group(q["date"], rows, silver if not use_strict else strict, strict,
                            baseline))
    return groups


def covered(questions: list[dict[str, Any]], service: Any) -> list[dict[str, Any]]:
    """The questions a store cut short (an ingest stopped early) still serves: at least half
    of their drawn articles (``sample_articles``, written by ranker_sample.py) are in it, one
    of them holding a gold answer. Their missing distractors are replaced by the store's other
    articles, so each still meets a full list of candidates."""
    stored: set[str] = set()
    offset = 0
    while batch := service.store.list_articles(offset, 500):
        stored.update(a.article_id for a in batch)
        offset += len(batch)

    def served(q: dict[str, Any]) -> bool:
        drawn = q.get("sample_articles")
        if drawn is None:
            return True
        present = [a for a in drawn if a in stored]
        gold = any(contains_answer(service.store.article_text(article_key(a)) or "",
                                   q["answers"]) for a in present)
        return gold and 2 * len(present) >= len(drawn)

    kept = [q for q in questions if served(q)]
    print(f"{len(kept)} of {len(questions)} questions have all their articles in the store")
    return kept


def _day(published: str) -> date | None:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def fit(groups: list[Group], features: tuple[str, ...], labels: str) -> Any:
    import lightgbm

    x = np.vstack([g.rows for g in groups])
    y = np.concatenate([getattr(g, labels) for g in groups]).astype(int)
    data = lightgbm.Dataset(x, y, group=[len(g.rows) for g in groups],
                            feature_name=list(features), free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def fit_sklearn(groups: list[Group], labels: str) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.vstack([g.rows for g in groups])
    y = np.concatenate([getattr(g, labels) for g in groups]).astype(int)
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                          random_state=14).fit(x, y)


def order_metrics(groups: list[Group], scores: list[np.ndarray], labels: str,
                  ) -> dict[str, float]:
    """hit@1/5/10 and MRR@10 of each group's order by ``scores`` (questions without any
    positive count as misses, so the figures are comparable with the benchmark's)."""
    hits = {1: [], 5: [], 10: []}  # type: dict[int, list[float]]
    mrr = []
    for group, score in zip(groups, scores, strict=True):
        order = np.argsort(-score, kind="stable")
        relevant = getattr(group, labels)[order]
        first = next((i for i, r in enumerate(relevant[:10]) if r), None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
        for k in hits:
            hits[k].append(float(relevant[:k].any()))
    result = {f"hit@{k}": round(float(np.mean(v)), 3) for k, v in hits.items()}
    result["mrr@10"] = round(float(np.mean(mrr)), 3)
    result["ceiling"] = round(float(np.mean([getattr(g, labels).any() for g in groups])), 3)
    return result


def split_by_day(groups: list[Group], seed: int = 14) -> tuple[list[Group], list[Group]]:
    days = sorted({g.day for g in groups})
    random.Random(seed).shuffle(days)
    held = set(days[:max(1, len(days) // 5)])
    return [g for g in groups if g.day not in held], [g for g in groups if g.day in held]


def compare(name: str, groups: list[Group], features: tuple[str, ...], labels: str,
            ) -> None:
    """Held-out figures of the hand-set weights, LightGBM and scikit-learn."""
    train, held = split_by_day(groups)
    booster = fit(train, features, labels)
    forest = fit_sklearn(train, labels)
    rows = {
        "hand-set": order_metrics(held, [g.baseline for g in held], labels),
        "lightgbm": order_metrics(held, [booster.predict(g.rows) for g in held], labels),
        "sklearn": order_metrics(held, [forest.predict_proba(g.rows)[:, 1] for g in held],
                                 labels),
        "lightgbm (fit days)": order_metrics(train, [booster.predict(g.rows) for g in train],
                                             labels),
    }
    print(f"\n{name}: {len(train)} questions fitted, {len(held)} held out ({labels} labels)")
    for key, value in rows.items():
        print(f"  {key:22} {value}")
    gains = booster.feature_importance("gain")
    top = sorted(zip(features, gains, strict=True), key=lambda x: -x[1])[:8]
    print("  top features by gain:", ", ".join(f"{f} {g:.0f}" for f, g in top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--labels", choices=["graded", "silver", "strict"], default="graded",
                        help="passage labels: graded (in the date window 2, outside it 1), "
                             "silver (any answer) or strict (only in the date window)")
    parser.add_argument("--out-dir", type=Path, default=PASSAGE_MODEL.parent)
    parser.add_argument("--cache", type=Path, help="Keep the extracted features here.")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE")
    args = parser.parse_args()

    questions = [json.loads(line) for line in args.questions.open()]
    overrides = dict(item.split("=", 1) for item in args.set)
    settings = load_settings(data_dir=args.data_dir, reranker="none",
                             sentence_ranker="features", **overrides)
    service = create_service(settings)
    service.sync_keywords()
    questions = covered(questions, service)
    start = time.perf_counter()
    if args.cache and args.cache.is_file():
        cached = pickle.loads(args.cache.read_bytes())
        passages = cached["passages"]
    else:
        passages = passage_groups(service, questions)
    print(f"{len(passages)} questions, {sum(len(g.rows) for g in passages)} passages "
          f"({time.perf_counter() - start:.0f}s)")
    compare("passages", passages, PASSAGE_FEATURES, args.labels)
    if args.labels != "strict":
        compare("passages", passages, PASSAGE_FEATURES, "strict")
    passage_model = fit(passages, PASSAGE_FEATURES, args.labels)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "passages.txt"
        passage_model.save_model(str(path))
        load_model.cache_clear()
        if args.cache and args.cache.is_file() and "sentences" in cached:
            sentences = cached["sentences"]
        else:
            sentences = sentence_groups(service, questions, path, args.labels == "strict")
        load_model.cache_clear()
    if args.cache:
        args.cache.write_bytes(pickle.dumps({"passages": passages, "sentences": sentences}))
    print(f"{len(sentences)} questions, {sum(len(g.rows) for g in sentences)} sentences")
    compare("sentences", sentences, SENTENCE_FEATURES, "silver")
    sentence_model = fit(sentences, SENTENCE_FEATURES, "silver")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for model, target in ((passage_model, PASSAGE_MODEL), (sentence_model, SENTENCE_MODEL)):
        out = args.out_dir / target.name
        model.save_model(str(out))
        print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
