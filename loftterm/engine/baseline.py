"""The per-link baseline: the agreed value of each synced field, and how a link gets its first one.

After a link exists, a field is compared three ways (``planner.diff_link``): changed on the book's
side only since the baseline pushes, changed remotely only pulls, changed on both is a
``conflict`` that writes nothing for that field until a person picks (``resolve_conflict``).

At link time (any method: email, name, manual, created, imported, merged, review) the baseline is
made from both sides, so a blank never erases a value:

* equal values agree;
* a field blank on one side is filled from the other;
* values present on both and different: the book's value is pushed (seed 000 step 4: changes in
  Loft are pushed to the ledger) only when the profile was edited after the remote record;
  otherwise both are kept and the field is a ``conflict``.  The setting ``first_link_names:
  ledger`` keeps the ledger's name fields instead (the book takes them).

A link made without a baseline (by hand, by a merge, or by an older version) gets one on its
next sync, by the same rule, before anything is written (:func:`settle_baselines`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import company_names
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import UsageError
from loftterm.models import ContactFields, Link, Profile, RemoteContact, comparable, raw_equal
from loftterm.moments import parse_utc

NAME_FIELDS = frozenset(("name", "first_name", "last_name"))
FIRST_LINK_NAMES = ("book", "ledger")
TAKE_SIDES = ("local", "remote")


def book_is_newer(profile: Profile, record: RemoteContact) -> bool:
    """True when the profile was edited after the remote record (or the record has no time)."""
    mine, theirs = parse_utc(profile.updated_at), parse_utc(record.updated)
    if theirs is None:
        return True
    if mine is None:
        return False
    if not mine.microsecond:  # the book keeps whole seconds: the same second is a tie, the book's
        theirs = theirs.replace(microsecond=0)
    return mine >= theirs


def is_blank(value: Any) -> bool:
    """True for an empty text or an address with no part filled in."""
    if isinstance(value, Mapping):
        return not any(str(part).strip() for part in value.values())
    return not str(value).strip()


def _neither(value: Any) -> Any:
    """A baseline value equal to neither side: both filled, so a blank one does."""
    if isinstance(value, Mapping):
        return dict.fromkeys(value, "")
    return ""


def initial_baseline(
    local_fields: ContactFields,
    remote_fields: ContactFields,
    fields: Iterable[str],
    *,
    book_newer: bool,
    keep_ledger_names: bool = False,
) -> dict[str, Any]:
    """The baseline of a new link, from both sides (see the module docstring)."""
    local, there = comparable(local_fields), comparable(remote_fields)
    base: dict[str, Any] = {}
    for name in fields:
        mine, theirs = local[name], there[name]
        if mine == theirs or is_blank(mine):
            base[name] = mine  # agreed, or the book is blank: it takes the remote value
        elif is_blank(theirs) or (book_newer and not (keep_ledger_names and name in NAME_FIELDS)):
            base[name] = theirs  # the remote is blank, or the book wins: pushed
        elif keep_ledger_names and name in NAME_FIELDS:
            base[name] = mine  # the ledger's name is kept: pulled
        else:
            base[name] = _neither(mine)  # both filled, the remote is newer: a conflict
    return base


def first_link_names(settings: Mapping[str, Any]) -> str:
    """The configured ``first_link_names`` (``book`` by default)."""
    value = str(settings.get("first_link_names") or "book")
    return value if value in FIRST_LINK_NAMES else "book"


def baseline_for(
    info: ConnectorInfo,
    settings: Mapping[str, Any],
    profile: Profile,
    record: RemoteContact,
) -> dict[str, Any]:
    """The first baseline of a link between ``profile`` and ``record``."""
    keep = info.kind == "ledger" and first_link_names(settings) == "ledger"
    base = initial_baseline(
        profile.fields,
        record.fields,
        info.fields_for(record.role),
        book_newer=book_is_newer(profile, record),
        keep_ledger_names=keep,
    )
    return company_names.track(info, base, profile)


def agreed_baseline(
    link: Link, profile: Profile, record: RemoteContact, fields: Iterable[str]
) -> dict[str, Any]:
    """The baseline after a sync: each field both sides now hold equal; the others as they were.

    A field still different (in conflict, refused remotely, not written yet) keeps its old
    agreed value, so the next sync decides it the same way: nothing is lost.
    """
    fields = tuple(fields)
    mine = company_names.local_fields(link, profile)
    local = comparable(mine)
    if raw_equal(mine, record.fields, fields):
        return {name: local[name] for name in fields}
    there = comparable(record.fields)
    base: dict[str, Any] = {}
    for name in fields:
        if local[name] == there[name]:
            base[name] = local[name]
        elif name in link.baseline:
            base[name] = link.baseline[name]
    return base


def conflicted(book: Book, info: ConnectorInfo, profile_id: str, role: str, field: str) -> bool:
    """True when a profile's field differs from its linked record of a role."""
    profile = book.profiles.get(profile_id)
    link = book.link_of(profile_id, info.name, role)
    record = book.remote_record(info.name, role, link.remote_id) if link else None
    if profile is None or record is None or field not in info.fields_for(role):
        return False
    mine = company_names.local_fields(link, profile) if link else profile.fields
    return bool(comparable(mine)[field] != comparable(record.fields)[field])


def resolve_conflict(
    book: Book, info: ConnectorInfo, profile_id: str, role: str, field: str, take: str
) -> Link:
    """Pick one side of a field changed on both sides; the next sync writes it to the other.

    ``take=local`` pushes the book's value, ``take=remote`` pulls the remote one.
    :raises UsageError: when the profile has no such link, field or conflict.
    """
    if take not in TAKE_SIDES:
        raise UsageError(f"--take must be local or remote, not {take!r}")
    fields = info.fields_for(role)
    if field not in fields:
        raise UsageError(f"{field} is not synced with {info.title} {role}s "
                         f"(synced: {', '.join(fields)})")
    profile = book.profile(profile_id)
    link = book.link_of(profile.id, info.name, role)
    record = book.remote_record(info.name, role, link.remote_id) if link else None
    if link is None or record is None:
        raise UsageError(f"{profile.id} has no {info.title} {role} link in the last pull")
    local = company_names.local_fields(link, profile)
    mine, theirs = comparable(local)[field], comparable(record.fields)[field]
    if mine == theirs:
        raise UsageError(f"{field} of {profile.id} is already equal on both sides")
    base = dict(link.baseline)
    base[field] = theirs if take == "local" else mine
    link.baseline = base
    book.touch_link(link)
    return link


def settle_baselines(rs: RunState) -> None:
    """Give each of the connector's links that has no baseline its first one, before any write.

    A first-link rename of the remote record (the book's name wins) is reported per record.
    """
    book = rs.book
    for link in list(book.links_of_connector(rs.name)):
        if link.baseline:
            continue
        profile = book.profiles.get(link.profile_id)
        record = book.remote_record(rs.name, link.role, link.remote_id)
        if profile is None or record is None:
            continue
        link.baseline = baseline_for(rs.info, rs.settings, profile, record)
        book.touch_link(link)
        report_first_link(rs, profile, record, link)


def report_first_link(rs: RunState, profile: Profile, record: RemoteContact, link: Link) -> None:
    """Say, per record, when linking renames the remote record to the book's name."""
    local, there = comparable(profile.fields), comparable(record.fields)
    renamed = [
        name
        for name in rs.info.fields_for(link.role)
        if name in NAME_FIELDS
        and local[name] != there[name]
        and not is_blank(local[name])
        and link.baseline.get(name) == there[name]
    ]
    if not renamed:
        return
    title = rs.title()
    changes = ", ".join(f"{name} {there[name]!r} -> {local[name]!r}" for name in renamed)
    rs.outcome(
        profile.id,
        "rename",
        "planned",
        record.remote_id,
        f"first link: {title} takes the book's {changes} (set connectors.{rs.name}."
        f"first_link_names: ledger to keep {title}'s names)",
    )
