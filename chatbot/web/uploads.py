"""Which uploaded files the Library tab hands to the ingest, before any is read.

An upload arrives as a path in Gradio's upload folder; the callback receives whatever path the
request names. So each one must be a regular file inside that folder (no directory to recurse,
no symbolic link out of it), of a type the loaders read, and no larger than the limit. What
passes is ingested exactly as ``newsbot ingest FILE`` would ingest it (the same loaders, the
same article ids from the file names, the same article length limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.articles import SUPPORTED_SUFFIXES

UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)


@dataclass
class CheckedUploads:
    accepted: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def check_uploads(paths: Iterable[Path], upload_root: Path, max_bytes: int) -> CheckedUploads:
    """Split ``paths`` into the files that may be ingested and those refused, with reasons."""
    root = upload_root.resolve()
    checked = CheckedUploads()
    for path in paths:
        reason = _refusal(path, root, max_bytes)
        if reason:
            checked.refused.append((path.name, reason))
        else:
            checked.accepted.append(path)
    return checked


def _refusal(path: Path, root: Path, max_bytes: int) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (f"unsupported file type {suffix or '(none)'!r}; "
                f"supported: {', '.join(UPLOAD_TYPES)}")
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or path.is_symlink() or not resolved.is_file():
        return "not an uploaded file"
    size = resolved.stat().st_size
    if size > max_bytes:
        return f"file too large ({size:,} bytes; the limit is {max_bytes:,})"
    return ""
