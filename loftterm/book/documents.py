"""What a book writes: each table's documents, and the part groups of a big book."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from loftterm.book.changes import GONE

if TYPE_CHECKING:
    from loftterm.book.book import Book

MAX_RUNS = 200  # the run history kept


def remote_document(book: Book, connector: str, key: str) -> dict[str, Any]:
    """One mirrored record's document (its tombstone once it is dropped)."""
    record = book._remote[connector].get(key)
    if record is None:
        return {"connector": connector, "key": key, GONE: True}
    return {"connector": connector, "key": key, "record": record.to_dict(),
            "seen": book._seen[connector].get(key, "")}


def remote_documents(book: Book, connector: str) -> Iterator[dict[str, Any]]:
    """Every mirrored record's document of one connector."""
    return (remote_document(book, connector, key) for key in book.remote[connector])


def table_documents(book: Book) -> dict[str, Callable[[], Iterable[dict[str, Any]]]]:
    """Every table's documents, meta first, each made only when asked for (while written)."""
    return {
        "meta": lambda: [book.meta],
        "profiles": lambda: (p.to_dict() for p in book.profiles.values()),
        "links": lambda: (link.to_dict() for link in book.links.values()),
        "remote": lambda: itertools.chain.from_iterable(
            remote_documents(book, connector) for connector in list(book.remote)
        ),
        "warnings": lambda: (w.to_dict() for w in book.warnings.values()),
        "runs": lambda: book.runs[-MAX_RUNS:],
        "proposals": lambda: list(book.proposals.values()),
        "items": lambda: list(book.items.values()),
        "decisions": lambda: list(book.decisions.values()),
        "journal": lambda: list(book.journal.values()),
    }


def tracked_groups(book: Book) -> dict[str, tuple[dict[Any, Any], Callable[[Any], dict[str, Any]]]]:
    """The read groups whose changes are marked: group -> (records by key, key -> document).

    A key no longer in the records gives its tombstone (a log part's dropped record).
    """
    groups: dict[str, tuple[dict[Any, Any], Callable[[Any], dict[str, Any]]]] = {}
    if "people" not in book._unloaded:
        profiles, links = book._profiles, book._links
        groups["profiles"] = (profiles, lambda key: profiles[key].to_dict()
                              if key in profiles else {"id": key, GONE: True})
        groups["links"] = (links, lambda key: links[key].to_dict() if key in links else {
            "profile_id": key[0], "connector": key[1], "role": key[2], GONE: True})
    for table, lazy, key_name in (("journal", "journal", "run_id"),
                                  ("proposals", "reviews", "id"), ("decisions", "reviews", "key")):
        if lazy not in book._unloaded:
            docs: dict[str, Any] = getattr(book, "_" + table)
            groups[table] = (docs, lambda key, docs=docs, name=key_name: docs[key]  # type: ignore[misc]
                             if key in docs else {name: key, GONE: True})
    if "mirror" not in book._unloaded:
        for connector in list(book._remote):
            groups[f"remote:{connector}"] = (
                book._remote[connector],
                lambda key, c=connector: remote_document(book, c, key))  # type: ignore[misc]
    return groups


def part_groups(book: Book, min_docs: int) -> dict[str, tuple[str, dict[Any, Any],
                                                            Callable[[Any], dict[str, Any]]]]:
    """The parts of a big book: group -> (table, its records by key, key -> document).

    Every part group is a tracked one; profiles and links are parts even when empty, the others
    only when they hold something.  Empty for a small book, which stays one file (the layout
    the previous versions wrote).  A lazy group not read yet keeps its parts as they are.
    """
    if not book._unloaded:
        mirrored = sum(len(records) for records in book._remote.values())
        if len(book._profiles) + len(book._links) + mirrored < min_docs:
            return {}
    return {group: (group.partition(":")[0], records, document)
            for group, (records, document) in tracked_groups(book).items()
            if records or group in ("profiles", "links")}
