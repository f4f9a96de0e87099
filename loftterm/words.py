"""Small wording helpers shared by the engine's explanations and the views."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """``1 profile``, ``2 profiles``: a count with its noun (regular plurals only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
