"""Which names' balances moved: the transactions QBO changed since a watermark (CDC).

A Customer's or Vendor's ``Balance`` moves with the invoices, credit memos, payments, bills,
vendor credits, bill payments and journal entries posted against it; one Change Data Capture
call over those entities names every record whose balance may have changed.  CDC answers at
most 1000 objects and looks back 30 days: past either, every shown balance is read instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from loftterm.api import BalanceChanges

from .client import QboClient, to_utc_iso
from .pull import CDC_CAP, cdc_usable

#: Transaction entity -> the reference fields that name the customer or vendor it moves.
BALANCE_TRANSACTIONS: dict[str, tuple[str, ...]] = {
    "Invoice": ("CustomerRef",),
    "CreditMemo": ("CustomerRef",),
    "Payment": ("CustomerRef",),
    "Bill": ("VendorRef",),
    "VendorCredit": ("VendorRef",),
    "BillPayment": ("VendorRef",),
    "JournalEntry": (),
}
ROLE_OF_REF = {"CustomerRef": "customer", "VendorRef": "vendor"}
ROLE_OF_ENTITY_TYPE = {"Customer": "customer", "Vendor": "vendor"}


def balance_changes(client: QboClient, since: str) -> BalanceChanges:
    """Return the customers and vendors named by transactions changed since ``since``."""
    if not cdc_usable(since):
        return BalanceChanges(None)
    found = client.cdc(tuple(BALANCE_TRANSACTIONS), to_utc_iso(since))
    watermark = client.last_time
    if sum(len(rows) for rows in found.values()) >= CDC_CAP:
        return BalanceChanges(None, watermark)
    keys: set[tuple[str, str]] = set()
    for entity, refs in BALANCE_TRANSACTIONS.items():
        for row in found.get(entity, []):
            keys.update(_named(row, refs))
    return BalanceChanges(frozenset(keys), watermark)


def _named(row: Mapping[str, Any], refs: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for field in refs:
        ref = row.get(field)
        if isinstance(ref, Mapping) and ref.get("value"):
            yield ROLE_OF_REF[field], str(ref["value"])
    for line in row.get("Line") or []:  # journal entries name an entity per line
        detail = line.get("JournalEntryLineDetail") if isinstance(line, Mapping) else None
        entity = detail.get("Entity") if isinstance(detail, Mapping) else None
        if not isinstance(entity, Mapping):
            continue
        role = ROLE_OF_ENTITY_TYPE.get(str(entity.get("Type") or ""))
        ref = entity.get("EntityRef")
        if role and isinstance(ref, Mapping) and ref.get("value"):
            yield role, str(ref["value"])
