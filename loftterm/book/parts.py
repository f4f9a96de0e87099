"""Where a book's tables live on disk: the part files beside a big book, and their names.

A small book is one file.  A big one (``PART_MIN_DOCS`` documents) keeps its profiles, links,
each connector's mirror, the undo journal, the reviews and the remembered decisions in part
files named by their content digest (``<book>.parts/links.<digest>.json``), beside a main file
that holds meta, the part map, the run history and the small tables; each part is read only
when a command needs it.  A part with no change since it was written is not encoded (one not
even read is kept as it is); the profiles, the links and each mirror add a small log part when
few of their records changed (:mod:`loftterm.book.changes`); a changed part
is written under its new name first, and the main file, written last (temp file, fsync,
``.bak``, rename), commits them all at once.  Parts that neither the main file nor its backup
names are removed afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from loftterm.book.changes import LOG, base_group, log_group
from loftterm.book.storage import LayoutMismatch, encode_part, iter_book_records, write_part

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
    """The lazily read group a part (or its log) belongs to: people, mirror, journal or reviews."""
    part = base_group(part)
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

    A group's log part comes right after its base, its table named with the ``+log`` suffix
    (``profiles+log``): its documents replace the base's, and its tombstones drop them.

    :raises LayoutMismatch: naming the part file that is missing or damaged.
    """
    order = {group: position for position, group in enumerate(PART_ORDER)}

    def read_order(group: str) -> tuple[int, str, bool]:
        base = base_group(group)
        return order.get(base.split(":")[0], 9), base, group != base

    chosen = [group for group in parts if lazy_group(group) == lazy]
    for group in sorted(chosen, key=read_order):
        name = parts[group]
        suffix = LOG if group.endswith(LOG) else ""
        try:
            for table, doc in iter_book_records(book.parent / name):
                yield table + suffix, doc
        except LayoutMismatch as exc:
            raise LayoutMismatch(f"its part {name} is missing or damaged: {exc}") from None


def append_log(book: Path, parts: Mapping[str, str], group: str, key: str,
               docs: Mapping[str, Any], most: int) -> str | None:
    """Write a group's log part again with ``docs`` laid over the documents it holds.

    For a group whose base is not read (the undo journal, appended to run by run): returns
    the new log part's name, or None when the log would hold more than ``most`` documents
    (read the group and write its base instead).  ``key`` names each document's key field.

    :raises LayoutMismatch: naming the log part when it is missing or damaged.
    """
    log = log_group(group)
    held: dict[str, Any] = {}
    previous = book.parent / parts[log] if log in parts else None
    if previous is not None:
        try:
            for _, doc in iter_book_records(previous):
                held[str(doc[key])] = doc
        except (LayoutMismatch, KeyError, TypeError) as exc:
            raise LayoutMismatch(f"its part {parts[log]} is missing or damaged: {exc}") from None
    held.update(docs)
    if len(held) > most:
        return None
    folder = book.parent / f"{book.name}.parts"
    made = write_part(folder, part_stem(log), previous,
                      encode_part(group.partition(":")[0], held.values()))
    return f"{folder.name}/{made.name}"


def part_map(book: Path, parts: Any) -> dict[str, str]:
    """A book's part map (group -> file) as its main file states it, checked.

    :raises ValueError: when it is not a map of part groups to part file names.
    :raises FileNotFoundError: naming a part the map states that is not there.
    """
    if not isinstance(parts, dict) or not all(
        isinstance(name, str) and PART_FILE.fullmatch(name) for name in parts.values()
    ):
        raise ValueError("_parts must map part groups to part files")
    for name in parts.values():
        if not (book.parent / name).is_file():
            raise FileNotFoundError(f"its part {name} is missing")
    return {str(group): name for group, name in parts.items()}


def drop_parts(book: Path, keep: set[str]) -> None:
    """Remove part files that neither the book nor its backup names (and leftover temps)."""
    folder = book.parent / f"{book.name}.parts"
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if f"{folder.name}/{entry.name}" not in keep and entry.name.endswith((".json", ".tmp")):
            entry.unlink(missing_ok=True)
