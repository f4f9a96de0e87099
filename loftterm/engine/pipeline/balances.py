"""Balances: AR/AP from the ledger onto profiles, by the connector's ``balance_rule``.

A profile's *own* records are the mirrored remote records it is linked to, one per role (Xero:
the contact; QBO: the customer holds AR, the vendor AP).  For a profile that is not paid to an
organization the shown balance is simply its own, in every state: a linked profile whose sync is
turned off, or whose contact is archived, keeps updating (seeds 000-002, "Disable Sync").

For an agent or contact paid to an organization (``payable_to``), whose documents are all posted
to the organization's contact:

``principal`` (default; seeds 001/002, "the AR/AP balance syncs to both contacts")
    The organization profile shows its own contact's AR and AP.  The agent shows the same AR and
    AP (``via`` names the organization), plus the AR/AP of an *active* contact of its own when
    it has one (a misplaced link; else an unlinked record with its exact email or name, when
    the user maintains both): the agent is the principal, so nothing the ledger holds for it is
    hidden.  One record is never counted twice.  Several agents paid to one organization each
    show the organization's whole balance (the ledger cannot split it).

``organization_first`` (seeds 000/003)
    The agent shows the organization's AR, unless that AR is zero: then the AR of its own
    active contact (found as under ``principal``).  An agent with no contact of its own, or
    whose own contact is archived remotely, shows the organization's AR even when zero.  AP is
    always the organization's: bills and credit notes are posted there.

When the organization has no linked contact the agent shows its own balance, if any.  Money is
``Decimal`` kept as strings with its currency; amounts in different currencies are never added
(a second currency on one side is reported under ``other``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import BalanceChanges, ConnectorInfo
from loftterm.engine import derived, planner
from loftterm.engine.runs.runstate import RunState
from loftterm.models import Profile, RemoteContact

ZERO = Decimal("0")
RULES = ("principal", "organization_first")
#: Connector meta keys: the balance-changes watermark, and when balances were last refreshed.
BALANCES_SINCE = "balances_since"
BALANCES_CHECKED = "balances_checked_at"


def linked_records(
    book: Book, info: ConnectorInfo, profile_id: str, *, active_only: bool = False
) -> list[RemoteContact]:
    """Return the mirrored records a profile is linked to (one per role), optionally active only."""
    found: list[RemoteContact] = []
    for role in info.roles:
        link = book.link_of(profile_id, info.name, role)
        record = book.remote_record(info.name, role, link.remote_id) if link else None
        if record is not None and (record.status == "active" or not active_only):
            found.append(record)
    return found


def side_total(
    records: Iterable[RemoteContact], side: str
) -> tuple[Decimal, str, dict[str, Decimal]]:
    """Sum one side (``ar`` or ``ap``) per currency: (amount, currency, other currencies)."""
    records = list(records)
    sums: dict[str, Decimal] = {}
    for record in records:
        amount: Decimal = getattr(record.balance, side)
        if amount:
            sums[record.balance.currency] = sums.get(record.balance.currency, ZERO) + amount
    if not sums:
        currency = next((r.balance.currency for r in records if r.balance.currency), "")
        return ZERO, currency, {}
    main = next(iter(sums))
    return sums[main], main, {c: v for c, v in sums.items() if c != main}


def render(
    ar_records: list[RemoteContact],
    ap_records: list[RemoteContact],
    basis: str,
    via: str = "",
) -> dict[str, str]:
    """Return the stored balance: ar, ap, currency (+ ap_currency, other, via, basis)."""
    ar, ar_currency, ar_other = side_total(ar_records, "ar")
    ap, ap_currency, ap_other = side_total(ap_records, "ap")
    currency = ar_currency if ar or not ap else ap_currency
    currency = currency or ar_currency or ap_currency
    shown = {"ar": str(ar), "ap": str(ap), "currency": currency, "basis": basis}
    if ap_currency and ap_currency != currency:
        shown["ap_currency"] = ap_currency
    other = [f"AR {c} {v}" for c, v in ar_other.items()] + [
        f"AP {c} {v}" for c, v in ap_other.items()
    ]
    if other:
        shown["other"] = "; ".join(other)
    if via:
        shown["via"] = via
    return {k: v for k, v in shown.items() if v != ""}


def _unique(records: Iterable[RemoteContact]) -> list[RemoteContact]:
    seen: dict[str, RemoteContact] = {}
    for record in records:
        seen.setdefault(record.key, record)
    return list(seen.values())


def unlinked_own_contacts(book: Book, info: ConnectorInfo) -> dict[str, list[RemoteContact]]:
    """Agent id -> the active, unlinked records that are its own contact (same email or name).

    The rules keep the link of an agent paid to an organization blank, but the user may maintain
    the agent's own contact as well (seed 000); its balance is still the agent's.
    """
    found: dict[str, list[RemoteContact]] = {}
    for record, agent in sorted(_own_contacts(book, info), key=lambda pair: pair[0].key):
        if not book.linked_profile(info.name, record.role, record.remote_id):
            found.setdefault(agent, []).append(record)
    return found


def _own_contacts(book: Book, info: ConnectorInfo) -> list[tuple[RemoteContact, str]]:
    """(active record, agent id) of every record that is the own contact of a paid agent.

    Linked or not: that is read when asked.  Kept between runs while the paid agents stand;
    the records changed since are looked at again.
    """
    index = planner.paid_agents_by_key(book)
    if not index:
        return []
    key, state = ("own contacts", info.name), tuple((k, p.id) for k, p in index.items())
    group = f"remote:{info.name}"
    kept = derived.kept_since(book, key, (group,), state)
    records = book.remote[info.name]
    if kept is None:
        found = {k: agent for k, r in records.items() if (agent := _own_agent(info, r, index))}
    else:
        found = dict(kept[0])
        for k in kept[1][group]:
            found.pop(str(k), None)
            if (record := records.get(str(k))) is not None and (
                agent := _own_agent(info, record, index)
            ):
                found[str(k)] = agent
    derived.keep(book, key, found, state)
    return [(records[k], agent) for k, agent in found.items()]


def _own_agent(info: ConnectorInfo, record: RemoteContact, index: Mapping[str, Profile]) -> str:
    if record.status != "active" or record.role not in info.roles:
        return ""
    agent = planner.paid_agent_of(record, index)
    return agent.id if agent is not None else ""


def shown_balance(
    book: Book,
    info: ConnectorInfo,
    profile: Profile,
    rule: str = "principal",
    unlinked_own: Mapping[str, list[RemoteContact]] | None = None,
) -> dict[str, str] | None:
    """Return the balance a profile shows for a ledger connector, or None (nothing linked).

    :param unlinked_own: from :func:`unlinked_own_contacts` (computed when not given).
    """
    own = linked_records(book, info, profile.id)
    org = planner.paid_through_organization(book, profile)
    if org is None or org.id == profile.id:
        return render(own, own, "own contact") if own else None
    org_records = linked_records(book, info, org.id)
    if not org_records:
        if not own:
            return None
        return render(own, own, f"own contact ({org.name} has no linked {info.title} contact)")
    own_active = linked_records(book, info, profile.id, active_only=True)
    if not own_active:
        if unlinked_own is None:
            unlinked_own = unlinked_own_contacts(book, info)
        own_active = _unique(unlinked_own.get(profile.id, []))
    if rule == "organization_first":
        if own_active and not any(r.balance.ar for r in org_records):
            basis = f"AR of its own contact ({org.name} has no AR); AP of {org.name}"
            return render(own_active, org_records, basis, via=org.name)
        return render(org_records, org_records, f"AR and AP of {org.name}", via=org.name)
    both = _unique([*org_records, *own_active])
    extra = len(both) > len(org_records)
    basis = f"AR and AP of {org.name}" + (" plus its own contact" if extra else "")
    return render(both, both, basis, via=org.name)


def apply_balances(book: Book, info: ConnectorInfo, rule: str) -> int:
    """Write each profile's balance for a ledger connector; return how many profiles changed.

    A run after the last one walks only the profiles what changed since could move (see
    :func:`_moved_since`); otherwise, or when too much changed, every profile.
    """
    if info.kind != "ledger":
        return 0
    rule = rule if rule in RULES else "principal"
    key = ("balances", info.name)
    kept = derived.kept_since(book, key, derived.pair_groups(info.name), rule)
    moved = _moved_since(book, info, kept[1]) if kept is not None else None
    profiles = book.profiles
    walked = profiles.values() if moved is None else (
        p for pid in sorted(moved) if (p := profiles.get(pid)) is not None)
    changed = 0
    unlinked_own = unlinked_own_contacts(book, info)
    for profile in walked:
        new = shown_balance(book, info, profile, rule, unlinked_own)
        if new is None:
            if profile.balances.pop(info.name, None) is not None:
                book.touch_profile(profile)
                changed += 1
            continue
        if profile.balances.get(info.name) != new:
            profile.balances[info.name] = new
            book.touch_profile(profile)
            changed += 1
    derived.keep(book, key, True, rule)
    return changed


def _moved_since(
    book: Book, info: ConnectorInfo, changed: dict[str, set[Hashable]]
) -> set[str] | None:
    """The profiles whose shown balance the changes since the last walk could move.

    Those changed, those whose link of this connector changed, the holders of the records
    that changed, and every profile paid to an organization (its balance reads the
    organization's records and the unlinked records that may be its own contact).  None:
    walk every profile (more than half the book changed).
    """
    if not derived.few(changed, len(book.profiles)):
        return None
    moved = {str(pid) for pid in changed["profiles"]}
    moved.update(str(k[0]) for k in changed["links"] if isinstance(k, tuple) and k[1] == info.name)
    records = derived.changed_records(changed, info.name)
    moved.update(holder for holder, _ in derived.holders(book, info.name, records))
    if moved or records:
        moved |= planner.paid_through_any(book)
    return moved


def refresh_ids(
    book: Book, info: ConnectorInfo, role: str, among: set[str] | None = None
) -> list[str]:
    """The records whose balances a profile shows: linked ones and agents' own unlinked ones.

    ``among``: only those of these remote ids (the records a connector says changed).
    """
    ids = [
        link.remote_id
        for link in book.links_of_connector(info.name)
        if link.role == role
        and (among is None or link.remote_id in among)
        and book.remote_record(info.name, role, link.remote_id) is not None
    ]
    for records in unlinked_own_contacts(book, info).values():
        ids.extend(r.remote_id for r in records if r.role == role)
    return list(dict.fromkeys(i for i in ids if among is None or i in among))


def refresh_balances(rs: RunState, full_pull: bool) -> int:
    """Bring in the AR/AP a balance change moved without touching its record (Xero).

    After a complete full pull every balance is fresh: only the watermark is set.  Otherwise
    the connector names the records whose documents changed since the watermark
    (``loftterm_connector_balance_changes``) and just their balances are read, plus those of
    records linked since the last refresh; a connector that cannot tell has every shown balance
    read.  Called after the link phases, so a link made this run shows its balance.  Return
    how many mirrored balances changed.
    """
    if rs.info.kind != "ledger":
        return 0
    meta = rs.book.connector_meta(rs.name)
    checked_at = str(meta.get(BALANCES_CHECKED) or "")
    meta[BALANCES_CHECKED] = now_iso()
    if full_pull or not rs.hooks.implements("loftterm_connector_balances"):
        meta[BALANCES_SINCE] = meta.get("watermark", "")
        return 0
    changes = None
    since = str(meta.get(BALANCES_SINCE) or "")
    if since and rs.hooks.implements("loftterm_connector_balance_changes"):
        changes = rs.hooks.call("loftterm_connector_balance_changes", ctx=rs.ctx, since=since)
    keys = changes.keys if isinstance(changes, BalanceChanges) else None
    changed = 0
    for role in rs.info.roles:
        among = None
        if keys is not None:
            among = {i for r, i in keys if r == role} | _linked_since(rs, role, checked_at)
        changed += _read_balances(rs, role, refresh_ids(rs.book, rs.info, role, among))
    watermark = changes.watermark if isinstance(changes, BalanceChanges) else ""
    meta[BALANCES_SINCE] = watermark or meta.get("watermark", "")
    return changed


def _linked_since(rs: RunState, role: str, checked_at: str) -> set[str]:
    """The remote ids of a role linked after the last balance reading.

    Whole seconds: a link made in the very second of the last reading, after it, waits for its
    next document or the daily full pull; counting that second would re-read every link a run
    just made.
    """
    return {link.remote_id for link in rs.book.links_of_connector(rs.name)
            if link.role == role and (not checked_at or link.at > checked_at)}


def _read_balances(rs: RunState, role: str, ids: list[str]) -> int:
    if not ids:
        return 0
    rs.emit("balances", 0, len(ids), f"reading {len(ids)} balances from {rs.title()}")
    mirrored = sum(1 for r in rs.book.remote[rs.name].values() if r.role == role)
    answer = rs.hooks.call(
        "loftterm_connector_balances", ctx=rs.ctx, role=role, remote_ids=ids, mirrored=mirrored
    )
    changed = 0
    for remote_id, balance in dict(answer or {}).items():
        record = rs.book.remote_record(rs.name, role, remote_id)
        if record is not None and record.balance != balance:
            record.balance = balance
            rs.book.put_remote(rs.name, [record])
            changed += 1
    return changed
