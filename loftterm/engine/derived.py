"""What the engine derived from a book, kept while the book did not change (not stored).

A routine sync of a big book walks every link and profile several times to find out that
nothing is to be done: the field diff, the baseline settle, the balances, the warnings.  Each
of these depends only on the book's profiles, links, mirror, reviews and decisions, whose every
change moves ``Book.version`` (see :mod:`loftterm.book.changes`).  A walk that saw the book at
a version, and whatever it found, is remembered here under a key; while the version (and the
extra ``state`` the walk also read, such as a balance rule) stands, the walk is not repeated.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
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


def kept_since(
    book: Book, key: Hashable, groups: Iterable[str], state: Hashable = ()
) -> tuple[Any, dict[str, set[Hashable]]] | None:
    """What was kept under ``key`` (:func:`keep`) and the keys of ``groups`` changed since.

    For a structure that is cheaper to bring up to date than to build again (an index: the
    caller lays the changed records over it).  None when nothing is kept under ``key`` for
    ``state``, or when the changes since are not known record by record.
    """
    known = book.derived.get(key)
    if known is None or known[0][1] != state:
        return None
    changed = book.changed_since(known[0][0], groups)
    return None if changed is None else (known[1], changed)


def pair_groups(connector: str) -> tuple[str, ...]:
    """The part groups a walk over a connector's linked pairs reads."""
    return ("profiles", "links", f"remote:{connector}")


def pairs_moved(
    book: Book, connector: str, roles: Iterable[str], changed: Mapping[str, set[Hashable]]
) -> set[tuple[str, str, str]]:
    """The link keys of ``connector`` whose pair changed: the link, its profile or its record.

    ``changed`` is what :func:`kept_since` returned for :func:`pair_groups`.
    """
    moved = {k for k in changed["links"] if isinstance(k, tuple) and k[1] == connector}
    roles = tuple(roles)
    links = book.links
    for profile_id in changed["profiles"]:
        moved.update(key for role in roles if (key := (str(profile_id), connector, role)) in links)
    records = changed_records(changed, connector)
    moved.update((holder, connector, role) for holder, role in holders(book, connector, records))
    return moved


def changed_records(changed: Mapping[str, set[Hashable]], connector: str) -> set[tuple[str, str]]:
    """``(role, remote id)`` of the mirrored records of ``connector`` in ``changed``."""
    out: set[tuple[str, str]] = set()
    for key in changed[f"remote:{connector}"]:
        role, _, remote_id = str(key).partition(":")
        out.add((role, remote_id))
    return out


def holders(
    book: Book, connector: str, records: Iterable[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """``(profile id, role)`` of the profiles linked now to ``(role, remote id)`` records."""
    for role, remote_id in records:
        if holder := book.linked_profile(connector, role, remote_id):
            yield holder, role


def few(changed: Mapping[str, set[Hashable]], size: int) -> bool:
    """True when the changes are few enough to walk them instead of everything (half).

    A walk of what changed costs about what the whole walk costs per record, so it pays until
    the changes near the book's size: a run that imported a tenth of the book and then wrote
    their balances must not have the next routine run walk everything again.
    """
    return sum(map(len, changed.values())) <= max(1000, size // 2)



def kept_pairs(
    book: Book, key: Hashable, connector: str, roles: Iterable[str]
) -> tuple[Any, set[tuple[str, str, str]]] | None:
    """What the walk ``key`` kept (:func:`keep`) and the link keys whose pair changed since.

    None: walk every link (nothing kept, or the changes are not few).  The moved keys include
    links dropped since.
    """
    kept = kept_since(book, key, pair_groups(connector))
    if kept is None or not few(kept[1], len(book.links)):
        return None
    return kept[0], pairs_moved(book, connector, roles, kept[1])
