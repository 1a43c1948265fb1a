"""Citations as data: the draft of claims and passages, the [n] markers, and the check of a
language model's sentences against their sources."""
