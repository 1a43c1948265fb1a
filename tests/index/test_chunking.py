"""Chunks are whole sentences, fit the model's window and point exactly into the text."""

from __future__ import annotations

from index.articles import load_file
from index.chunking import chunk_text, sentence_spans
from index.clean import clean_text
from index.embedding import Embedder
from tests.conftest import SEED_FILE


def _seed() -> str:
    article = next(iter(load_file(SEED_FILE))).article
    assert article is not None
    return clean_text(article.text)


def test_chunks_are_exact_spans_of_whole_sentences(embedder: Embedder) -> None:
    text = _seed()
    chunks = chunk_text(text, embedder.count_tokens, max_tokens=120)
    assert len(chunks) > 3
    all_sentences = set(sentence_spans(text))
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert set(chunk.sentences) <= all_sentences
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
    covered = {span for chunk in chunks for span in chunk.sentences}
    assert covered == all_sentences


def test_chunks_fit_the_token_budget_and_overlap_by_one_sentence(embedder: Embedder) -> None:
    chunks = chunk_text(_seed(), embedder.count_tokens, max_tokens=120, overlap_sentences=1)
    for chunk in chunks:
        assert embedder.count_tokens([chunk.text])[0] <= 120 + 5  # joins add a few pieces
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.sentences[0] == before.sentences[-1]


def test_line_breaks_end_sentences(embedder: Embedder) -> None:
    text = "BREAKING NEWS\nThe vote passed. Dr. Smith said so at 3 p.m. on Monday.\nNext line"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["BREAKING NEWS", "The vote passed.",
                     "Dr. Smith said so at 3 p.m. on Monday.", "Next line"]


def test_one_endless_sentence_is_cut_into_windows_that_fit(embedder: Embedder) -> None:
    text = " ".join(f"word{i} and more" for i in range(3000))  # no punctuation at all
    chunks = chunk_text(text, embedder.count_tokens, max_tokens=200, overlap_sentences=0)
    assert len(chunks) > 10
    assert max(embedder.count_tokens([c.text for c in chunks])) <= 200
    assert all(text[c.start:c.end] == c.text for c in chunks)


def test_empty_text_has_no_chunks(embedder: Embedder) -> None:
    assert chunk_text("", embedder.count_tokens) == []
