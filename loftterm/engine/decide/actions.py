"""What a user does by hand (link, unlink, search) and how the book's records become views."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.errors import UsageError
from loftterm.matching import MatchRecord, NameIndex, normalise
from loftterm.models import Link, LinkMethod, Profile
from loftterm.views import Candidate, OutcomeRow, Proposal, ProposalField, RunSummary


def manual_link(
    book: Book, info: ConnectorInfo, profile_id: str, role: str, remote_id: str
) -> Link:
    """Link a profile to a mirrored remote record by hand; refuse what cannot be right."""
    profile = book.profile(profile_id)
    org = planner.paid_through_organization(book, profile)
    if info.kind == "ledger" and org is not None:
        raise UsageError(
            f"{profile.name} is paid to {org.name}: its {info.title} link must stay "
            f"blank; link the organization ({org.id}) instead"
        )
    record = book.remote_record(info.name, role, remote_id)
    if record is None:
        raise UsageError(
            f"{info.name} {role} {remote_id!r} is not in the last pull; sync first, "
            "then search again"
        )
    holder = book.linked_profile(info.name, role, remote_id)
    if holder and holder != profile_id:
        raise UsageError(
            f"{info.name} {role} {remote_id} is already linked to {holder} "
            f"({book.profiles[holder].name}); unlink it there first"
        )
    link = Link(profile_id, info.name, role, remote_id, LinkMethod.MANUAL, 1.0, now_iso(), {})
    book.put_link(link)
    book.decisions[f"manual|{info.name}|{profile_id}|{remote_id}"] = {
        "key": f"manual|{info.name}|{profile_id}|{remote_id}",
        "at": now_iso(),
    }
    resolve_warnings(book, profile_id, info.name, ("duplicate", "missing", "archived-duplicate"))
    return link


def resolve_warnings(book: Book, profile_id: str, connector: str, kinds: Iterable[str]) -> None:
    """Mark a profile's warnings of some kinds resolved (the user acted on them)."""
    wanted = set(kinds)
    for warning in book.warnings.values():
        if (
            warning.profile_id == profile_id
            and warning.connector == connector
            and warning.kind in wanted
        ):
            warning.resolved = True
            warning.last_seen = now_iso()


def search_mirror(
    book: Book, connector: str, role: str, query: str, limit: int = 20
) -> list[Candidate]:
    """Rank mirrored records of a role: exact email matches first, then trigram name score."""
    records = [r for r in book.remote[connector].values() if r.role == role]
    wanted = normalise(query)
    by_key = {r.remote_id: r for r in records}
    found: list[Candidate] = []
    if "@" in wanted:
        for record in records:
            if normalise(record.email) == wanted:
                found.append(
                    Candidate(
                        record, 1.0, True, book.linked_profile(connector, role, record.remote_id)
                    )
                )
    index = NameIndex(
        (MatchRecord(r.remote_id, r.name, r.email, r.status == "active") for r in records),
        "jaccard",
    )
    seen = {c.remote.remote_id for c in found}
    for key, score in index.search(query, limit):
        if key not in seen:
            found.append(
                Candidate(
                    by_key[key], float(score), False, book.linked_profile(connector, role, key)
                )
            )
    return found[:limit]


def profile_rules(book: Book, profile: Profile) -> list[str]:
    """The seeds' rules that apply to a profile, in words, for the profile screen."""
    rules: list[str] = []
    org = planner.paid_through_organization(book, profile)
    if org is not None:
        rules.append(
            f"Paid to {org.name}: bills, credit notes and invoices are posted to the "
            "organization's ledger contact (invoices too, so credit notes can be allocated)."
        )
        rules.append(
            "This profile's ledger link must be blank and the organization must be linked; "
            "if this profile holds a link of its own, the misplaced fix unlinks it."
        )
        if org.archived:
            rules.append(f"{org.name} is archived: this profile's documents cannot be posted.")
        elif org.kind != "organization":
            rules.append(f"{org.name} is a {org.kind}, not an organization: check payable-to.")
    payees = [p.name for p in book.profiles.values() if p.payable_to == profile.id]
    if payees:
        rules.append(
            f"Pays on behalf of {', '.join(sorted(payees))}: keep this organization linked; "
            "its ledger balance shows on them too."
        )
    if profile.is_payable and org is None:
        rules.append(
            "Payable: created in each ledger on the next sync when it has no linked contact."
        )
    elif org is not None:
        rules.append(f"Never created in a ledger itself: {org.name} is, when it has no contact.")
    for connector in profile.sync_disabled:
        rules.append(
            f"Sync to {connector} is off: no matching or pushing; a linked contact's "
            "balances still update."
        )
    for connector, balance in sorted(profile.balances.items()):
        basis = balance.get("basis")
        if basis:
            rules.append(f"Balances from {connector}: {basis}.")
    return rules


def run_summary(run: Mapping[str, Any]) -> RunSummary:
    """Turn a stored run into its view."""
    outcomes = [
        OutcomeRow(
            **{
                k: str(o.get(k, ""))
                for k in ("profile_id", "name", "action", "status", "remote_id", "reason")
            }
        )
        for o in run.get("outcomes", [])
    ]
    return RunSummary(
        str(run.get("id", "")),
        str(run.get("connector", "")),
        str(run.get("started", "")),
        str(run.get("finished", "")),
        bool(run.get("ok")),
        bool(run.get("dry_run")),
        dict(run.get("counts", {})),
        int(run.get("api_calls", 0)),
        str(run.get("error", "")),
        outcomes,
        [str(note) for note in run.get("notes") or []],
    )


def proposal_from_dict(data: Mapping[str, Any]) -> Proposal:
    """Turn a stored proposal into its view."""
    fields = [
        ProposalField(
            str(f["field"]),
            str(f.get("left", "")),
            str(f.get("proposed", "")),
            str(f.get("right", "")),
        )
        for f in data.get("fields", [])
    ]
    return Proposal(
        str(data["id"]),
        str(data.get("connector", "")),
        str(data.get("profile_id", "")),
        str(data.get("remote_id", "")),
        str(data.get("reason", "")),
        fields,
        str(data.get("status", "open")),
        str(data.get("role", "")),
        [str(k) for k in data.get("holds", [])],
        [str(e) for e in data.get("evidence", [])],
        float(data.get("score", 0.0)),
        str(data.get("note", "")),
    )
