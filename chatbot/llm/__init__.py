"""Answering with a language model: the provider choice, prompt, verified answerer, follow-up
condenser and the bundled local model."""
