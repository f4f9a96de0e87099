"""What the engine derived from a book, kept while the book did not change (not stored).

A routine sync of a big book walks every link and profile several times to find out that
nothing is to be done: the field diff, the baseline settle, the balances, the warnings.  Each
of these depends only on the book's profiles, links, mirror, reviews and decisions, whose every
change moves ``Book.version`` (see :mod:`loftterm.book.changes`).  A walk that saw the book at
a version, and whatever it found, is remembered here under a key; while the version (and the
extra ``state`` the walk also read, such as a balance rule) stands, the walk is not repeated.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from loftterm.book import Book


def settings_state(settings: Mapping[str, Any]) -> str:
    """A connector's settings as a walk's ``state`` (a walk that reads them must name them)."""
    return repr(sorted(settings.items()))


def recall(book: Book, key: Hashable, state: Hashable = ()) -> Any:
    """What the walk ``key`` found at this very book version and ``state``; None when unknown."""
    known = book.derived.get(key)
    if known is None or known[0] != (book.version, state):
        return None
    return known[1]


def keep(book: Book, key: Hashable, value: Any, state: Hashable = ()) -> None:
    """Remember what the walk ``key`` found, as of the book's version now and ``state``."""
    book.derived[key] = ((book.version, state), value)
