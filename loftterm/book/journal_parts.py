"""The undo journal of a big book, added to run by run without reading the other runs.

Each run adds one journal document (``engine/runs/journal.py``).  In a book kept in parts the
journal is a part of its own; reading it whole to add one document cost a quiet run at 100k
profiles ~70 MB and 0.3 s (a first full sync journals ~75k entries).  Here a new run's document
waits beside the unread part and a save appends it to the part's log; past a few runs in the
log the save reads the journal and writes it whole, the last runs kept.  A long-lived console
lets go of a saved journal after each write (:func:`release`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loftterm.book.changes import LOG_MIN_OF, log_group
from loftterm.book.parts import append_log
from loftterm.book.storage import LayoutMismatch, corrupt_message
from loftterm.errors import BookCorruptError

if TYPE_CHECKING:
    from loftterm.book.book import Book

JOURNAL = "journal"


def started(book: Book, run_id: str) -> dict[str, Any] | None:
    """The journal document of a run started on ``book`` (:func:`start`), or None.

    Never reads the journal: the other runs' documents are not looked at.
    """
    return book._journal_fresh.get(run_id)


def start(book: Book, run_id: str, doc: dict[str, Any], keep: int) -> None:
    """Start the journal document of a new run (``run_id`` made for it: never stored yet).

    Only the last ``keep`` runs' documents are kept.  A journal part not read (or let go of)
    is not read for this: the document is appended to the part's log at the next save.
    """
    book._journal_keep = keep
    book._journal_fresh[run_id] = doc
    if JOURNAL in book._unloaded:
        book._changes.mark(JOURNAL, run_id)
    else:
        book._journal[run_id] = doc
        _prune(book)


def _prune(book: Book) -> None:
    for old in list(book._journal)[: -book._journal_keep]:
        del book._journal[old]


def read_in(book: Book) -> None:
    """The journal part was just read: the runs started here replace their stored copies."""
    for run_id, doc in book._journal_fresh.items():
        book._journal[run_id] = doc  # newer than any copy read from the log
    _prune(book)


def release(book: Book) -> bool:
    """Let go of the journal's documents in memory when every one is in a part on disk.

    A long-lived process (the TUI, ``--sync --every``) held every run's undo journal, the
    first full sync's entries too (~70 MB at 100k); the next run appends its own without
    reading them, and ``loftterm undo`` reads them again when asked.  True when let go of;
    False while a change is unsaved or the book is one file.
    """
    changes = book._changes
    if JOURNAL in book._unloaded:  # not read: only the runs started here are held
        if changes.since_save(JOURNAL) == set():
            book._journal_fresh.clear()
        return not book._journal_fresh
    if JOURNAL not in book._parts or changes.dirty(JOURNAL):
        return False
    dict.clear(book._journal)  # not MarkedDict.clear: nothing is removed from the book
    book._journal_fresh.clear()
    book._unloaded.add(JOURNAL)
    book._check.forget(JOURNAL)
    return True


def save_unread(book: Book, parts: dict[str, str]) -> bool:
    """Append the runs started on an unread journal to its log part (named in ``parts``).

    True if written.  Past a few runs in the log, the journal is read instead and False is
    returned: the save then writes it the usual way, its base again, the last runs kept.
    """
    if JOURNAL not in book._unloaded or not book._journal_fresh:
        return False
    if book._changes.since_save(JOURNAL) == set():
        return False  # appended already, nothing started or touched since
    try:
        name = append_log(book.path, book._parts, JOURNAL, "run_id", book._journal_fresh,
                          most=LOG_MIN_OF[JOURNAL])
    except LayoutMismatch as exc:
        raise BookCorruptError(corrupt_message(book.path, str(exc))) from None
    if name is None:
        book._need(JOURNAL)
        book._changes.rewrite(JOURNAL)
        return False
    parts[log_group(JOURNAL)] = name
    return True
