"""The link and import phases: blank profiles meet unlinked remote records.

Order per role: recover creates that died before they were linked (the profile id stamped on the
remote record), link by exact email then by name score, then import what is left as new local
profiles (by the connector's import policy).  Ties are never guessed: they become ``duplicate``
warnings naming the candidates.
"""

from __future__ import annotations

from loftterm.book.book import now_iso
from loftterm.engine import journal, merged, planner
from loftterm.engine.baseline import baseline_for, report_first_link
from loftterm.engine.runstate import RunState
from loftterm.models import Link, LinkMethod, Profile, RemoteContact, comparable


def make_link(
    rs: RunState,
    profile: Profile,
    record: RemoteContact,
    method: str,
    score: float,
    baseline: bool = False,
) -> None:
    """Link a profile to a remote record in the book (also in a dry run's throwaway copy).

    The link gets its baseline now, from both sides (``engine/baseline``): a blank never erases
    a value.  ``baseline`` (an import: both sides equal) takes the remote values as they are.
    """
    base = (
        {k: v for k, v in comparable(record.fields).items() if k in rs.info.fields_for(record.role)}
        if baseline
        else baseline_for(rs.info, rs.settings, profile, record)
    )
    journal.record_link(rs, profile.id, record, method, score)  # undo journal: the link before
    link = Link(profile.id, rs.name, record.role, record.remote_id, method, score, now_iso(), base)
    rs.book.put_link(link)
    if not baseline:
        report_first_link(rs, profile, record, link)


def heal_merges(rs: RunState, role: str) -> None:
    """Relink profiles whose remote record was merged away to the surviving record.

    Xero archives the losing contact of a merge and names the survivor in ``MergedToContactID``.
    A survivor already linked to another profile is left alone with a warning (a person decides).
    """
    book = rs.book
    for link in list(book.links_of_connector(rs.name)):
        if link.role != role:
            continue
        record = book.remote_record(rs.name, role, link.remote_id)
        if record is None or not record.merged_to:
            continue
        survivor = book.remote_record(rs.name, role, record.merged_to)
        if survivor is None or survivor.status != "active":
            continue
        holder = book.linked_profile(rs.name, role, survivor.remote_id)
        profile = book.profiles.get(link.profile_id)
        if profile is None:
            continue
        if holder and holder != profile.id:
            rs.warn(
                "merged",
                profile.id,
                f"{record.name} was merged into {survivor.name} in {rs.title()}, which is linked "
                f"to {book.profiles[holder].name}; merge the two profiles or relink by hand",
                [record.remote_id, survivor.remote_id],
            )
            continue
        journal.record_unlink(rs, link, "merged remotely", survivor.remote_id)  # undo journal
        book.drop_link(profile.id, rs.name, role)
        make_link(rs, profile, survivor, LinkMethod.MERGED, 1.0)
        rs.counts["linked"] += 1
        rs.outcome(
            profile.id,
            "link",
            "linked",
            survivor.remote_id,
            f"{record.name} was merged into {survivor.name} in {rs.title()}: relinked",
        )


def link_phase(rs: RunState, role: str) -> set[str]:
    """Link blank profiles of one role; return the remote ids left ambiguous (not to import)."""
    book = rs.book
    heal_merges(rs, role)
    merged.warn_renamed_merges(rs, role)  # QBO: no merge pointer; propose the relink
    for profile, record in list(planner.recoverable(book, rs.info, role)):
        make_link(rs, profile, record, LinkMethod.RECOVERED, 1.0)
        rs.counts["linked"] += 1
        rs.outcome(
            profile.id, "link", "linked", record.remote_id, "found the record it created earlier"
        )
    result = planner.plan_links(book, rs.info, rs.settings, role)
    for match in planner.penalised_matches(book, rs.info, result):
        held = book.remote_record(rs.name, role, match.remote_key)
        rs.warn(
            "suggested",
            match.local_key,
            f"looks like {rs.title()} {held.name if held else match.remote_key} by name "
            f"({float(match.score):.0%}) but the name is common and the emails differ: not linked; "
            "link by hand if it is the same person",
            [match.remote_key],
        )
    total = len(result.matches)
    for done, match in enumerate(result.matches, start=1):
        profile = book.profiles[match.local_key]
        matched = book.remote_record(rs.name, role, match.remote_key)
        if matched is None:
            continue
        record = matched
        make_link(rs, profile, record, match.method, float(match.score))
        rs.counts["linked"] += 1
        rs.outcome(
            profile.id,
            "link",
            "linked",
            record.remote_id,
            f"{match.method} match"
            + (f" {float(match.score):.0%}" if match.method == "name" else ""),
        )
        if done % 500 == 0:
            rs.emit("link", done, total, f"linked {done} of {total}")
    ambiguous: set[str] = set()
    for tie in result.ties:
        names = [_remote_label(rs, role, rid) for rid in tie.remote_keys]
        ambiguous.update(tie.remote_keys)
        rs.warn(
            "duplicate",
            tie.local_key,
            f"{len(names)} {rs.title()} contacts match equally ({', '.join(names)}); "
            "not linked: merge the duplicates remotely or relink by hand",
            list(tie.remote_keys),
        )
    rs.emit("link", total, total, f"linked {total} profiles")
    return ambiguous


def _remote_label(rs: RunState, role: str, remote_id: str) -> str:
    record = rs.book.remote_record(rs.name, role, remote_id)
    if record is None:
        return remote_id
    return record.name + (f" [{record.status}]" if record.status != "active" else "")


def import_phase(rs: RunState, role: str, skip: set[str]) -> None:
    """Create local profiles for unlinked remote records, as the import policy says."""
    records = planner.plan_imports(rs.book, rs.info, rs.settings, role, skip)
    for record in records:
        profile = Profile(
            id=rs.book.new_profile_id(),
            kind=planner.kind_for(record),
            fields=record.fields,
            origin=rs.name,
            updated_at=now_iso(),
        )
        rs.book.put_profile(profile)
        make_link(rs, profile, record, LinkMethod.IMPORTED, 1.0, baseline=True)
        rs.counts["created_local"] += 1
        rs.outcome(profile.id, "import", "created", record.remote_id, f"new from {rs.title()}")
    if records:
        rs.emit("import", len(records), len(records), f"imported {len(records)} new profiles")
