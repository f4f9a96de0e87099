"""Printing for scripts and people: aligned tables, one JSON object, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def print_json(data: Any, stream: TextIO | None = None, indent: int | None = 2) -> None:
    """Print one JSON document (sorted keys, money and dates already strings).

    ``indent=None``: on one line, as JSON Lines (a stream of documents).
    """
    print(json.dumps(data, indent=indent, sort_keys=True, default=str), file=stream or sys.stdout)


def print_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    stream: TextIO | None = None,
    max_width: int = 40,
) -> None:
    """Print rows as aligned columns; long cells are cut with an ellipsis."""
    out = stream or sys.stdout

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    table = [[cell(h) for h in headers]] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    for number, row in enumerate(table):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if number == 0:
            print("  ".join("-" * w for w in widths), file=out)
    if not rows:
        print("(none)", file=out)


def print_error(message: str) -> None:
    """Print a one-line error on stderr."""
    print(f"loftterm: error: {message}", file=sys.stderr)
