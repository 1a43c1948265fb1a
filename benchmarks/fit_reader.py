"""Refit the reader (chatbot/answering/reader.safetensors) on the training periods' pairs.

    .venv/bin/python -m benchmarks.reader_data /work/data/periods          # once
    .venv/bin/python -m benchmarks.fit_reader /work/data/periods \\
        [--exclude 2024h1] [--out chatbot/answering/reader.safetensors]

The bundled all-MiniLM-L6-v2 stays as its package ships it; what is fitted are low-rank
adapters on the query and value projections of the reader's last layers and a linear scoring
head (chatbot/answering/reader.py). Each question keeps a fixed sample of its candidates: up to
``POSITIVES`` holding the answer, the ``HARD`` best-scored by the answerer's cheap signals that
do not (the sentences it would otherwise pick), ``SAMPLED`` others drawn across the rest, and
``FOREIGN`` sentences of other questions (without these two kinds the reader over-scores
off-topic sentences it never saw). The states of the
layers below the adapters are computed once per period for that sample and kept beside its
pairs (``<period>/reader-states-*.pt``), so a fit runs only the adapted layers. Each step reads
one question: two of its positives, its hard negatives, three of the sampled ones and one
foreign one; the loss
is listwise: the log of the share of the group's softmax that falls on its positives.
``--exclude`` leaves periods out (cross-validation fits one reader per held-out period); the
default fits on every period, as the package's reader is.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

from benchmarks.period_stores import PERIODS, read_jsonl
from chatbot.answering.reader import (
    ADAPTED_LAYERS,
    READER_FILE,
    Pairs,
    ReaderWeights,
    adapted_logits,
    frozen_states,
    pair_tokenizer,
)
from index.embedding import bundled_model_path, bundled_plain_bert

POSITIVES, HARD, SAMPLED, FOREIGN = 3, 4, 5, 2
STEP_POSITIVES, STEP_SAMPLED, STEP_FOREIGN = 2, 3, 1


def sample(row: dict, others: list[dict], seed: int) -> list[dict]:
    """The question's fixed sample: positives, hard negatives, negatives sampled from its
    other candidates, then ``FOREIGN`` sentences of other questions (an answer to another
    question answers nothing here: without them an off-topic sentence scores high)."""
    rng = random.Random(f"{seed}:{row['id']}")
    good = [c for c in row["candidates"] if c["label"]]
    bad = [c for c in row["candidates"] if not c["label"]]  # best first by cheap score
    rest = bad[HARD:]
    foreign = [{**rng.choice(other["candidates"]), "label": False}
               for other in rng.sample(others, FOREIGN) if other["candidates"]]
    return (rng.sample(good, min(POSITIVES, len(good))) + bad[:HARD]
            + rng.sample(rest, min(SAMPLED, len(rest))) + foreign)


def period_states(folder: Path, seed: int) -> list[dict[str, Any]]:
    """Per question with a positive and a negative: the frozen states of its sample (float16),
    their mask, and its labels and kinds; computed once and cached beside the pairs."""
    import torch

    cache = folder / f"reader-states-{ADAPTED_LAYERS.start}-{seed}.pt"
    if cache.exists():
        return torch.load(cache)
    base = bundled_plain_bert()
    tokenizer = pair_tokenizer(str(bundled_model_path()))
    found = []
    with torch.inference_mode():
        rows = read_jsonl(folder / "reader.jsonl")
        for row in rows:
            labels = [c["label"] for c in row["candidates"]]
            if not any(labels) or all(labels):
                continue
            chosen = sample(row, [other for other in rows if other is not row], seed)
            pairs = Pairs.of(tokenizer, row["question"], [c["text"] for c in chosen])
            found.append({"states": frozen_states(base, pairs).to(torch.float16),
                          "mask": pairs.mask, "labels": [c["label"] for c in chosen],
                          "foreign": len(chosen) - FOREIGN})
    torch.save(found, cache)
    return found


def step_group(item: dict[str, Any], rng: random.Random) -> list[int]:
    """One step's rows of a question's sample: two positives, every hard negative, three
    sampled ones and one of another question."""
    labels, foreign = item["labels"], item["foreign"]
    positives = [i for i, good in enumerate(labels[:foreign]) if good]
    negatives = [i for i, good in enumerate(labels[:foreign]) if not good]
    hard, sampled = negatives[:HARD], negatives[HARD:]
    others = list(range(foreign, len(labels)))
    return (rng.sample(positives, min(STEP_POSITIVES, len(positives))) + hard
            + rng.sample(sampled, min(STEP_SAMPLED, len(sampled)))
            + rng.sample(others, min(STEP_FOREIGN, len(others))))


def fit(items: list[dict[str, Any]], epochs: float, rank: int, alpha: float, lr: float,
        seed: int, log_every: int = 250) -> ReaderWeights:
    import torch

    torch.manual_seed(seed)
    base = bundled_plain_bert()
    weights = ReaderWeights.initial(int(base.config["hidden_size"]), rank, alpha, seed)
    parameters = weights.parameters()
    for p in parameters:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.0)
    rng = random.Random(seed)
    steps = int(epochs * len(items))
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps))
    order: list[dict[str, Any]] = []
    start, recent = time.perf_counter(), []
    for step in range(steps):
        if not order:
            order = items[:]
            rng.shuffle(order)
        item = order.pop()
        rows = step_group(item, rng)
        mask = item["mask"][rows]
        length = int(mask.sum(1).max())  # the group's longest pair; the rest is padding
        logits = adapted_logits(base, weights, item["states"][rows, :length].float(),
                                mask[:, :length])
        loss = listwise_loss(logits, [item["labels"][i] for i in rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        recent.append(float(loss.detach()))
        if (step + 1) % log_every == 0:
            print(f"  step {step + 1}/{steps}  loss {sum(recent) / len(recent):.3f}  "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
            recent = []
    return weights


def listwise_loss(logits: Any, labels: list[bool]) -> Any:
    """-log(softmax mass on the positives)."""
    import torch

    positive = torch.tensor(labels)
    return torch.logsumexp(logits, 0) - torch.logsumexp(logits[positive], 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("periods", type=Path, help="the folder period_stores.py wrote")
    parser.add_argument("--exclude", default="", help="comma-separated periods left out")
    parser.add_argument("--out", type=Path, default=READER_FILE)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    exclude = set(filter(None, args.exclude.split(",")))
    kept = [p.name for p in PERIODS if p.name not in exclude]
    start = time.perf_counter()
    items = [item for name in kept for item in period_states(args.periods / name, args.seed)]
    print(f"{len(items)} questions with a positive and a negative candidate from {kept} "
          f"({time.perf_counter() - start:.0f} s to read)", flush=True)
    start = time.perf_counter()
    weights = fit(items, args.epochs, args.rank, args.alpha, args.lr, args.seed)
    meta = {"fitted_on": ",".join(kept), "questions": str(len(items)),
            "epochs": str(args.epochs), "rank": str(args.rank),
            "fit_seconds": f"{time.perf_counter() - start:.0f}"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights.save(args.out, meta)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB): {json.dumps(meta)}")


if __name__ == "__main__":
    main()
