"""Answering without a language model: retrieve, rerank, pick and cite sentences, follow-ups."""
