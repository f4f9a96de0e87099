"""Field-service connectors (SortScape): what flows in from the ledgers, duplicate proposals.

The rules (seed 004, SortScape's help on its Xero and QuickBooks integrations), with the book as
the hub between the ledgers and the field-service app:

* **What flows in.** A profile linked to an *active* ledger contact that is a customer, or
  neither a customer nor a supplier, becomes a field-service contact; pure suppliers never do.
  The new contact gets one property, from the ledger contact's shipping address, else its
  billing address (the ledger record's addresses; the profile's when the ledger record has none).
  Properties are a one-time import: the connector's mapping never sends them again.
* **Duplicate check first.** When an unlinked active field-service contact has the same name
  (folded: accents, punctuation and legal forms, ``matching/_fold``), phone (digits only) or
  email (normalised) as the profile or its ledger contact, nothing is created: a *proposal*
  ("link customers to existing contacts") is stored in
  ``book.proposals`` instead, one per pair, id ``f"{connector}:{profile_id}:{remote_id}"``.
  The generic link phase does not auto-link field-service contacts (``planner.plan_links``),
  so a same-name or same-email contact is always reviewed, never linked silently.
* **Review columns.** Each proposal field is a :class:`~loftterm.views.ProposalField` whose
  ``left`` is the ledger side (the profile's value, standing for its ledger contact; the ledger
  record's value when the profile's is empty), ``right`` the field-service contact's value, and
  ``proposed`` the non-empty one, left preferred -- the three columns of SortScape's review
  screen (Xero on the left, SortScape on the right, the proposal in the middle).
* **Decisions.** Accepting is :mod:`loftterm.engine.decide.review`; a rejected pair is remembered in
  ``book.decisions`` (``reject|{connector}|{remote_id}|{profile_id}``) and never proposed again,
  so the ledger contact is then created as a contact of its own.  Open proposals that stop
  applying (the profile was linked by hand, the contact was linked elsewhere, or is gone) are
  marked ``withdrawn``.
* **Materials** flow one way from the ledgers' products and services: :mod:`materials`.
* Two-way sync of the synced fields after linking, archive-following and pinning are generic:
  ``pushing.push_changes_phase``, ``archiving.archive_phase`` and ``pull.check_tenant``.  The
  automatic sync interval (30 minutes) is ``ConnectorInfo.sync_every_minutes``; the TUI runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo, PushRequest
from loftterm.engine import planner
from loftterm.engine.decide.reviewqueue import PROPOSAL_FIELDS, proposal_id
from loftterm.engine.pipeline.linking import make_link
from loftterm.engine.pipeline.materials import LedgerAccess, materials_step
from loftterm.engine.pipeline.pushing import call_push, intent_key, record_failure
from loftterm.engine.runs.runstate import RunState
from loftterm.matching import fold, normalise, phone_key
from loftterm.models import ContactFields, Link, LinkMethod, Profile, RemoteContact, comparable
from loftterm.words import counted

#: The duplicate keys, in the order a proposal's reason names them.
KEY_ORDER = ("name", "phone", "email")
#: Book meta key under the field connector's section: the ledger connectors of its last run.
LEDGERS_META = "ledgers"


@dataclass(frozen=True)
class Source:
    """A profile that must exist in the field-service app, with the ledger contact it mirrors."""

    profile: Profile
    ledger: str
    record: RemoteContact


@dataclass(frozen=True)
class Candidate:
    """An existing field-service contact that may be the same as a source, and why."""

    source: Source
    record: RemoteContact
    reasons: tuple[tuple[str, str], ...]  # (field, shared value)

    @property
    def reason(self) -> str:
        """E.g. ``same phone +61 2 9555 0101`` or ``same name X and email y``."""
        parts = [f"{field} {value}" for field, value in self.reasons]
        return "same " + " and ".join(parts)


@dataclass
class FieldPlan:
    """What the field phase will do with the contacts: create some, propose links for others."""

    creates: list[Source] = dataclasses.field(default_factory=list)
    proposals: list[Candidate] = dataclasses.field(default_factory=list)


# -- pure planning ------------------------------------------------------------------------


def reject_key(connector: str, remote_id: str, profile_id: str) -> str:
    """The decision key of a rejected pair (see :func:`planner.rejected`)."""
    return f"reject|{connector}|{remote_id}|{profile_id}"


def flows_in(record: RemoteContact) -> bool:
    """True for an active ledger customer, or a contact neither customer nor supplier."""
    if record.status != "active" or record.merged_to:
        return False
    return record.is_customer or not record.is_supplier


def ledger_sources(book: Book, ledgers: Sequence[str]) -> dict[str, tuple[str, RemoteContact]]:
    """Profile id -> the first qualifying ledger contact it is linked to (ledgers in order)."""
    order = {name: n for n, name in enumerate(ledgers)}
    found: dict[str, tuple[int, str, RemoteContact]] = {}
    for link in book.links.values():
        rank = order.get(link.connector)
        if rank is None:
            continue
        record = book.remote_record(link.connector, link.role, link.remote_id)
        if record is None or not flows_in(record):
            continue
        best = found.get(link.profile_id)
        if best is None or rank < best[0]:
            found[link.profile_id] = (rank, link.connector, record)
    return {pid: (ledger, record) for pid, (_rank, ledger, record) in found.items()}


class DuplicateIndex:
    """Unlinked active field-service contacts by normalised name, phone digits and email."""

    def __init__(self, records: Iterable[RemoteContact]) -> None:
        self.keys: dict[tuple[str, str], list[RemoteContact]] = {}
        for record in records:
            for field, key in self.keys_of(record.fields):
                self.keys.setdefault((field, key), []).append(record)

    @staticmethod
    def keys_of(fields: ContactFields) -> set[tuple[str, str]]:
        """The comparable keys of a contact."""
        out = {
            ("name", fold(fields.name)),  # accents, punctuation, legal forms: matching/_fold
            ("phone", phone_key(fields.phone)),
            ("email", normalise(fields.email)),
        }
        return {(field, key) for field, key in out if key}

    def find(self, *sides: ContactFields) -> dict[str, tuple[RemoteContact, list[tuple[str, str]]]]:
        """Remote id -> (record, reasons) for every contact sharing a key with any side."""
        wanted: set[tuple[str, str]] = set()
        for fields in sides:
            wanted |= self.keys_of(fields)
        found: dict[str, tuple[RemoteContact, list[tuple[str, str]]]] = {}
        for kind, key in sorted(wanted, key=lambda item: (KEY_ORDER.index(item[0]), item[1])):
            for record in self.keys.get((kind, key), []):
                _, reasons = found.setdefault(record.remote_id, (record, []))
                if all(seen != kind for seen, _ in reasons):
                    reasons.append((kind, str(record.fields.get(kind)).strip()))
        return found


def plan_contacts(book: Book, info: ConnectorInfo, ledgers: Sequence[str]) -> FieldPlan:
    """Decide, from the book alone, which profiles to create and which pairs to propose."""
    plan = FieldPlan()
    if not ledgers:
        return plan
    role = info.roles[0]
    linked_here = {link.profile_id for link in book.links_of_connector(info.name)}
    index = DuplicateIndex(
        r
        for r in planner.unlinked_remotes(book, info.name, role)
        if r.status == "active" and not planner.rejected(book, info.name, r.remote_id)
    )
    sources = ledger_sources(book, ledgers)
    for profile_id, (ledger, record) in sources.items():
        profile = book.profiles.get(profile_id)
        if profile is None or profile.archived or profile.id in linked_here:
            continue
        if not profile.sync_enabled(info.name):
            continue
        source = Source(profile, ledger, record)
        found = index.find(profile.fields, record.fields)
        candidates = [
            Candidate(source, there, tuple(reasons))
            for remote_id, (there, reasons) in sorted(found.items())
            if there.external_key != profile.id  # a create that died: the link phase recovers it
            and not planner.rejected(book, info.name, remote_id, profile.id)
        ]
        if candidates:
            plan.proposals.extend(candidates)
        elif not any(there.external_key == profile.id for there, _ in found.values()):
            plan.creates.append(source)
    return plan


def left_value(source: Source, field: str) -> str:
    """The ledger side of a field: the profile's value, else its ledger contact's."""
    value = str(source.profile.fields.get(field)).strip()
    return value or str(source.record.fields.get(field)).strip()


def proposal_fields(candidate: Candidate) -> list[dict[str, str]]:
    """The three columns of a proposal: ledger (left), proposed, field-service (right)."""
    rows = []
    for field in PROPOSAL_FIELDS:
        left = left_value(candidate.source, field)
        right = str(candidate.record.fields.get(field)).strip()
        rows.append({"field": field, "left": left, "proposed": left or right, "right": right})
    return rows


def create_fields(source: Source) -> ContactFields:
    """The values a new field-service contact gets.

    The profile's values, its empty fields filled from the ledger contact; the addresses are the
    ledger contact's (shipping, else billing, makes the property) unless it has none.
    """
    fields = source.profile.fields
    filled: dict[str, Any] = {
        f: left_value(source, f) for f in PROPOSAL_FIELDS if not str(fields.get(f)).strip()
    }
    there = source.record.fields
    if not (there.shipping.is_empty() and there.billing.is_empty()):
        filled["shipping"], filled["billing"] = there.shipping, there.billing
    return dataclasses.replace(fields, **filled)


def configured_ledgers(book: Book, info: ConnectorInfo) -> list[str]:
    """The ledger connectors the field connector's last run read from."""
    return [str(n) for n in book.connector_meta(info.name).get(LEDGERS_META) or []]


def open_proposals(book: Book, connector: str) -> list[dict[str, Any]]:
    """The connector's proposals waiting for a decision."""
    return [
        p
        for p in book.proposals.values()
        if p.get("connector") == connector and p.get("status", "open") == "open"
    ]


def pending_field(book: Book, info: ConnectorInfo) -> tuple[int, list[str]]:
    """For the pending counter: contacts the next sync creates, and why; reviews waiting."""
    plan = plan_contacts(book, info, configured_ledgers(book, info))
    reasons: list[str] = []
    title = info.title
    if plan.creates:
        names = [s.profile.name for s in plan.creates]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        reasons.append(
            f"{counted(len(names), 'ledger customer')} to create: not in {title} yet: {shown}"
        )
    waiting = {str(p["id"]): str(p.get("profile_id", "")) for p in open_proposals(book, info.name)}
    for candidate in plan.proposals:
        pid = proposal_id(info.name, candidate.source.profile.id, candidate.record.remote_id)
        waiting.setdefault(pid, candidate.source.profile.id)
    if waiting:
        names = sorted(
            {book.profiles[p].name if p in book.profiles else p for p in waiting.values()}
        )
        reasons.append(
            f"{counted(len(waiting), 'possible duplicate')} in {title} waiting for review "
            f"(`loftterm review`): {', '.join(names[:3])}"
            + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        )
    return len(plan.creates), reasons


# -- the phase ----------------------------------------------------------------------------


def field_phase(
    rs: RunState,
    ledgers: Sequence[LedgerAccess] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Create field-service contacts for ledger customers, or propose links to existing ones.

    :param ledgers: the enabled ledger connectors; None reuses the names of the last run (the
        contact rules need only the book; materials need the ledgers' access and are skipped).
    :param sleep: the sleeper for the ledgers' rate-limit waits.
    """
    meta = rs.book.connector_meta(rs.name)
    if ledgers is not None:
        meta[LEDGERS_META] = [ledger.name for ledger in ledgers]
    names = configured_ledgers(rs.book, rs.info)
    if not names:
        rs.notes.append(f"no ledger connector is enabled: nothing flows into {rs.title()}")
        return
    plan = plan_contacts(rs.book, rs.info, names)
    store_proposals(rs, plan.proposals)
    create_contacts(rs, plan.creates)
    for ledger in ledgers or ():
        materials_step(rs, ledger, sleep)


def store_proposals(rs: RunState, candidates: Sequence[Candidate]) -> None:
    """Store (or refresh) one proposal per candidate pair; withdraw those no longer true."""
    book, stamp = rs.book, now_iso()
    wanted: set[str] = set()
    new = 0
    for candidate in candidates:
        profile, record = candidate.source.profile, candidate.record
        pid = proposal_id(rs.name, profile.id, record.remote_id)
        wanted.add(pid)
        old = book.proposals.get(pid)
        reopened = old is None or old.get("status", "open") != "open"
        book.proposals[pid] = {
            **(old or {}),
            "id": pid,
            "connector": rs.name,
            "profile_id": profile.id,
            "remote_id": record.remote_id,
            "ledger": candidate.source.ledger,
            "ledger_id": candidate.source.record.remote_id,
            "reason": candidate.reason,
            "fields": proposal_fields(candidate),
            "status": "open",
            "created": stamp if reopened else (old or {}).get("created", stamp),
            "updated": stamp,
        }
        if reopened:
            new += 1
            rs.outcome(
                profile.id,
                "propose",
                "proposed",
                record.remote_id,
                f"{candidate.reason}: review it (`loftterm review`) instead of creating a "
                "duplicate",
            )
    for proposal in open_proposals(book, rs.name):
        if proposal["id"] not in wanted:
            proposal["status"] = "withdrawn"
            proposal["updated"] = stamp
            book.touch_document("proposals", str(proposal["id"]))
    if candidates:
        rs.notes.append(f"{counted(len(wanted), 'possible duplicate')} waiting for review ({new} new)")
    rs.emit("field", len(wanted), len(wanted), f"{len(wanted)} possible duplicates to review")


def create_contacts(rs: RunState, sources: Sequence[Source]) -> None:
    """Create field-service contacts (one property each) and link them (method ``created``)."""
    if not sources:
        return
    role = rs.info.roles[0]
    requests = [
        PushRequest(
            "create",
            s.profile.id,
            role,
            create_fields(s),
            idempotency_key=intent_key(rs, role, s.profile.id, "create"),
        )
        for s in sources
    ]
    by_id = {s.profile.id: s for s in sources}
    rs.emit("field", 0, len(requests), f"creating {len(requests)} contacts in {rs.title()}")
    if rs.dry_run:
        for source in sources:
            rs.counts["created_remote"] += 1
            rs.outcome(source.profile.id, "create", "planned", "", _why(rs, source))
        return
    outcomes = call_push(rs, requests)
    for outcome in outcomes:
        source = by_id[outcome.profile_id]
        profile = source.profile
        if outcome.status == "created" and outcome.remote is not None:
            rs.book.put_remote(rs.name, [outcome.remote])
            learn_empty_fields(rs, profile, create_fields(source))
            make_link(rs, profile, outcome.remote, LinkMethod.CREATED, 1.0)
            link = rs.book.link_of(profile.id, rs.name, outcome.role)
            if link is not None:
                agree(rs.info, profile, link)
            rs.counts["created_remote"] += 1
            rs.outcome(profile.id, "create", "created", outcome.remote.remote_id, _why(rs, source))
        else:
            record_failure(rs, profile, "create", outcome)
    rs.emit("field", len(outcomes), len(requests), f"created {rs.counts['created_remote']}")


def _why(rs: RunState, source: Source) -> str:
    kind = "customer" if source.record.is_customer else "contact"
    return f"new from {source.ledger} {kind} {source.record.name}"


def learn_empty_fields(rs: RunState, profile: Profile, sent: ContactFields) -> None:
    """Fill the profile's empty synced fields with the ledger values the new contact got."""
    changes: dict[str, Any] = {
        f: sent.get(f)
        for f in rs.info.synced_fields
        if f in PROPOSAL_FIELDS and not str(profile.fields.get(f)).strip() and sent.get(f)
    }
    if changes:
        profile.fields = dataclasses.replace(profile.fields, **changes)
        profile.updated_at = now_iso()
        rs.book.put_profile(profile)


def agree(info: ConnectorInfo, profile: Profile, link: Link) -> None:
    """Record the profile's synced values as agreed by both sides (the link's baseline)."""
    values = comparable(profile.fields)
    link.baseline = {k: values[k] for k in info.fields_for(link.role)}
