"""The bundled model's forward pass in plain torch: BERT, mean pooling, unit length.

Why not sentence-transformers here: importing it (and the transformers modules it pulls in:
every model family, quantization and export backends) costs about 6 CPU-seconds, most of a
one-question command's run, for a 6-layer encoder whose forward pass is the few lines below.
The weights (``model.safetensors``) and the tokenizer (``tokenizer.json``, through the
``tokenizers`` library) are the model's own; tests check the vectors against
sentence-transformers'. Any model folder that is not this shape (a BERT encoder followed by
mean pooling and normalisation) is loaded with sentence-transformers instead
(``is_plain_bert``).

Precision: on a CPU that multiplies bfloat16 in hardware (AVX512-BF16 or AMX), the layers run
in bfloat16, about 1.75 times as fast as float32 here (eight answer candidates: 73 ms -> 42 ms);
a vector then agrees with the float32 one to a cosine of 0.9999, and a question's scores
against sentences differ by 0.0007 on average (benchmarks/embedding_precision.py measures both).
Pooling and normalisation stay in float32. Elsewhere oneDNN emulates bfloat16, so ``auto``
keeps float32 there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np


def is_plain_bert(path: Path) -> bool:
    """Whether the sentence-transformers folder is BERT + mean pooling + normalisation."""
    try:
        config = json.loads((path / "config.json").read_text())
        modules = [m["type"].rsplit(".", 1)[-1]
                   for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError):
        return False
    means_only = pooling.get("pooling_mode_mean_tokens") and not any(
        value for key, value in pooling.items()
        if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens")
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and modules == ["Transformer", "Pooling", "Normalize"] and bool(means_only)
            and (path / "model.safetensors").exists() and (path / "tokenizer.json").exists())


Precision = Literal["auto", "float32", "bfloat16"]

# oneDNN, which runs the bfloat16 layers, keeps a compiled kernel per input shape (batch size x
# text length), 1,024 by default: a server's memory then grew by about 850 MB over a few
# thousand varied encodings (float32: about 350 MB). Sixteen kept the speed and held the
# growth to about 400 MB. Read when the first kernel is made; a value already set wins.
_ONEDNN_KERNELS_KEPT = "16"


def cpu_multiplies_bfloat16() -> bool:
    """Whether this CPU has bfloat16 matrix instructions (Linux: /proc/cpuinfo's flags)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return re.search(r"\b(?:avx512_bf16|amx_bf16)\b", flags) is not None


def resolved_precision(precision: Precision) -> Literal["float32", "bfloat16"]:
    """``auto``: bfloat16 where the CPU computes it natively, float32 elsewhere."""
    if precision == "auto":
        return "bfloat16" if cpu_multiplies_bfloat16() else "float32"
    return precision


class BertEncoder:
    """Encodes texts as sentence-transformers would with the same folder (in float32 exactly;
    in bfloat16 to a cosine of 0.9999)."""

    def __init__(self, path: Path, precision: Literal["float32", "bfloat16"] = "float32",
                 ) -> None:
        import torch
        from safetensors import safe_open
        from tokenizers import Tokenizer

        self.config = json.loads((path / "config.json").read_text())
        settings = json.loads((path / "sentence_bert_config.json").read_text())
        self.max_seq_length = int(settings.get("max_seq_length") or 256)
        self.dimension = int(self.config["hidden_size"])
        self.precision = precision
        if precision == "bfloat16":
            os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", _ONEDNN_KERNELS_KEPT)
        dtype = getattr(torch, precision)
        # Tensor by tensor: the float32 copy of the whole model is never held beside the other.
        with safe_open(str(path / "model.safetensors"), framework="pt") as weights:
            names = weights.keys()  # not a dict: it cannot be iterated itself
            self.weights = {name: weights.get_tensor(name).to(dtype) for name in names}
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        self.tokenizer.enable_padding(pad_id=int(self.config.get("pad_token_id", 0)))

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit vectors, batched by length as sentence-transformers batches them."""
        import torch

        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(texts), batch_size):
                picked = order[lo:lo + batch_size]
                encoded = self.tokenizer.encode_batch([texts[i].strip() for i in picked])
                ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
                mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
                out[picked] = self._forward(ids, mask).numpy()
        return out

    def _forward(self, ids: Any, mask: Any) -> Any:
        from torch.nn import functional as F

        x = hidden_states(self.weights, self.config, ids, mask).float()
        weights = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2, dim=1)


# Adds to a projection's output inside a layer: ``(layer, part, input, output) -> output``,
# where part is "query", "key" or "value" (the reader's low-rank adapters).
Adapter = Callable[[int, str, Any, Any], Any]


def hidden_states(w: dict[str, Any], config: dict[str, Any], ids: Any, mask: Any) -> Any:
    """BERT's last hidden states for token ids (batch x length), in the weights' dtype."""
    x = token_embeddings(w, config, ids)
    return run_layers(w, config, x, mask, range(int(config["num_hidden_layers"])))


def token_embeddings(w: dict[str, Any], config: dict[str, Any], ids: Any,
                     token_types: Any = None) -> Any:
    """The input of the first layer: word, position and token-type embeddings, normalised.
    ``token_types`` tells a pair's two texts apart (0 and 1); None reads one text."""
    from torch.nn import functional as F

    types = w["embeddings.token_type_embeddings.weight"]
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
         + (types[0] if token_types is None else types[token_types]))
    return F.layer_norm(x, (int(config["hidden_size"]),), w["embeddings.LayerNorm.weight"],
                        w["embeddings.LayerNorm.bias"], float(config.get("layer_norm_eps", 1e-12)))


def run_layers(w: dict[str, Any], config: dict[str, Any], x: Any, mask: Any, layers: range,
               adapter: Adapter | None = None) -> Any:
    """The hidden states after ``layers`` (a run of consecutive layer numbers), from ``x``,
    the states before the first of them.

    The bi-encoder above runs every layer; the reader (chatbot/answering/reader.py) runs the
    first few with ``adapter`` changing the attention projections of some, and is fitted
    from states computed once for the layers it leaves unchanged. Differentiable.
    """
    import torch
    from torch.nn import functional as F

    eps = float(config.get("layer_norm_eps", 1e-12))
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    batch, length = x.shape[0], x.shape[1]

    def norm(x: Any, name: str) -> Any:
        return F.layer_norm(x, (hidden,), w[f"{name}.weight"], w[f"{name}.bias"], eps)

    def dense(x: Any, name: str) -> Any:
        return F.linear(x, w[f"{name}.weight"], w[f"{name}.bias"])

    def split(x: Any) -> Any:
        return x.view(batch, length, heads, hidden // heads).transpose(1, 2)

    bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    for n in layers:
        layer = f"encoder.layer.{n}"
        q, k, v = (split(adapter(n, part, x, out) if adapter else out)
                   for part in ("query", "key", "value")
                   for out in (dense(x, f"{layer}.attention.self.{part}"),))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        x = norm(dense(context, f"{layer}.attention.output.dense") + x,
                 f"{layer}.attention.output.LayerNorm")
        inner = F.gelu(dense(x, f"{layer}.intermediate.dense"))
        x = norm(dense(inner, f"{layer}.output.dense") + x, f"{layer}.output.LayerNorm")
    return x
