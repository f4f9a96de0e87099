"""The link and import phases: blank profiles meet unlinked remote records.

Order per role: recover creates that died before they were linked (the profile id stamped on the
remote record), link by exact email then by name score, then import what is left as new local
profiles (by the connector's import policy).  Ties are never guessed: they become ``duplicate``
warnings naming the candidates.
"""

from __future__ import annotations

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.engine import company_names, derived, planner, plausible
from loftterm.engine.baseline import baseline_for, report_first_link
from loftterm.engine.decide import holds, merged
from loftterm.engine.decide.reviewqueue import proposal_id
from loftterm.engine.runs import journal
from loftterm.engine.runs.runstate import RunState
from loftterm.matching import Match, Tie
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
        company_names.track(rs.info, {k: v for k, v in comparable(record.fields).items()
                                      if k in rs.info.fields_for(record.role)}, profile)
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
    for link in _merged_away(rs, role):
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


def _merged_away(rs: RunState, role: str) -> list[Link]:
    """The links of a role whose record was merged away, in the book's order.

    Kept between runs (a routine sync of a big book has a handful): the pairs changed since
    are looked at again.
    """
    book, key = rs.book, ("merged away", rs.name)
    kept = derived.kept_pairs(book, key, rs.name, rs.info.roles)
    if kept is not None:
        found: set[tuple[str, str, str]] = set(kept[0]) - kept[1]
        found.update(k for k in kept[1] if (link := book.links.get(k)) is not None
                     and _is_merged_away(book, rs.name, link))
    else:
        found = {
            (link.profile_id, link.connector, link.role)
            for link in book.links_of_connector(rs.name)
            if _is_merged_away(book, rs.name, link)
        }
    derived.keep(book, key, found)
    if not found:
        return []
    return [link for k, link in book.links.items() if k in found and k[2] == role]


def _is_merged_away(book: Book, connector: str, link: Link) -> bool:
    record = book.remote_record(connector, link.role, link.remote_id)
    return record is not None and bool(record.merged_to)


def link_phase(rs: RunState, role: str) -> None:
    """Link blank profiles of one role; ties become warnings naming every party."""
    book = rs.book
    rs.emit("link", 0, None, f"matching blank profiles with {rs.title()} {role}s")
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
        warn_suggested(rs, role, match)
    total = link_matches(rs, role, result.matches)
    for tie in result.ties:
        warn_tie(rs, role, tie)
    rs.emit("link", total, total, f"linked {total} profiles")


def warn_suggested(rs: RunState, role: str, match: Match) -> None:
    """A name match the differing emails forbid: a person decides."""
    held = rs.book.remote_record(rs.name, role, match.remote_key)
    rs.warn(
        "suggested",
        match.local_key,
        f"looks like {rs.title()} {held.name if held else match.remote_key} by name "
        f"({float(match.score):.0%}) but the emails differ ({rs.book.profiles[match.local_key].email}"
        f" here, {held.email if held else '?'} there): not linked; link by hand if it is the "
        "same person",
        [match.remote_key],
    )


def link_matches(rs: RunState, role: str, matches: list[Match]) -> int:
    """Link each match; return how many were linked."""
    book, total, linked = rs.book, len(matches), 0
    for done, match in enumerate(matches, start=1):
        profile = book.profiles[match.local_key]
        record = book.remote_record(rs.name, role, match.remote_key)
        if record is None:
            continue
        make_link(rs, profile, record, match.method, float(match.score))
        rs.counts["linked"] += 1
        linked += 1
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
    return linked


def warn_tie(rs: RunState, role: str, tie: Tie) -> None:
    """A ``duplicate`` warning that says which side is ambiguous and names every party."""
    profile = rs.book.profiles[tie.local_key]
    score = "by email" if tie.method == "email" else f"at name {float(tie.score):.0%}"
    records = ", ".join(_remote_label(rs, role, rid) for rid in tie.remote_keys)
    if tie.rivals:
        people = [f"{tie.local_key} {profile.name}"] + [
            f"{pid} {rs.book.profiles[pid].name}" for pid in tie.rivals if pid in rs.book.profiles
        ]
        message = (
            f"{len(people)} profiles in the book ({', '.join(people)}) match {rs.title()} "
            f"{records} equally {score}: the duplicate is in the book; not linked: merge the "
            f"profiles (loftterm merge {tie.local_key} {tie.rivals[0]}) or link one by hand"
        )
    else:
        message = (
            f"{len(tie.remote_keys)} {rs.title()} contacts match {tie.local_key} {profile.name} "
            f"equally {score} ({records}): the duplicates are in {rs.title()}; not linked: "
            "merge them there, or link one by hand"
        )
    rs.warn("duplicate", tie.local_key, message, list(tie.remote_keys))


def _remote_label(rs: RunState, role: str, remote_id: str) -> str:
    record = rs.book.remote_record(rs.name, role, remote_id)
    if record is None:
        return remote_id
    status = f", {record.status}" if record.status != "active" else ""
    return f"{record.name} [{record.remote_id}{status}]"


_IMPORT_GROUPS = ("profiles", "links", "proposals")


def import_phase(rs: RunState, role: str) -> None:
    """Create local profiles for unlinked remote records, as the import policy says.

    A record with a plausible local candidate (``engine/plausible``) is held for review instead,
    unless a person said to import it anyway.
    """
    book = rs.book
    rs.emit("import", 0, None, f"checking unlinked {rs.title()} {role}s for import")
    settings = derived.settings_state(rs.settings)
    key = ("imports", rs.name, role)
    known = derived.recall(book, key, settings)
    if known is not None and known[1]:  # the same book the last import phase left: its holds
        for record, found in known[0]:
            holds.hold_import_again(rs, record, found)
        return
    held: list[tuple[RemoteContact, list[plausible.Candidate]]] = []
    records = planner.plan_imports(book, rs.info, rs.settings, role)
    checked = [r for r in records if not holds.import_overridden(book, rs.name, r.remote_id)]
    standing = _standing_as_kept(book, rs.name, key, settings)
    candidates = {r.remote_id: standing[r.remote_id] for r in checked if r.remote_id in standing}
    again = (r.remote_id for r in checked if r.remote_id not in candidates)
    candidates.update(holds.standing(book, rs.info, holds.IMPORT, role, again))
    fresh = [r for r in checked if r.remote_id not in candidates]
    candidates.update(plausible.local_candidates(book, rs.info, rs.settings, fresh))
    checked_ids = {r.remote_id for r in checked}
    twins = plausible.alike_records(
        book, rs.info, rs.settings, [r for r in checked if r.remote_id not in candidates]
    )
    imported: dict[str, Profile] = {}
    # A hold on a profile this run made says so in its note, this run only: such records are
    # not kept (the next run reads their reviews back), and the list is not complete.
    by_twin = False
    for record in records:
        found = candidates.get(record.remote_id)
        if not found:  # alike to a record imported just before: that profile is its candidate
            found = [
                plausible.Candidate(twin.id, twin.name, c.score, c.reasons, "imported in this run")
                for c in twins.get(record.remote_id, ())
                if (twin := imported.get(c.key)) is not None
            ]
            by_twin = by_twin or bool(found)
            if found:
                holds.hold_import(rs, record, found)
                continue
        if found:
            if record.remote_id in standing:
                holds.hold_import_again(rs, record, found)
            else:
                holds.hold_import(rs, record, found)
            held.append((record, list(found)))
            continue
        if (
            record.remote_id in checked_ids
            and record.email
            and book.profiles_with_email(record.email)
        ):
            continue  # its email is a profile's, which a person said it is not: a ledger duplicate
        profile = Profile(
            id=book.new_profile_id(),
            kind=planner.kind_for(record),
            fields=record.fields,
            origin=rs.name,
            updated_at=now_iso(),
        )
        book.put_profile(profile)
        make_link(rs, profile, record, LinkMethod.IMPORTED, 1.0, baseline=True)
        rs.counts["created_local"] += 1
        imported[record.remote_id] = profile
        rs.outcome(profile.id, "import", "created", record.remote_id, f"new from {rs.title()}")
    if imported:
        done = len(imported)
        rs.emit("import", done, done, f"imported {done} new profiles")
    derived.keep(book, key, (held, not by_twin), settings)


def _standing_as_kept(
    book: Book, connector: str, key: tuple[str, ...], settings: str
) -> dict[str, list[plausible.Candidate]]:
    """The records the last import phase held whose holds stand exactly as it stored them.

    A held record stands while neither it nor any candidate profile changed, no link of those
    profiles moved (a review's note names them) and none of its reviews changed; the rest are
    looked at again.  (A record a person said to import anyway is not held: it is not asked.)
    """
    kept = derived.kept_since(book, key, (*_IMPORT_GROUPS, f"remote:{connector}"), settings)
    if kept is None:
        return {}
    (held, _), changed = kept
    records = {str(k).partition(":")[2] for k in changed[f"remote:{connector}"]}
    profiles = {str(p) for p in changed["profiles"]}
    profiles.update(str(k[0]) for k in changed["links"] if isinstance(k, tuple))
    reviews = {str(k) for k in changed["proposals"]}
    out: dict[str, list[plausible.Candidate]] = {}
    for record, found in held:
        rid = record.remote_id
        if rid in records or any(
            c.key in profiles or proposal_id(connector, c.key, rid) in reviews for c in found
        ):
            continue
        out[rid] = found
    return out
