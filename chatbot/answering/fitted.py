"""Where the fitted models are read from: the package's own, or a folder of refitted ones.

The package ships the models fitted on the RealTime QA training slice. Cross-validation over
periods (benchmarks/period_cv.py) fits one set per held-out period, and a deployment may refit
on its own news; either points ``models_dir`` at a folder holding files of the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_MODELS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FittedModels:
    """The file of each fitted part in one folder."""

    folder: Path = PACKAGE_MODELS

    @property
    def passages(self) -> Path:
        """The passage ranker (LightGBM text model)."""
        return self.folder / "ranker_passages.txt"

    @property
    def sentences(self) -> Path:
        """The sentence ranker (LightGBM text model)."""
        return self.folder / "ranker_sentences.txt"

    @property
    def reader(self) -> Path:
        """The reader's adapters and head (safetensors)."""
        return self.folder / "reader.safetensors"

    @property
    def answerability(self) -> Path:
        """The answer-or-decline model (JSON)."""
        return self.folder / "answerability.json"
