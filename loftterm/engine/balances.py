"""Balances: AR/AP from the ledger onto profiles, by the connector's ``balance_rule``.

``principal`` (seeds 001/002, default): every linked profile shows its own contact's balance; an
agent paid to an organization shows the organization's balance too ("syncs to both contacts").
``organization_first`` (seeds 000/003): an agent paid to an organization shows the organization's
AR, unless that AR is zero, then the agent's own.  Disabled sync never stops balances.
"""

from __future__ import annotations

from decimal import Decimal

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.models import Balance


def own_balance(book: Book, connector: str, profile_id: str) -> Balance | None:
    """Sum AR and AP over a profile's linked records of one connector (QBO: customer + vendor)."""
    total: Balance | None = None
    for (pid, conn, role), link in book.links.items():
        if pid != profile_id or conn != connector:
            continue
        record = book.remote_record(connector, role, link.remote_id)
        if record is None:
            continue
        total = total or Balance(Decimal("0"), Decimal("0"), record.balance.currency)
        total.ar += record.balance.ar
        total.ap += record.balance.ap
    return total


def apply_balances(book: Book, info: ConnectorInfo, rule: str) -> int:
    """Write each profile's balance for a ledger connector; return how many profiles changed."""
    if info.kind != "ledger":
        return 0
    linked = {pid for (pid, conn, _role) in book.links if conn == info.name}
    changed = 0
    for profile in book.profiles.values():
        own = own_balance(book, info.name, profile.id) if profile.id in linked else None
        org = planner.paid_through_organization(book, profile)
        org_balance = own_balance(book, info.name, org.id) if org is not None else None
        shown = own
        if org_balance is not None:
            if rule == "organization_first":
                keep_own = org_balance.ar == 0 and own is not None
                shown = Balance(
                    own.ar if keep_own and own else org_balance.ar,
                    org_balance.ap,
                    org_balance.currency,
                )
            else:
                shown = org_balance if own is None else own
        new = shown.to_dict() if shown is not None else None
        if new is None:
            if profile.balances.pop(info.name, None) is not None:
                changed += 1
            continue
        if org_balance is not None and rule == "principal":
            new["via"] = org.name if org is not None and own is None else ""
        if profile.balances.get(info.name) != new:
            profile.balances[info.name] = new
            changed += 1
    return changed
