"""One wording for validation errors, whatever the input (an article, a question, a config)."""

from __future__ import annotations

from pydantic import ValidationError


def describe(error: ValidationError, whole: str = "record") -> str:
    """``field: message; other.field: message`` (``whole`` names an error of the whole value)."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or whole}: {err['msg']}"
                     for err in error.errors())
