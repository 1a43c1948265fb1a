"""The progress hook of long runs (ingest, polls): the CLI shows a bar, others nothing.

A module of its own so that a command line can define its bar without importing the pipeline.
"""

from __future__ import annotations


class Progress:
    """Progress display hook; the default shows nothing (the CLI passes a real bar)."""

    def advance(self, steps: int = 1, passages: int = 0) -> None:
        """Called once per finished article, with the passages it wrote."""

    def close(self) -> None:
        """Called when the run ends."""
