"""The dashboard's status and the links not linked, kept beside a book that stands still.

``loftterm status`` on a 100k book read every part of it and walked it all (about 5 s) to
print a dozen numbers, each time a support person asked; ``links --state missing`` read every
profile and mirrored record (3 s) to list a handful of rows.  What it derived is kept in
``<book>.status.json`` (not part of the book: deleting it loses nothing) under a key made of
the book file's bytes (which name every part by the digest of its content), the connector,
its settings and this loftterm's version.  A book saved since, another config or another
version gives another key, and the status is derived again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from loftterm import __version__
from loftterm.models import LinkState
from loftterm.views import LinkRow, PendingCounter

#: Bump when what is kept changes shape or meaning.
KEPT_VERSION = 2
_PENDING_FIELDS = tuple(f.name for f in fields(PendingCounter))


def kept_path(book: Path) -> Path:
    """Where a book's status is kept (beside it)."""
    return book.with_name(book.name + ".status.json")


def book_digest(book: Path) -> str:
    """The digest of the book file's bytes ('' when it cannot be read)."""
    try:
        return hashlib.blake2b(book.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return ""


def status_key(digest: str, connector: str, settings: Mapping[str, Any]) -> str:
    """The key one connector's status is kept under for a book of ``digest``."""
    raw = json.dumps([KEPT_VERSION, __version__, digest, connector, dict(settings)],
                     sort_keys=True, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Kept:
    """One connector's status as kept: link-state counts, pending counter, the rows not linked."""

    counts: dict[str, int]
    pending: PendingCounter
    #: every link row whose state is not ``linked`` (what support staff look for), in order
    rows: list[LinkRow]


def recall(book: Path, connector: str, key: str) -> Kept | None:
    """What was kept for ``key``; None when nothing was.

    A missing, damaged or foreign file counts as nothing kept.
    """
    try:
        kept = json.loads(kept_path(book).read_text(encoding="utf-8"))
        entry = kept["connectors"][connector]
        if entry["key"] != key:
            return None
        pending = {name: entry["pending"][name] for name in _PENDING_FIELDS}
        counts = {str(state): int(count) for state, count in entry["states"].items()}
        rows = [_row(data) for data in entry["rows"]]
        return Kept(counts, PendingCounter(**pending), rows)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _row(data: dict[str, Any]) -> LinkRow:
    return LinkRow(**{**data, "state": LinkState(data["state"]),
                      "candidates": tuple(data.get("candidates") or ())})


def keep(book: Path, connector: str, key: str, kept: Kept) -> None:
    """Keep one connector's status under ``key`` (the other connectors' entries stay).

    Written whole to a temp file and renamed over the old one; a book folder that cannot be
    written is no error: the status is derived again next time.
    """
    target = kept_path(book)
    try:
        held = json.loads(target.read_text(encoding="utf-8"))
        entries = held["connectors"] if isinstance(held.get("connectors"), dict) else {}
    except (OSError, ValueError, AttributeError):
        entries = {}
    entries[connector] = {
        "key": key, "states": dict(kept.counts),
        "pending": {name: getattr(kept.pending, name) for name in _PENDING_FIELDS},
        "rows": [row.to_json() for row in kept.rows]}
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps({"version": KEPT_VERSION, "connectors": entries}),
                        encoding="utf-8")
        os.replace(temp, target)
    except OSError:
        temp.unlink(missing_ok=True)
