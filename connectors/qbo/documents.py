"""Posting bills (Bill), credit notes (VendorCredit) and invoices (Invoice) exactly once.

Bills and credit notes go to the profile's Vendor, invoices to its ``*`` Customer.  Account and
item codes are resolved to Ids first (:mod:`.references`); a code that names no single active
record fails its document before any write.  The document's ``PrivateNote`` carries
``loftterm:<idempotency key>`` and its ``DocNumber`` the reference with a short tag of the key
(:func:`doc_number`); a query by DocNumber precedes every post, so a re-run finds the document
(``exists``) instead of posting it twice, and the ``requestid`` covers a retry of the post.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from loftterm.api import ConnectorContext, DocumentLine, DocumentOutcome, DocumentRequest

from .client import QboClient, client_for, request_id
from .faults import QboFaultError
from .mapping import KEY_TAG
from .query import in_, select
from .references import ReferenceProblem, References, ResolvedLine, describe

KINDS = {
    "bill": ("Bill", "VendorRef", "vendor"),
    "credit_note": ("VendorCredit", "VendorRef", "vendor"),
    "invoice": ("Invoice", "CustomerRef", "customer"),
}
KIND_TAGS = {"bill": "B", "credit_note": "C", "invoice": "I"}
DOC_NUMBER_MAX = 21
TAG_HEX = 6
REFERENCE_MAX = DOC_NUMBER_MAX - TAG_HEX - 2
"""Characters of the deal reference kept in a DocNumber: ``<reference>-<kind><6 hex>``."""
REFERENCES_KEY = "qbo.references"


def document_key(doc: DocumentRequest) -> str:
    """Return the document's idempotency key, or one derived from its content."""
    if doc.idempotency_key:
        return doc.idempotency_key
    raw = json.dumps([doc.kind, doc.remote_id, doc.reference, doc.date,
                      [(str(x.amount), str(x.quantity), x.description) for x in doc.lines]])
    return "derived-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def doc_number(doc: DocumentRequest, key: str) -> str:
    """Return the DocNumber: ``<reference, 13 characters at most>-<kind letter><6 hex of key>``.

    The tag differs for every document of a batch (the key covers the deal, kind and profile),
    so two documents of one deal, or two long references that share their first characters,
    never share a DocNumber, and a re-run derives the same one.  ``D-1042`` billed becomes
    ``D-1042-B3f9a1c``; with no reference the number is ``LT-`` and the tag.
    """
    tag = KIND_TAGS.get(doc.kind, "X") + hashlib.sha256(key.encode()).hexdigest()[:TAG_HEX]
    reference = "-".join(doc.reference.split())[:REFERENCE_MAX].rstrip("-")
    return f"{reference or 'LT'}-{tag}"


def legacy_doc_number(doc: DocumentRequest) -> str:
    """Return the DocNumber earlier versions gave (the reference cut to 21 characters)."""
    return doc.reference[:DOC_NUMBER_MAX]


def _quantity(line: DocumentLine) -> Decimal:
    return line.quantity if line.quantity else Decimal("1")


def _ref(resolved: Any) -> dict[str, str]:
    return {"value": resolved.id, "name": resolved.name}


def line_body(kind: str, resolved: ResolvedLine) -> dict[str, Any]:
    """Return one QBO line; ``amount`` is the line total, the unit price is derived from it."""
    line = resolved.line
    qty = _quantity(line)
    out: dict[str, Any] = {"Amount": line.amount, "Description": line.description}
    if kind == "invoice":
        detail: dict[str, Any] = {"Qty": qty, "UnitPrice": line.amount / qty}
        if resolved.item is not None:
            detail["ItemRef"] = _ref(resolved.item)
        out.update(DetailType="SalesItemLineDetail", SalesItemLineDetail=detail)
    elif resolved.item is not None:
        out.update(DetailType="ItemBasedExpenseLineDetail", ItemBasedExpenseLineDetail={
            "ItemRef": _ref(resolved.item), "Qty": qty, "UnitPrice": line.amount / qty})
    else:
        account = {"AccountRef": _ref(resolved.account)} if resolved.account else {}
        out.update(DetailType="AccountBasedExpenseLineDetail",
                   AccountBasedExpenseLineDetail=account)
    return out


def document_body(doc: DocumentRequest, key: str, lines: Sequence[ResolvedLine]) -> dict[str, Any]:
    """Return the Bill / VendorCredit / Invoice body for a document with resolved lines."""
    _, ref_field, _ = KINDS[doc.kind]
    body: dict[str, Any] = {
        ref_field: {"value": doc.remote_id},
        "DocNumber": doc_number(doc, key),
        "PrivateNote": f"{KEY_TAG}{key} {doc.reference}".strip(),
        "Line": [line_body(doc.kind, line) for line in lines],
    }
    if doc.date:
        body["TxnDate"] = doc.date
    if doc.currency:
        body["CurrencyRef"] = {"value": doc.currency}
    return body


def find_posted(client: QboClient, entity: str, numbers: Sequence[str], key: str) -> str:
    """Return the id of a document already posted under the key (any of the numbers), or empty."""
    marker = f"{KEY_TAG}{key}"
    wanted = [n for n in dict.fromkeys(numbers) if n]
    for row in client.rows(select(entity).where(in_("DocNumber", wanted)), entity):
        if marker in str(row.get("PrivateNote") or "").split():
            return str(row.get("Id") or "")
    return ""


def _refused(doc: DocumentRequest, key: str) -> DocumentOutcome | None:
    if doc.kind not in KINDS:
        return DocumentOutcome(key, "failed", reason=f"qbo cannot post a {doc.kind!r}")
    entity, _, role = KINDS[doc.kind]
    if doc.role and doc.role != role:
        return DocumentOutcome(key, "failed",
                               reason=f"a {entity} goes to a {role}, not a {doc.role}")
    if not doc.lines:
        return DocumentOutcome(key, "failed", reason=f"{entity} {doc.reference} has no lines")
    return None


def check_one(refs: References, doc: DocumentRequest) -> DocumentOutcome:
    """Resolve a document's references without writing: ``planned`` with them, or ``failed``."""
    key = document_key(doc)
    refused = _refused(doc, key)
    if refused is not None:
        return refused
    try:
        lines = refs.resolve(doc)
    except ReferenceProblem as problem:
        return DocumentOutcome(key, "failed", reason=str(problem))
    except QboFaultError as exc:
        return DocumentOutcome(key, "failed", reason=f"cannot read the accounts and items: "
                                                     f"{exc.fault.one_line()}")
    return DocumentOutcome(key, "planned", reason=f"DocNumber {doc_number(doc, key)}",
                           references=describe(lines))


def post_one(client: QboClient, refs: References, doc: DocumentRequest) -> DocumentOutcome:
    """Post one document unless it is already there; its codes are resolved before the write."""
    key = document_key(doc)
    refused = _refused(doc, key)
    if refused is not None:
        return refused
    entity = KINDS[doc.kind][0]
    try:
        found = find_posted(client, entity, (doc_number(doc, key), legacy_doc_number(doc)), key)
        if found:
            return DocumentOutcome(key, "exists", remote_id=found)
        checked = check_one(refs, doc)
        if checked.status == "failed":
            return checked
        lines = refs.resolve(doc)  # the lists are kept for the run: nothing is read again
        posted = client.write(entity, document_body(doc, key, lines),
                              request_id("document", key))
    except QboFaultError as exc:
        return DocumentOutcome(key, "failed", reason=f"QBO refused the {entity}: "
                                                     f"{exc.fault.one_line()}")
    return DocumentOutcome(key, "posted", remote_id=str(posted.get("Id") or ""),
                           references=checked.references)


def references_for(ctx: ConnectorContext, client: QboClient) -> References:
    """Return the run's reference resolver (the lists it reads are kept for the run)."""
    return ctx.kept(REFERENCES_KEY, References,
                    lambda: References(client, client.settings.default_expense_account))


def post_documents(ctx: ConnectorContext, documents: Sequence[DocumentRequest]
                   ) -> list[DocumentOutcome]:
    """Post each document once; one outcome per document, in order."""
    client = client_for(ctx)
    refs = references_for(ctx, client)
    return [post_one(client, refs, doc) for doc in documents]


def check_documents(ctx: ConnectorContext, documents: Sequence[DocumentRequest]
                    ) -> list[DocumentOutcome]:
    """Resolve each document's references without writing; one outcome per document."""
    client = client_for(ctx)
    refs = references_for(ctx, client)
    return [check_one(refs, doc) for doc in documents]
