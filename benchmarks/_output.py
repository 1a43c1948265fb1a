"""How every benchmark script reports: a fixed-width table on stdout and a JSON results file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def print_table(rows: Mapping[str, Mapping[str, Any]], first: str = "",
                columns: list[str] | None = None) -> None:
    """One line per row, one column per key (the first row's keys unless given)."""
    if not rows:
        return
    keys = columns or list(next(iter(rows.values())))
    name_width = max(len(first), *(len(name) for name in rows)) + 2
    widths = [max(len(k), *(len(str(r.get(k))) for r in rows.values())) + 2 for k in keys]
    print(f"{first:<{name_width}}" + "".join(f"{k:>{w}}" for k, w in zip(keys, widths,
                                                                          strict=True)))
    for name, row in rows.items():
        print(f"{name:<{name_width}}" + "".join(f"{row.get(k)!s:>{w}}" for k, w in zip(
            keys, widths, strict=True)))


def write_results(name: str, data: Any) -> Path:
    """Write ``benchmarks/results/<name>.json`` (gitignored) and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    print(f"written {path}")
    return path
