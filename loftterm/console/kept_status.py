"""The dashboard's link-state counts and pending counter, kept beside a book that stands still.

``loftterm status`` on a 100k book read every part of it and walked it all (about 5 s) to
print a dozen numbers, each time a support person asked.  What it derived is kept in
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
from dataclasses import fields
from pathlib import Path
from typing import Any

from loftterm import __version__
from loftterm.views import PendingCounter

#: Bump when what is kept changes shape or meaning.
KEPT_VERSION = 1
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


def recall(book: Path, connector: str, key: str) -> tuple[dict[str, int], PendingCounter] | None:
    """The link-state counts and pending counter kept for ``key``; None when not kept.

    A missing, damaged or foreign file counts as nothing kept.
    """
    try:
        kept = json.loads(kept_path(book).read_text(encoding="utf-8"))
        entry = kept["connectors"][connector]
        if entry["key"] != key:
            return None
        pending = {name: entry["pending"][name] for name in _PENDING_FIELDS}
        counts = {str(state): int(count) for state, count in entry["states"].items()}
        return counts, PendingCounter(**pending)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def keep(book: Path, connector: str, key: str, counts: Mapping[str, int],
         pending: PendingCounter) -> None:
    """Keep one connector's status under ``key`` (the other connectors' entries stay).

    Written whole to a temp file and renamed over the old one; a book folder that cannot be
    written is no error: the status is derived again next time.
    """
    target = kept_path(book)
    try:
        kept = json.loads(target.read_text(encoding="utf-8"))
        entries = kept["connectors"] if isinstance(kept.get("connectors"), dict) else {}
    except (OSError, ValueError, AttributeError):
        entries = {}
    entries[connector] = {"key": key, "states": dict(counts),
                          "pending": {name: getattr(pending, name) for name in _PENDING_FIELDS}}
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps({"version": KEPT_VERSION, "connectors": entries}),
                        encoding="utf-8")
        os.replace(temp, target)
    except OSError:
        temp.unlink(missing_ok=True)
