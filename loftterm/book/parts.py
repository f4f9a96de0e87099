"""Where a book's tables live on disk: the part files beside a big book, and their names.

A book of at least ``PART_MIN_DOCS`` documents is written as a meta file plus one file per part
group (profiles and links together, one mirror per connector, the journal, the reviews), each
rewritten only when its documents changed and read only when a command needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from loftterm.book.storage import LayoutMismatch, iter_book_records

#: Every table of a book, in the order a whole-book file holds them.
TABLES = (
    "profiles",
    "links",
    "remote",
    "warnings",
    "runs",
    "meta",
    "proposals",
    "items",
    "decisions",
    "journal",  # the undo journal, one document per run (engine/runs/journal.py)
)


def records_of(stored: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The documents of a whole-read book as ``(table, document)``, its first meta document first."""
    metas = list((stored.get("meta") or {}).values())
    yield "meta", metas[0] if metas else {}
    for name in TABLES:
        if name != "meta":
            for doc in (stored.get(name) or {}).values():
                yield name, doc


PART_FILE = re.compile(r"[^/\\]+\.parts/[A-Za-z0-9_.-]+\.json")


PART_TABLE = {"people": ("profiles", "links"), "mirror": ("remote",), "journal": ("journal",),
               "reviews": ("proposals", "decisions")}


def lazy_group(part: str) -> str:
    """The lazily read group a part belongs to: people, mirror, journal or reviews."""
    if part in ("profiles", "links"):
        return "people"
    if part in ("proposals", "decisions"):
        return "reviews"
    return "mirror" if part.startswith("remote:") else "journal"


def part_stem(group: str) -> str:
    """A part group as a file name stem (``remote:xero`` -> ``remote-xero``)."""
    return re.sub(r"[^A-Za-z0-9_]", "-", group)


#: The order part groups are read in: profiles before the links that point at them.
PART_ORDER = ("profiles", "links", "remote", "journal", "proposals", "decisions")


def part_records(book: Path, parts: Mapping[str, str], lazy: str) -> Iterator[tuple[str, Any]]:
    """The documents of one lazy group's part files (``parts``: group -> file), in read order.

    :raises LayoutMismatch: naming the part file that is missing or damaged.
    """
    order = {group: position for position, group in enumerate(PART_ORDER)}
    chosen = [group for group in parts if lazy_group(group) == lazy]
    for group in sorted(chosen, key=lambda g: (order.get(g.split(":")[0], 9), g)):
        name = parts[group]
        try:
            yield from iter_book_records(book.parent / name)
        except LayoutMismatch as exc:
            raise LayoutMismatch(f"its part {name} is missing or damaged: {exc}") from None


def drop_parts(book: Path, keep: set[str]) -> None:
    """Remove part files that neither the book nor its backup names (and leftover temps)."""
    folder = book.parent / f"{book.name}.parts"
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if f"{folder.name}/{entry.name}" not in keep and entry.name.endswith((".json", ".tmp")):
            entry.unlink(missing_ok=True)
