"""Writing a book back: one atomic file, or for a big book only the parts that changed.

A small book is one TinyDB file.  A big one keeps its profiles, links, mirror and journal in
part files beside it (:mod:`loftterm.book.parts`); a save writes a changed group's base, or a
log of its changed records beside an unchanged base, then the book file last, which commits
the parts all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware

from loftterm.book import journal_parts
from loftterm.book.changes import LOG, log_group
from loftterm.book.documents import part_groups, table_documents, tracked_groups
from loftterm.book.parts import PART_TABLE, drop_parts, lazy_group, part_stem
from loftterm.book.storage import (
    AtomicJSONStorage,
    NumberedTable,
    encode_part,
    write_part,
)
from loftterm.durable import fsync_directory
from loftterm.heap import gc_paused

if TYPE_CHECKING:
    from loftterm.book.book import Book

SCHEMA_VERSION = 3  # what this reads; written as 1 in one file, 2 in parts, 3 with logs
PARTS_KEY = "_parts"  # in the written meta document: part group -> file, beside the book


def save(book: Book, whole: bool, part_min_docs: int) -> None:
    """Write ``book`` atomically; in parts once it holds ``part_min_docs`` documents.

    ``whole`` writes every part read again, logs folded in.  A book part of which could not be
    read is never saved (saving would lose the rest): its read error is raised again.
    """
    if book._broken is not None:
        raise book._broken
    book._remember_encodings(marked=True)
    if whole:
        for group in tracked_groups(book):
            book._changes.rewrite(group)
    appended: dict[str, str] = {}
    journal_appended = journal_parts.save_unread(book, appended)  # or read it to save
    groups = part_groups(book, part_min_docs)
    kept = {group: name for group, name in book._parts.items()
            if lazy_group(group) in book._unloaded}
    parts: dict[str, str] = {**kept, **appended}
    saved = [(group, True) for group in tracked_groups(book) if group not in groups]
    if journal_appended:
        saved.append(("journal", False))
    with gc_paused():
        written = [_write_group(book, group, table, records, document, parts, saved)
                   for group, (table, records, document) in groups.items()]
    if any(written) or journal_appended:
        fsync_directory(book.path.parent / f"{book.path.name}.parts")
    held = {table for group in parts for table in PART_TABLE[lazy_group(group)]}
    logs = any(group.endswith(LOG) for group in parts)  # older loftterms cannot read them
    meta = {**book.meta, "schema_version": SCHEMA_VERSION if logs else 2 if parts else 1}
    if parts:
        meta[PARTS_KEY] = parts
    tables = {name: NumberedTable([meta] if name == "meta" else make())
              for name, make in table_documents(book).items() if name not in held}
    db = TinyDB(str(book.path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
    cast(AtomicJSONStorage, db.storage).write(tables)  # cached by the middleware...
    db.close()  # ...and flushed here in one atomic write
    for group, base_written in saved:  # committed: what was marked is on disk now
        book._changes.saved(group, base_written)
    previous, book._parts = book._parts, parts
    drop_parts(book.path, set(parts.values()) | set(previous.values()))
    book.saves += 1


def _write_group(book: Book, group: str, table: str, records: dict[Any, Any],
                 document: Callable[[Any], dict[str, Any]], parts: dict[str, str],
                 saved: list[tuple[str, bool]]) -> bool:
    """Write one part group where it changed (its base, or a log beside it); True if written.

    ``saved`` collects (group, base written) for the marks to clear once the book file, which
    commits the parts, is written.
    """
    known, known_log = book._parts.get(group), book._parts.get(log_group(group))
    if known and not book._changes.dirty(group):
        parts.update({group: known, **({log_group(group): known_log} if known_log else {})})
        return False
    logged = book._changes.logged(group, len(records)) if known else None
    name = group if logged is None else log_group(group)
    keys = records if logged is None else sorted(logged, key=str)
    folder = book.path.parent / f"{book.path.name}.parts"
    before = book.path.parent / book._parts[name] if name in book._parts else None
    made = write_part(folder, part_stem(name), before,
                      encode_part(table, (document(key) for key in keys)))
    parts[name] = f"{folder.name}/{made.name}"
    if known and logged is not None:
        parts[group] = known
    saved.append((group, logged is None))
    return made != before
