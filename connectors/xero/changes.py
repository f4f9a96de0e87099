"""Which contacts' balances moved: the documents Xero changed since a watermark.

A contact's ``Balances`` move when an invoice, bill, credit note, overpayment or prepayment is
entered, changed, paid or allocated, but its own ``UpdatedDateUTC`` does not (API notes 1.2).
Those documents do carry a modified date (a payment or an allocation bumps the invoice or
credit note it settles), so one ``If-Modified-Since`` listing of each collection names every
contact whose balance may have changed: four calls on a quiet day instead of one call per 50
linked contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.xero import mapping
from connectors.xero.client import XeroClient
from loftterm.api import BalanceChanges

ROLE = "contact"
#: Collection -> endpoint; each names its contact in ``Contact.ContactID``.
BALANCE_DOCUMENTS = {
    "Invoices": "/Invoices",
    "CreditNotes": "/CreditNotes",
    "Overpayments": "/Overpayments",
    "Prepayments": "/Prepayments",
}
DOCUMENTS_PAGE_SIZE = 1000
#: Beyond this many pages of one collection, reading every balance costs fewer calls.
MAX_PAGES = 5


def balance_changes(client: XeroClient, since: str) -> BalanceChanges:
    """Return the contacts named by documents modified since ``since`` (ISO-8601 UTC).

    ``keys`` is None when ``since`` is unreadable or so much changed that reading every
    balance is cheaper.  The watermark is Xero's own time at the first answer.
    """
    try:
        header = mapping.if_modified_since(since)
    except ValueError:
        return BalanceChanges(None)
    keys: set[tuple[str, str]] = set()
    watermark = ""
    for collection, endpoint in BALANCE_DOCUMENTS.items():
        for page in range(1, MAX_PAGES + 1):
            envelope = client.documents_page(endpoint, collection, page, DOCUMENTS_PAGE_SIZE,
                                             since=header)
            watermark = watermark or mapping.xero_date_to_iso(envelope.get("DateTimeUTC"))
            documents = envelope[collection]
            keys.update((ROLE, cid) for cid in map(_contact_id, documents) if cid)
            if len(documents) < DOCUMENTS_PAGE_SIZE:
                break
        else:
            return BalanceChanges(None, watermark)
    return BalanceChanges(frozenset(keys), watermark)


def _contact_id(document: Any) -> str:
    contact = document.get("Contact") if isinstance(document, Mapping) else None
    return str(contact.get("ContactID") or "") if isinstance(contact, Mapping) else ""
