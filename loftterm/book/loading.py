"""How a book's documents are decoded into it, table by table (logs included)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loftterm.book.changes import GONE, LOG
from loftterm.book.sharing import share_baseline, share_review_rows
from loftterm.models import Link, Profile, RemoteContact, Warning

if TYPE_CHECKING:
    from loftterm.book.book import Book


def _as_is(doc: dict[str, Any]) -> dict[str, Any]:
    return doc


def record_loaders(book: Book) -> dict[str, Callable[[Any], None]]:
    """How each table's documents are decoded into ``book`` (meta apart).

    Links and mirrored records mostly repeat their profile's values (the baseline is the
    agreed copy, the mirror the remote one); equal values are shared with the profile instead
    of kept twice (about a third of the memory of a 100k book).  Profiles are read first.
    """
    remote, seen, profiles, by_remote = book._remote, book._seen, book._profiles, book._by_remote

    def profile(doc: Any) -> None:
        book._index_profile(Profile.from_dict(doc))

    def link(doc: Any) -> None:
        found = Link.from_dict(doc)
        owner = profiles.get(found.profile_id)
        if owner is not None:
            found.profile_id = owner.id
            if found.baseline:
                share_baseline(found.baseline, owner.fields)
        book._put_link(found)

    def mirrored(doc: Any) -> None:
        connector, key = sys.intern(str(doc["connector"])), str(doc["key"])
        record = RemoteContact.from_dict(doc["record"])
        holder = by_remote.get((connector, record.role, record.remote_id))
        if holder is not None:
            record.remote_id = book._links[holder].remote_id
            owner = profiles.get(holder[0])
            if owner is not None and owner.fields == record.fields:
                record.fields = owner.fields  # immutable and equal: one copy
        if record.extra.get("display_name") == record.fields.name:
            record.extra["display_name"] = record.fields.name
        remote[connector][key] = record
        if doc.get("seen"):
            seen[connector][key] = sys.intern(str(doc["seen"]))  # one token per pull

    def logged(group: str, key: Any, gone: bool) -> bool:
        book._logged.setdefault(group, set()).add(key)
        return gone

    def profile_logged(doc: Any) -> None:
        if logged("profiles", str(doc["id"]), bool(doc.get(GONE))):
            book._drop_profile(str(doc["id"]))
        else:
            profile(doc)

    def link_logged(doc: Any) -> None:
        key = (str(doc["profile_id"]), sys.intern(str(doc["connector"])), str(doc["role"]))
        if logged("links", key, bool(doc.get(GONE))):
            book._drop_link(*key)
        else:
            link(doc)

    def mirrored_logged(doc: Any) -> None:
        connector, key = sys.intern(str(doc["connector"])), str(doc["key"])
        if logged(f"remote:{connector}", key, bool(doc.get(GONE))):
            remote[connector].pop(key, None)
            seen[connector].pop(key, None)
        else:
            mirrored(doc)

    def warning(doc: Any) -> None:
        found = Warning.from_dict(doc)
        book.warnings[found.key] = found

    def run(doc: Any) -> None:
        book.runs.append(dict(doc))

    def keyed(table: dict[str, dict[str, Any]], key: str,
              shared: Callable[[dict[str, Any]], dict[str, Any]] = _as_is) -> Callable[[Any], None]:
        def load(doc: Any) -> None:
            if key in doc:
                table[str(doc[key])] = shared(dict(doc))

        return load

    def keyed_logged(table: dict[str, dict[str, Any]], key: str, group: str,
                     shared: Callable[[dict[str, Any]], dict[str, Any]] = _as_is
                     ) -> Callable[[Any], None]:
        load = keyed(table, key, shared)

        def load_logged(doc: Any) -> None:
            if key in doc and logged(group, str(doc[key]), bool(doc.get(GONE))):
                table.pop(str(doc[key]), None)
            else:
                load(doc)

        return load_logged

    return {
        "profiles": profile,
        "links": link,
        "remote": mirrored,
        "profiles" + LOG: profile_logged,
        "links" + LOG: link_logged,
        "remote" + LOG: mirrored_logged,
        "warnings": warning,
        "runs": run,
        "proposals": keyed(book._proposals, "id", share_review_rows),
        "items": keyed(book.items, "key"),
        "decisions": keyed(book._decisions, "key"),
        "journal": keyed(book._journal, "run_id"),
        "proposals" + LOG: keyed_logged(book._proposals, "id", "proposals", share_review_rows),
        "decisions" + LOG: keyed_logged(book._decisions, "key", "decisions"),
        "journal" + LOG: keyed_logged(book._journal, "run_id", "journal"),
    }
