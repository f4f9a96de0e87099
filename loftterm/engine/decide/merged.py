"""Merged contacts without a merge pointer (QuickBooks Online): detect them, propose the relink.

Xero names the survivor of a merge in ``MergedToContactID`` and the link phase follows it
(:func:`loftterm.engine.pipeline.linking.heal_merges`).  QuickBooks Online has no such field: merging two
vendors (or customers) makes the loser inactive, and because inactive records keep their names in
QBO's one namespace, QBO renames an inactive record ``"Name (deleted)"`` -- which frees the name
for the survivor.  So when a *linked* record of a connector whose names are unique across inactive
records (``name_scope == "all"``) is inactive, and an *active* record of the same role now holds
its name (the ``(deleted)`` suffix removed) or its email, the profile was most likely merged into
it.  Nothing is relinked automatically (the evidence is circumstantial): a ``merged`` warning
names the survivor and the command that relinks, ``loftterm relink-merged PROFILE --connector
qbo``; the survivor is not imported as a new profile meanwhile.  A pair the user rejected
(``not-same``) or unlinked is never proposed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine import derived
from loftterm.engine.decide import decisions
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import UsageError
from loftterm.matching import normalise
from loftterm.models import Link, LinkMethod, RemoteContact

#: QBO's rename of an inactive name-list record: "Name (deleted)", "Name (deleted-1)"...
DELETED_SUFFIX = re.compile(r"\s*\(deleted(?:[\s-]*\d+)?\)\s*$", re.IGNORECASE)


def base_name(name: str) -> str:
    """A record's name without QBO's ``(deleted)`` suffix."""
    return DELETED_SUFFIX.sub("", name).strip()


@dataclass(frozen=True)
class Suspect:
    """A linked record that went inactive, and the active records that took its place."""

    profile_id: str
    role: str
    old: RemoteContact
    survivors: tuple[RemoteContact, ...]
    by: str  # "name", "email" or "name and email"


def detects(info: ConnectorInfo) -> bool:
    """Only ledgers whose names are unique across inactive records rename merged losers."""
    return info.kind == "ledger" and info.name_scope == "all"


def suspects(book: Book, info: ConnectorInfo, role: str, profile_id: str = "") -> Iterator[Suspect]:
    """Linked inactive records whose name or email an active record of the role now holds."""
    if not detects(info):
        return iter(())
    if profile_id:
        return _suspects(book, info, role, profile_id)
    key = ("suspects", info.name, role)
    kept = derived.kept_since(
        book, key, ("profiles", "links", f"remote:{info.name}", "decisions"))
    if kept is not None and _still_holds(book, info, role, kept[1]):
        known: list[Suspect] = kept[0]
    else:  # the whole book's: kept while only profiles that hold no inactive record change
        known = list(_suspects(book, info, role, ""))
    derived.keep(book, key, known)
    return iter(known)


def _still_holds(
    book: Book, info: ConnectorInfo, role: str, changed: Mapping[str, set[Hashable]]
) -> bool:
    """True when the changes cannot move a suspect.

    No record, link or decision changed, and no changed profile holds an inactive record of
    the role (new profiles, a new balance: what a routine run changes).
    """
    if changed[f"remote:{info.name}"] or changed["decisions"] or any(
            isinstance(k, tuple) and k[1] == info.name for k in changed["links"]):
        return False
    for profile_id in changed["profiles"]:
        link = book.link_of(str(profile_id), info.name, role)
        record = book.remote_record(info.name, role, link.remote_id) if link else None
        if record is not None and record.status != "active":
            return False
    return True


def _suspects(book: Book, info: ConnectorInfo, role: str, profile_id: str) -> Iterator[Suspect]:
    by_name: dict[str, list[RemoteContact]] = defaultdict(list)
    by_email: dict[str, list[RemoteContact]] = defaultdict(list)
    for record in book.remote[info.name].values():
        if record.role == role and record.status == "active":
            if record.name:
                by_name[normalise(record.name)].append(record)
            if record.email:
                by_email[normalise(record.email)].append(record)
    for link in list(book.links_of_connector(info.name)):
        if link.role != role or (profile_id and link.profile_id != profile_id):
            continue
        old = book.remote_record(info.name, role, link.remote_id)
        profile = book.profiles.get(link.profile_id)
        if old is None or old.status == "active" or old.merged_to or profile is None:
            continue
        if profile.archived or not profile.sync_enabled(info.name):
            continue
        name = normalise(base_name(old.name))
        email = normalise(old.email)
        named = {r.remote_id for r in by_name.get(name, [])} if name else set()
        mailed = {r.remote_id for r in by_email.get(email, [])} if email else set()
        found = {
            r.remote_id: r
            for r in [*by_name.get(name, []), *by_email.get(email, [])]
            if r.remote_id != old.remote_id
            and not decisions.pair_excluded(book, info.name, profile.id, r.remote_id)
        }
        if not found:
            continue
        both = [rid for rid in found if rid in named and rid in mailed]
        chosen = sorted(both or found)
        by = (
            "name and email"
            if both
            else " or ".join(
                w for w, ids in (("name", named), ("email", mailed)) if set(chosen) & ids
            )
        )
        yield Suspect(profile.id, role, old, tuple(found[rid] for rid in chosen), by)


def survivor_ids(book: Book, info: ConnectorInfo, role: str) -> set[str]:
    """Records proposed as survivors (kept out of the import phase until someone decides)."""
    return {r.remote_id for s in suspects(book, info, role) for r in s.survivors}


def warn_renamed_merges(rs: RunState, role: str) -> None:
    """Raise a ``merged`` warning for each suspect, naming the survivor and the relink command."""
    book, title = rs.book, rs.title()
    for found in suspects(book, rs.info, role):
        old = found.old
        ids = [old.remote_id, *(r.remote_id for r in found.survivors)]
        head = f"{old.name} is inactive in {title}"
        if len(found.survivors) > 1:
            names = ", ".join(f"{r.name} ({r.remote_id})" for r in found.survivors)
            rs.warn(
                "merged",
                found.profile_id,
                f"{head} and {len(found.survivors)} active {role}s now hold its {found.by} "
                f"({names}): it was probably merged; relink to the survivor by hand "
                f"(loftterm link {found.profile_id} --connector {rs.name} --role {role} "
                "--remote ID)",
                ids,
            )
            continue
        survivor = found.survivors[0]
        holder = book.linked_profile(rs.name, role, survivor.remote_id)
        if holder:
            other = book.profiles.get(holder)
            rs.warn(
                "merged",
                found.profile_id,
                f"{head} and active {survivor.name} ({survivor.remote_id}) now holds its "
                f"{found.by}, but that record is linked to {holder} "
                f"{other.name if other else ''}: probably merged; merge the two profiles "
                f"(loftterm merge {holder} {found.profile_id}) or relink by hand",
                ids,
            )
            continue
        rs.warn(
            "merged",
            found.profile_id,
            f"{head} and active {survivor.name} ({survivor.remote_id}) now holds its "
            f"{found.by}: it was probably merged into it; relink: loftterm relink-merged "
            f"{found.profile_id} --connector {rs.name}",
            ids,
        )


def relink_merged(
    book: Book, info: ConnectorInfo, profile_id: str, role: str = "", remote_id: str = ""
) -> list[Link]:
    """Relink a profile whose linked record was merged to the survivor; return the new links.

    The survivor is ``MergedToContactID`` (Xero) or the one active record holding the inactive
    record's name or email (QBO); ``remote_id`` picks one when several qualify.  The new link's
    method is ``merged`` and it is remembered as a manual decision (a person confirmed it).
    """
    profile = book.profile(profile_id)
    done: list[Link] = []
    for each in [role] if role else list(info.roles):
        link = book.link_of(profile_id, info.name, each)
        old = book.remote_record(info.name, each, link.remote_id) if link else None
        if link is None or old is None or old.status == "active":
            continue
        if old.merged_to:
            ids = [old.merged_to]
        else:
            found = next(iter(suspects(book, info, each, profile_id)), None)
            ids = [r.remote_id for r in found.survivors] if found else []
        if remote_id:
            ids = [rid for rid in ids if rid == remote_id] or (
                [remote_id] if book.remote_record(info.name, each, remote_id) else []
            )
        if not ids:
            continue
        if len(ids) > 1:
            raise UsageError(
                f"{profile_id}: several active {info.title} {each}s could be the survivor "
                f"({', '.join(ids)}); pick one with --remote"
            )
        survivor = book.remote_record(info.name, each, ids[0])
        if survivor is None or survivor.status != "active":
            raise UsageError(f"{info.name} {each} {ids[0]} is not active in the last pull")
        holder = book.linked_profile(info.name, each, survivor.remote_id)
        if holder and holder != profile_id:
            raise UsageError(
                f"{info.name} {each} {survivor.remote_id} is linked to {holder}; merge the two "
                f"profiles (loftterm merge {holder} {profile_id}) or unlink it there first"
            )
        book.drop_link(profile_id, info.name, each)
        new = Link(profile_id, info.name, each, survivor.remote_id, LinkMethod.MERGED, 1.0, now_iso())
        book.put_link(new)
        decisions.record_link(book, info.name, profile_id, survivor.remote_id)
        done.append(new)
    if not done:
        raise UsageError(
            f"{profile_id} {profile.name} has no {info.name} link to an inactive record with a "
            "survivor; `loftterm warnings` lists merged contacts"
        )
    stamp = now_iso()
    for warning in book.warnings.values():
        if (
            warning.profile_id == profile_id
            and warning.connector == info.name
            and warning.kind in ("merged", "missing")
            and not warning.resolved
        ):
            warning.resolved, warning.last_seen = True, stamp
    return done
