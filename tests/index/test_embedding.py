"""The bundled model's encoder: unit vectors, and the cache of recurring short texts."""

from __future__ import annotations

import numpy as np

from index.embedding import Embedder


class _CountingEmbedder(Embedder):
    """The real model, counting the texts it actually encodes."""

    encoded: list[str]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.encoded = [*getattr(self, "encoded", []), *texts]
        return super().embed_passages(texts)


def test_cached_vectors_equal_fresh_ones_and_each_text_is_encoded_once(
        embedder: Embedder) -> None:
    counting = _CountingEmbedder(embedder.model_path)
    texts = ["The council met on Tuesday.", "Rain closed the roads.",
             "The council met on Tuesday."]
    first = counting.embed_cached(texts)
    again = counting.embed_cached(["Rain closed the roads.", "A new sentence."])
    assert counting.encoded == ["The council met on Tuesday.", "Rain closed the roads.",
                                "A new sentence."]
    fresh = embedder.embed_passages(texts)
    assert np.allclose(first, fresh, atol=1e-5)
    assert np.allclose(again[0], fresh[1], atol=1e-5)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert counting.embed_cached([]).shape == (0, embedder.dimension)
    assert np.allclose(counting.embed_query("Rain closed the roads."), fresh[1], atol=1e-5)


def test_token_counts_equal_the_models_own_and_are_not_cut_at_its_limit(
        embedder: Embedder) -> None:
    long_text = " ".join(["accountability"] * 300)
    texts = ["The council met on Tuesday.", long_text]
    from transformers import AutoTokenizer

    own = AutoTokenizer.from_pretrained(embedder.model_path, local_files_only=True)
    model_counts = [len(ids) for ids in own(texts, add_special_tokens=False,
                                            verbose=False)["input_ids"]]
    assert embedder.count_tokens(texts) == model_counts
    assert model_counts[1] > embedder.max_tokens
    embedder.embed_passages(texts)  # encoding truncates; counting afterwards still does not
    assert embedder.count_tokens(texts) == model_counts


_TEXTS = ["The council met on Tuesday.", "  Rain closed the roads.  ", "x",
          " ".join(["accountability"] * 300), "Ünïcödé Straße, 2.5% (U.S.) — al-Nono's"]


def _sentence_transformers_vectors(model_path: str) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path, device="cpu").encode(
        _TEXTS, batch_size=2, normalize_embeddings=True, convert_to_numpy=True)


def test_float32_vectors_equal_sentence_transformers_own(embedder: Embedder) -> None:
    exact = Embedder(embedder.model_path, precision="float32")
    reference = _sentence_transformers_vectors(embedder.model_path)
    assert np.allclose(exact.embed_passages(_TEXTS), reference, atol=1e-5)
    assert exact.dimension == 384 and exact.max_tokens == 256


def test_bfloat16_vectors_agree_with_float32_and_rank_sentences_alike(
        embedder: Embedder) -> None:
    exact = Embedder(embedder.model_path, precision="float32")
    fast = Embedder(embedder.model_path, precision="bfloat16")
    reference = _sentence_transformers_vectors(embedder.model_path)
    vectors = fast.embed_passages(_TEXTS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(vectors * reference, axis=1)) > 0.999

    question = "What does Hamas require before hostage talks?"
    candidates = ["Hamas demands a full ceasefire before any talks on the hostages.",
                  "The talks were held in Cairo on Tuesday.",
                  "Rain closed the roads across the north of the country.",
                  "Israel said it would not negotiate under fire.",
                  "The hostages' families met the prime minister."]
    exact_scores = exact.embed_passages(candidates) @ exact.embed_query(question)
    fast_scores = fast.embed_passages(candidates) @ fast.embed_query(question)
    assert np.max(np.abs(exact_scores - fast_scores)) < 0.01
    assert list(np.argsort(-fast_scores)) == list(np.argsort(-exact_scores))
