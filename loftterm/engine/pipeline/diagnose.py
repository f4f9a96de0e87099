"""The diagnose phase: merge what a run found into the book's warnings.

A warning keeps its first-seen time while it stays true; one the run no longer finds is marked
resolved (kept for the history).  Misplaced agent/organization links are found here too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Set

from loftterm.book.book import now_iso
from loftterm.book.emails import email_key
from loftterm.engine import derived, planner
from loftterm.engine.runs.runstate import RunState
from loftterm.matching import normalise
from loftterm.models import Link, Profile, RemoteContact, Warning


def _profiles(rs: RunState, only: Set[str] | None) -> Iterable[Profile]:
    """Every profile, or those of ``only`` still in the book."""
    profiles = rs.book.profiles
    if only is None:
        return profiles.values()
    return [p for pid in sorted(only) if (p := profiles.get(pid)) is not None]


def _links(rs: RunState, only: Set[str] | None) -> Iterable[Link]:
    """Every link of the connector, or those of the profiles ``only``."""
    if only is None:
        return rs.book.links_of_connector(rs.name)
    links = rs.book.links
    return [link for pid in sorted(only) for role in rs.info.roles
            if (link := links.get((pid, rs.name, role))) is not None]


def misplaced_warnings(rs: RunState, only: Set[str] | None = None) -> None:
    """Warn about agents paid to an organization that hold a link, or whose org has none.

    ``only``: look at these profiles alone (here and in the other walks).
    """
    if rs.info.kind != "ledger":
        return
    book = rs.book
    for profile in _profiles(rs, only):
        org = planner.paid_through_organization(book, profile)
        if org is None or profile.archived or not profile.sync_enabled(rs.name):
            continue
        for role in rs.info.roles:
            own = book.link_of(profile.id, rs.name, role)
            if own is not None:
                rs.warn(
                    "misplaced",
                    profile.id,
                    f"{profile.name} is paid to {org.name} but has its own {rs.title()} link "
                    f"({own.remote_id}); it must be blank: unlink it",
                    [own.remote_id],
                )
            elif book.link_of(org.id, rs.name, role) is None:
                rs.warn(
                    "misplaced",
                    profile.id,
                    f"{profile.name} is paid to {org.name}, which has no {rs.title()} {role} link",
                )


def missing_warnings(rs: RunState, only: Set[str] | None = None) -> None:
    """Warn about links whose remote record disappeared from a full pull."""
    if not rs.book.connector_meta(rs.name).get("last_full_pull"):
        return
    for link in _links(rs, only):
        if rs.book.remote_record(rs.name, link.role, link.remote_id) is None:
            rs.warn(
                "missing",
                link.profile_id,
                f"linked {rs.title()} {link.role} {link.remote_id} no longer exists: Unlink, "
                "then relink by search",
                [link.remote_id],
            )


def archived_holder_warnings(rs: RunState, only: Set[str] | None = None) -> None:
    """Warn while an archived remote record still holds the email of a profile (seeds 001/002)."""
    holders: dict[tuple[str, str], list[RemoteContact]] = {}
    for record in rs.book.remote[rs.name].values():
        if record.status != "active" and record.email and record.role in rs.info.roles:
            holders.setdefault((record.role, normalise(record.email)), []).append(record)
    if not holders:
        return
    for profile in _profiles(rs, only):
        if not profile.email or profile.archived:
            continue
        if planner.must_stay_blank(rs.book, rs.info, profile):
            continue  # seed 000: an agent paid to an organization may have its own archived contact
        for role in rs.info.roles:
            link = rs.book.link_of(profile.id, rs.name, role)
            found = [
                r
                for r in holders.get((role, normalise(profile.email)), [])
                if (link is None or r.remote_id != link.remote_id)
                and not planner.rejected(rs.book, rs.name, r.remote_id, profile.id)  # "not same"
            ]
            if found:
                names = ", ".join(f"{r.name} [{r.status}]" for r in found)
                rs.warn(
                    "archived-duplicate",
                    profile.id,
                    f"{names} still holds {profile.email} in {rs.title()}: restore it, remove "
                    f"the email and merge the duplicates in {rs.title()}, then sync",
                    [r.remote_id for r in found],
                )


def duplicate_holder_warnings(rs: RunState, only: Set[str] | None = None) -> None:
    """Warn when an active, unlinked remote record holds the email of a profile linked elsewhere."""
    book = rs.book
    # only some profiles: a record can concern them only through one of their emails
    emails = None if only is None else {
        email for pid in only
        if (profile := book.profiles.get(pid)) is not None and (email := email_key(profile.email))}
    for record in book.remote[rs.name].values():
        if record.status != "active" or not record.email or record.role not in rs.info.roles:
            continue
        if emails is not None and email_key(record.email) not in emails:
            continue
        if book.linked_profile(rs.name, record.role, record.remote_id):
            continue
        for profile_id in sorted(book.profiles_with_email(record.email)):
            if only is not None and profile_id not in only:
                continue
            link = book.link_of(profile_id, rs.name, record.role)
            if link is None:
                continue  # the link phase reports ties for blank profiles
            if planner.rejected(book, rs.name, record.remote_id, profile_id):
                continue  # the user said this record is not the profile ("not-same")
            rs.warn("duplicate", profile_id,
                    f"{rs.title()} also has {record.name} ({record.remote_id}) with {record.email}, "
                    f"besides the linked contact: merge the duplicates in {rs.title()}, then sync",
                    [record.remote_id, link.remote_id])


def archived_link_warnings(rs: RunState, only: Set[str] | None = None) -> None:
    """Warn when a ledger contact a profile is linked to is archived (or inactive) remotely.

    A record merged away is relinked to its survivor (or warned about) by the link phase.
    """
    if rs.info.kind != "ledger":
        return
    book = rs.book
    for link in _links(rs, only):
        record = book.remote_record(rs.name, link.role, link.remote_id)
        profile = book.profiles.get(link.profile_id)
        if record is None or profile is None or profile.archived:
            continue
        if record.status == "active" or record.merged_to:
            continue
        rs.warn(
            "archived",
            profile.id,
            f"linked {rs.title()} {link.role} {record.name} ({record.remote_id}) is "
            f"{record.status} in {rs.title()}: nothing more is synced to it; restore it there, "
            "or unlink and relink to the active record",
            [record.remote_id],
        )


_Found = tuple[str, str, str, list[str]]  # kind, profile id, message, remote ids
_WALKS = (misplaced_warnings, archived_link_warnings, missing_warnings,
          archived_holder_warnings, duplicate_holder_warnings)
_ORDER = {"misplaced": 0, "archived": 1, "missing": 2, "archived-duplicate": 3, "duplicate": 4}


def book_warnings(rs: RunState) -> None:
    """Raise what the book itself shows wrong: misplaced, archived, missing, duplicate holders.

    These read only the book, so an unchanged book raises what it raised last time, and after
    a few changes only the profiles they could concern are looked at again
    (:func:`_concerned`).  They are raised in one order (kind, profile), however found.
    """
    book = rs.book
    key = ("warnings", rs.name)
    last_full = str(book.connector_meta(rs.name).get("last_full_pull") or "")
    kept = derived.kept_since(book, key, (*derived.pair_groups(rs.name), "decisions"), last_full)
    only = None
    if kept is not None and derived.few(kept[1], len(book.profiles)):
        known, linked = kept[0]
        only = _concerned(rs, known, linked, kept[1])
    start = len(rs.found)
    if only is None or only:
        for walk in _WALKS:
            walk(rs, only)
    found: list[_Found] = [(w.kind, w.profile_id, w.message, w.remote_ids)
                           for w in rs.found[start:]]
    del rs.found[start:]
    if only is None:
        linked = {k: link.remote_id for k, link in book.links.items() if k[1] == rs.name}
    else:
        found += (w for w in known if w[1] not in only)
    found.sort(key=lambda w: (_ORDER.get(w[0], 9), w[1], w[2]))
    for kind, profile_id, message, remote_ids in found:
        rs.warn(kind, profile_id, message, remote_ids)
    derived.keep(book, key, (found, linked), last_full)


def _concerned(
    rs: RunState,
    known: list[_Found],
    linked: dict[tuple[str, str, str], str],
    changed: Mapping[str, set[Hashable]],
) -> set[str]:
    """The profiles whose warnings the changes since ``known`` was found could move.

    Those changed or whose links changed; the holders of the records that changed or were
    linked or unlinked (``linked``: each link's record at the last walk, brought up to date
    here) and the profiles sharing their email; those warned about such a record (its email
    may have moved); and, when anything changed, every profile paid to an organization (its
    warnings read the organization).  A remembered "not the same" counts as a change of its
    record and its profile.
    """
    book, name = rs.book, rs.name
    only = {str(pid) for pid in changed["profiles"]}
    records = derived.changed_records(changed, name)
    for link_key in changed["links"]:
        if not isinstance(link_key, tuple) or link_key[1] != name:
            continue
        pid, _, role = link_key
        only.add(pid)
        if (before := linked.pop(link_key, None)) is not None:
            records.add((role, before))
        if (link := book.links.get(link_key)) is not None:
            linked[link_key] = link.remote_id
            records.add((role, link.remote_id))
    for decision in changed["decisions"]:
        parts = str(decision).split("|")
        if parts[0] == "reject" and len(parts) >= 3 and parts[1] == name:
            records.update((role, parts[2]) for role in rs.info.roles)
            only.update(parts[3:4])
    remote_ids = {remote_id for _, remote_id in records}
    only.update(holder for holder, _ in derived.holders(book, name, records))
    for role, remote_id in records:
        record = book.remote_record(name, role, remote_id)
        if record is not None and record.email:
            only.update(book.profiles_with_email(record.email))
    only.update(w[1] for w in known if not remote_ids.isdisjoint(w[3]))
    if only or records:
        only |= planner.paid_through_any(book)
    return only


def diagnose_phase(rs: RunState) -> None:
    """Merge this run's findings into the book's warnings for the connector."""
    book_warnings(rs)
    stamp = now_iso()
    found: dict[str, Warning] = {w.key: w for w in rs.found}
    for key, warning in found.items():
        old = rs.book.warnings.get(key)
        if old is not None and not old.resolved:
            warning.first_seen = old.first_seen
        rs.book.warnings[key] = warning
    for key, warning in rs.book.warnings.items():
        if warning.connector == rs.name and key not in found and not warning.resolved:
            warning.resolved = True
            warning.last_seen = stamp
    rs.counts["warnings"] = len(found)
    rs.emit("diagnose", len(found), len(found), f"{len(found)} warnings")


def keep_found(rs: RunState) -> None:
    """Add what a follow-up pass found to the book's warnings, resolving nothing."""
    for warning in rs.found:
        old = rs.book.warnings.get(warning.key)
        if old is not None and not old.resolved:
            warning.first_seen = old.first_seen
        rs.book.warnings[warning.key] = warning
    rs.counts["warnings"] = len(rs.found)
