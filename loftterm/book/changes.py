"""What changed in a book's big tables, record by record, so a save writes only that.

The profiles, the links and each connector's mirror are each one *part group*.  Every change
goes through the book (``put_profile``, ``put_link``, ``put_remote``, the ``drop_`` methods)
or, for a record edited in place, is declared with a ``touch_`` method; each is marked here
under its group and record key.  A save then

* leaves a group alone when nothing in it changed since the last save (nothing is encoded);
* writes a small *log* part beside the group's *base* part when few records changed since the
  base was written: their current documents, and a tombstone for each one dropped;
* writes the base again (and no log) when many did, or when the change is not known record by
  record (``mark_all``: a connector forgotten, a mirror cleared).

Tests run with ``LOFTTERM_VERIFY_SAVES=1``: every save then encodes every record and fails on
one that changed without being marked (see :class:`SaveCheck`), so an edit in place that forgot
its ``touch_`` is found by the suite, not by a user whose edit was never written.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Hashable, Iterable
from typing import Any

#: A group's log part is written while the records changed since its base are at most this
#: share of the group (or ``LOG_MIN`` records, whichever is more); past it the base is rewritten.
LOG_SHARE = 0.1
LOG_MIN = 1000
#: The suffix of a log part's group in the part map (``profiles+log``, ``remote:xero+log``).
LOG = "+log"
#: A log document's marker for a record dropped since the base was written.
GONE = "_gone"

#: Groups whose documents are few and big (a run's journal): fewer of them go to a log.
LOG_MIN_OF = {"journal": 8}

_ALL = None  # a group whose changes are not known record by record

#: Marks kept in order for :meth:`Changes.since` (a walk further behind starts over).
FEED_MAX = 100_000


class Changes:
    """Record keys changed per part group: since the last save, and since the base part."""

    def __init__(self) -> None:
        self._since_save: dict[str, set[Hashable] | None] = {}
        self._since_base: dict[str, set[Hashable] | None] = {}
        self.version = 0  # moves with every mark (engine/derived.py)
        # (group, key) of the marks since version ``_feed_start``; key None: mark_all
        self._feed: list[tuple[str, Hashable]] = []
        self._feed_start = 0

    def _record(self, group: str, key: Hashable) -> None:
        if len(self._feed) >= FEED_MAX:  # forget the older half: walks that far behind redo
            half = FEED_MAX // 2
            del self._feed[:half]
            self._feed_start += half
        self._feed.append((group, key))
        self.version += 1

    def mark(self, group: str, key: Hashable) -> None:
        """One record of a group changed (was put, dropped or edited in place)."""
        self._record(group, key)
        for table in (self._since_save, self._since_base):
            keys = table.get(group, set())
            if keys is not _ALL:
                keys.add(key)
                table[group] = keys

    def mark_many(self, group: str, keys: Iterable[Hashable]) -> None:
        """Several records of a group changed."""
        for key in keys:
            self.mark(group, key)

    def mark_all(self, group: str) -> None:
        """A group changed in a way not known record by record: its base is written again."""
        self._record(group, _ALL)
        self.rewrite(group)

    def rewrite(self, group: str) -> None:
        """Have the next save write a group's base again (its records did not change)."""
        self._since_save[group] = _ALL
        self._since_base[group] = _ALL

    def since(self, version: int, groups: Iterable[str]) -> dict[str, set[Hashable]] | None:
        """The keys of ``groups`` marked after ``version``, by group.

        None when that is not known record by record: a group was changed as a whole since, or
        the marks reach back no further (see :data:`FEED_MAX`).
        """
        if version < self._feed_start or version > self.version:
            return None
        wanted = set(groups)
        out: dict[str, set[Hashable]] = {group: set() for group in wanted}
        for group, key in itertools.islice(self._feed, version - self._feed_start, None):
            if group in wanted:
                if key is _ALL:
                    return None
                out[group].add(key)
        return out

    def dirty(self, group: str) -> bool:
        """True when the group changed since the last save."""
        return group not in self._since_save or self._since_save[group] is _ALL or bool(
            self._since_save[group])

    def logged(self, group: str, size: int) -> set[Hashable] | None:
        """The keys a log part would hold for a group of ``size`` records; None: rewrite the base."""
        keys = self._since_base.get(group, _ALL)
        if keys is _ALL or len(keys) > max(LOG_MIN_OF.get(group, LOG_MIN), int(size * LOG_SHARE)):
            return None
        return keys

    def saved(self, group: str, base_written: bool) -> None:
        """A group was just saved (its base written again, or a log beside its old base)."""
        self._since_save[group] = set()
        if base_written:
            self._since_base[group] = set()

    def loaded(self, group: str, logged: Iterable[Hashable] = ()) -> None:
        """A group was just read from its parts: the keys its log held are what its base lacks."""
        self._since_save[group] = set()
        self._since_base[group] = set(logged)

    def since_save(self, group: str) -> set[Hashable] | None:
        """The keys changed since the last save (None: not known record by record)."""
        return self._since_save.get(group, _ALL)


class MarkedDict(dict[str, dict[str, Any]]):
    """A table of plain documents by key that marks every key set or removed.

    The reviews, the remembered decisions and the undo journal are kept in these; a document
    changed in place is marked with the book's ``touch_document``.
    """

    def __init__(self, changes: Changes, group: str) -> None:
        super().__init__()
        self._changes, self._group = changes, group

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        super().__setitem__(key, value)
        self._changes.mark(self._group, key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changes.mark(self._group, key)

    def pop(self, key: str, *default: Any) -> Any:
        """Remove a document and return it (or the default)."""
        if key in self:
            self._changes.mark(self._group, key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, dict[str, Any]]:
        """Remove the last document."""
        key, value = super().popitem()
        self._changes.mark(self._group, key)
        return key, value

    def setdefault(self, key: str, default: dict[str, Any]) -> dict[str, Any]:
        """The document of ``key``, set to ``default`` first when there is none."""
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several documents."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        """Remove every document."""
        super().clear()
        self._changes.mark_all(self._group)


def log_group(group: str) -> str:
    """The part group of a group's log."""
    return group + LOG


def base_group(group: str) -> str:
    """The part group a log belongs to (itself for a base)."""
    return group.removesuffix(LOG)


class UndeclaredChange(AssertionError):
    """A record changed in place without its ``touch_`` (found by a verifying save)."""


class SaveCheck:
    """With ``LOFTTERM_VERIFY_SAVES=1``: each record's encoding at the last save or read.

    :meth:`check` encodes every record again and raises :class:`UndeclaredChange` naming the
    first one that differs without having been marked.  It costs a copy of the encoded book in
    memory, so it runs in tests only.
    """

    def __init__(self) -> None:
        self.enabled = os.environ.get("LOFTTERM_VERIFY_SAVES") == "1"
        self._encoded: dict[str, dict[Hashable, bytes]] = {}

    def check(self, group: str, now: dict[Hashable, bytes], marked: set[Hashable] | None) -> None:
        """Compare a group's encoded records with the last ones; remember the new ones.

        ``marked`` is what was marked since (None: anything may have changed).
        """
        before = self._encoded.get(group)
        if before is not None and marked is not _ALL:
            for key in now.keys() | before.keys():
                if now.get(key) != before.get(key) and key not in marked:
                    raise UndeclaredChange(
                        f"{group} record {key!r} changed without put_/drop_/touch_: "
                        "a save would not write it")
        self._encoded[group] = now

    def forget(self, group: str) -> None:
        """A group was let go of in memory: it is checked afresh once read again."""
        self._encoded.pop(group, None)
