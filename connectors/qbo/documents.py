"""Posting bills (Bill), credit notes (VendorCredit) and invoices (Invoice) exactly once.

Bills and credit notes go to the profile's Vendor, invoices to its ``*`` Customer.  The
document's ``PrivateNote`` carries ``loftterm:<idempotency key>`` and its ``DocNumber`` the
reference; a query by DocNumber precedes every post, so a re-run finds the document (``exists``)
instead of posting it twice, and the ``requestid`` covers a retry of the post itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from loftterm.api import DocumentLine, DocumentOutcome, DocumentRequest

from .client import QboClient, request_id
from .faults import QboFaultError
from .mapping import KEY_TAG
from .query import eq, select

KINDS = {
    "bill": ("Bill", "VendorRef", "vendor"),
    "credit_note": ("VendorCredit", "VendorRef", "vendor"),
    "invoice": ("Invoice", "CustomerRef", "customer"),
}
DOC_NUMBER_MAX = 21


def document_key(doc: DocumentRequest) -> str:
    """Return the document's idempotency key, or one derived from its content."""
    if doc.idempotency_key:
        return doc.idempotency_key
    raw = json.dumps([doc.kind, doc.remote_id, doc.reference, doc.date,
                      [(str(x.amount), str(x.quantity), x.description) for x in doc.lines]])
    return "derived-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def doc_number(doc: DocumentRequest, key: str) -> str:
    """Return the DocNumber: the reference (at most 21 characters), else one made from the key."""
    if doc.reference:
        return doc.reference[:DOC_NUMBER_MAX]
    return "LT-" + hashlib.sha256(key.encode()).hexdigest()[: DOC_NUMBER_MAX - 3]


def _quantity(line: DocumentLine) -> Decimal:
    return line.quantity if line.quantity else Decimal("1")


def line_body(kind: str, line: DocumentLine) -> dict[str, Any]:
    """Return one QBO line; ``amount`` is the line total, the unit price is derived from it."""
    qty = _quantity(line)
    out: dict[str, Any] = {"Amount": line.amount, "Description": line.description}
    if kind == "invoice":
        detail: dict[str, Any] = {"Qty": qty, "UnitPrice": line.amount / qty}
        if line.item_code:
            detail["ItemRef"] = {"value": line.item_code}
        out.update(DetailType="SalesItemLineDetail", SalesItemLineDetail=detail)
    elif line.item_code:
        out.update(DetailType="ItemBasedExpenseLineDetail", ItemBasedExpenseLineDetail={
            "ItemRef": {"value": line.item_code}, "Qty": qty, "UnitPrice": line.amount / qty})
    else:
        account = {"AccountRef": {"value": line.account_code}} if line.account_code else {}
        out.update(DetailType="AccountBasedExpenseLineDetail",
                   AccountBasedExpenseLineDetail=account)
    return out


def document_body(doc: DocumentRequest, key: str) -> dict[str, Any]:
    """Return the Bill / VendorCredit / Invoice body for a document."""
    _, ref_field, _ = KINDS[doc.kind]
    body: dict[str, Any] = {
        ref_field: {"value": doc.remote_id},
        "DocNumber": doc_number(doc, key),
        "PrivateNote": f"{KEY_TAG}{key} {doc.reference}".strip(),
        "Line": [line_body(doc.kind, line) for line in doc.lines],
    }
    if doc.date:
        body["TxnDate"] = doc.date
    if doc.currency:
        body["CurrencyRef"] = {"value": doc.currency}
    return body


def find_posted(client: QboClient, entity: str, number: str, key: str) -> str:
    """Return the id of a document already posted under the key, or empty."""
    marker = f"{KEY_TAG}{key}"
    for row in client.rows(select(entity).where(eq("DocNumber", number)), entity):
        if marker in str(row.get("PrivateNote") or "").split():
            return str(row.get("Id") or "")
    return ""


def post_one(client: QboClient, doc: DocumentRequest) -> DocumentOutcome:
    """Post one document unless it is already there."""
    key = document_key(doc)
    if doc.kind not in KINDS:
        return DocumentOutcome(key, "failed", reason=f"qbo cannot post a {doc.kind!r}")
    entity, _, role = KINDS[doc.kind]
    if doc.role and doc.role != role:
        return DocumentOutcome(key, "failed",
                               reason=f"a {entity} goes to a {role}, not a {doc.role}")
    if not doc.lines:
        return DocumentOutcome(key, "failed", reason=f"{entity} {doc.reference} has no lines")
    try:
        found = find_posted(client, entity, doc_number(doc, key), key)
        if found:
            return DocumentOutcome(key, "exists", remote_id=found)
        posted = client.write(entity, document_body(doc, key), request_id("document", key))
    except QboFaultError as exc:
        return DocumentOutcome(key, "failed", reason=f"QBO refused the {entity}: "
                                                     f"{exc.fault.one_line()}")
    return DocumentOutcome(key, "posted", remote_id=str(posted.get("Id") or ""))


def post_documents(
    client: QboClient, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Post each document once; one outcome per document, in order."""
    return [post_one(client, doc) for doc in documents]
