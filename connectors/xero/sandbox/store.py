"""The sandbox organisation: contacts, items and documents in memory, with Xero's rules.

Records are kept in wire form (the JSON Xero would answer), so listing a page costs no mapping.
Generated contacts share immutable empty blocks (tuples), so every write builds new containers
and never changes a stored block in place.  Callers hold the server lock around every call.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from connectors.xero.sandbox.where import as_datetime, equals_terms, parse_where
from loftterm.api import to_decimal

Record = dict[str, Any]
Outcome = tuple[Record, list[str]]

NAME_TAKEN = ("The contact name {name} is already assigned to another contact. The contact name "
              "must be unique across all active contacts.")
NUMBER_TAKEN = "The contact number {number} is already assigned to another contact."
ARCHIVED_CONTACT = ("The contact with the specified contact details has been archived. The "
                    "contact must be un-archived before creating new invoices or credit notes.")

EMPTY_ADDRESSES: tuple[Mapping[str, str], ...] = tuple(
    {"AddressType": kind, "AddressLine1": "", "AddressLine2": "", "AddressLine3": "",
     "AddressLine4": "", "City": "", "Region": "", "PostalCode": "", "Country": "",
     "AttentionTo": ""}
    for kind in ("STREET", "POBOX")
)
EMPTY_PHONES: tuple[Mapping[str, str], ...] = tuple(
    {"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
    for kind in ("DEFAULT", "DDI", "FAX", "MOBILE")
)
ZERO_BALANCES: Mapping[str, Any] = {
    "AccountsReceivable": {"Outstanding": 0.0, "Overdue": 0.0},
    "AccountsPayable": {"Outstanding": 0.0, "Overdue": 0.0},
}
CONTACT_TEXT = ("Name", "FirstName", "LastName", "EmailAddress", "ContactNumber", "AccountNumber",
                "CompanyNumber", "TaxNumber", "DefaultCurrency", "BankAccountDetails")
DOC_TYPES = {"Invoices": ("ACCREC", "ACCPAY"), "CreditNotes": ("ACCRECCREDIT", "ACCPAYCREDIT")}
DOC_IDS = {"Invoices": ("InvoiceID", "InvoiceNumber"),
           "CreditNotes": ("CreditNoteID", "CreditNoteNumber"),
           "Overpayments": ("OverpaymentID", "Reference"),
           "Prepayments": ("PrepaymentID", "Reference")}
#: The documents loftterm writes; overpayments and prepayments are only ever read.
WRITABLE_DOCUMENTS = ("Invoices", "CreditNotes")


def norm(text: Any) -> str:
    """Normalise a name or key for uniqueness checks (trimmed, single spaces, lower case)."""
    return " ".join(str(text or "").split()).lower()


def money(value: Any) -> float:
    """Return a money value as a JSON number (2 decimals)."""
    return float(to_decimal(value).quantize(Decimal("0.01")))


def _merge_typed(old: Iterable[Mapping[str, Any]], new: Any, key: str) -> list[dict[str, Any]]:
    """Merge ``Addresses``/``Phones`` by type: sent types replace their fields, others stay."""
    merged = {str(e.get(key)): dict(e) for e in old}
    if isinstance(new, list):
        for element in new:
            if isinstance(element, Mapping) and element.get(key):
                kind = str(element[key]).upper()
                base = merged.get(kind, {key: kind})
                base.update({k: "" if v is None else str(v) for k, v in element.items()
                             if k != key and k != "ValidationErrors"})
                base[key] = kind
                merged[kind] = base
    return list(merged.values())


class XeroOrg:
    """One Xero organisation's data and write rules."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.contacts: dict[str, Record] = {}
        self.order: list[str] = []
        self.updated_ms: dict[str, int] = {}
        self.by_number: dict[str, str] = {}
        self.active_names: dict[str, str] = {}
        self.items: dict[str, Record] = {}
        self.documents: dict[str, dict[str, Record]] = {c: {} for c in DOC_IDS}
        self.version = 0
        self._last_ms = 0
        self._cache: dict[tuple[Any, ...], list[str]] = {}

    # ------------------------------------------------------------------------------ time

    def now_ms(self) -> int:
        """Return the time for a write in epoch milliseconds, strictly increasing."""
        self._last_ms = max(int(self.clock() * 1000), self._last_ms + 1)
        return self._last_ms

    def _touched(self) -> None:
        self.version += 1
        self._cache.clear()

    # -------------------------------------------------------------------------- contacts

    def add_contact(self, record: Record, updated_ms: int) -> None:
        """Load a contact as is (seed data): no validation, indexes updated."""
        cid = str(record["ContactID"])
        if cid not in self.contacts:
            self.order.append(cid)
        record["UpdatedDateUTC"] = format_xero_date_ms(updated_ms)
        self.contacts[cid] = record
        self.updated_ms[cid] = updated_ms
        self._index(cid, record)
        self._touched()

    def _index(
        self, cid: str, record: Mapping[str, Any], old: Mapping[str, Any] | None = None
    ) -> None:
        if old is not None:
            if self.by_number.get(norm(old.get("ContactNumber"))) == cid:
                del self.by_number[norm(old.get("ContactNumber"))]
            if self.active_names.get(norm(old.get("Name"))) == cid:
                del self.active_names[norm(old.get("Name"))]
        if record.get("ContactNumber"):
            self.by_number[norm(record["ContactNumber"])] = cid
        if record.get("ContactStatus", "ACTIVE") == "ACTIVE":
            self.active_names[norm(record.get("Name"))] = cid

    def find_contact(self, key: str) -> Record | None:
        """Return a contact by ContactID or ContactNumber."""
        found = self.contacts.get(key)
        if found is None and norm(key) in self.by_number:
            found = self.contacts.get(self.by_number[norm(key)])
        return found

    def query_contacts(
        self,
        *,
        include_archived: bool = False,
        where: str = "",
        ids: Iterable[str] = (),
        since_ms: int | None = None,
        search: str = "",
    ) -> list[str]:
        """Return the ids of the contacts a ``GET /Contacts`` selects, in a stable order.

        :raises WhereError: when ``where`` cannot be parsed.
        """
        wanted_ids = tuple(i.strip().lower().replace("-", "") for i in ids if i.strip())
        if include_archived and not where and not wanted_ids and since_ms is None and not search:
            return self.order
        key = (include_archived, where, wanted_ids, since_ms, search.lower(), self.version)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        candidates: Iterable[str] = self.order
        terms = equals_terms(where) if where else {}
        if len(terms) == 1 and "ContactNumber" in terms:
            numbers = terms["ContactNumber"]
            candidates = [c for n, c in self.by_number.items() if n in numbers]
            candidates = [c for c in self.order if c in set(candidates)]
        predicate = parse_where(where) if where else None
        needle = search.strip().lower()
        picked: list[str] = []
        for cid in candidates:
            record = self.contacts[cid]
            if not include_archived and record.get("ContactStatus") == "ARCHIVED":
                continue
            if wanted_ids and cid.lower().replace("-", "") not in wanted_ids:
                continue
            if since_ms is not None and self.updated_ms[cid] <= since_ms:
                continue
            if needle and not any(needle in str(record.get(f) or "").lower() for f in
                                  ("Name", "FirstName", "LastName", "ContactNumber",
                                   "EmailAddress")):
                continue
            if predicate is not None and not predicate(record):
                continue
            picked.append(cid)
        self._cache[key] = picked
        return picked

    def save_contacts(self, elements: list[Any], mode: str) -> list[Outcome]:
        """Apply a batch in order; return ``(record or echoed element, errors)`` per element.

        :param mode: ``create`` (PUT: create only), ``upsert`` (POST: update when ``ContactID``
            names a contact, else create).
        """
        results: list[Outcome] = []
        for element in elements:
            if not isinstance(element, Mapping):
                results.append(({}, ["A contact element must be an object."]))
                continue
            results.append(self._save_contact(dict(element), mode))
        return results

    def _save_contact(self, element: Record, mode: str) -> Outcome:
        cid = str(element.get("ContactID") or "")
        existing = self.contacts.get(cid) if cid else None
        if mode == "create" and existing is not None:
            return element, [f"A contact with the ContactID {cid} already exists; use POST to "
                             "update it."]
        if mode == "upsert" and cid and existing is None:
            return element, [f"The contact {cid} could not be found."]
        if existing is None:
            cid = str(uuid.uuid4())
            base: Record = {
                "ContactID": cid, "ContactStatus": "ACTIVE", "Name": "", "FirstName": "",
                "LastName": "", "EmailAddress": "", "Addresses": list(EMPTY_ADDRESSES),
                "Phones": list(EMPTY_PHONES), "ContactGroups": [], "ContactPersons": [],
                "IsSupplier": False, "IsCustomer": False, "Balances": ZERO_BALANCES,
                "HasAttachments": False, "HasValidationErrors": False,
            }
        else:
            base = dict(existing)
        record = self._apply(base, element)
        errors = self._check(cid, record, existing)
        if errors:
            return element, errors
        if existing is not None and all(record.get(k) == existing.get(k) for k in record):
            return dict(existing), []
        stamp = self.now_ms()
        record["UpdatedDateUTC"] = format_xero_date_ms(stamp)
        if existing is None:
            self.order.append(cid)
        self.contacts[cid] = record
        self.updated_ms[cid] = stamp
        self._index(cid, record, existing)
        self._touched()
        return dict(record), []

    @staticmethod
    def _apply(base: Record, element: Mapping[str, Any]) -> Record:
        for key in CONTACT_TEXT:
            if key in element:
                base[key] = "" if element[key] is None else str(element[key]).strip()
        if "ContactStatus" in element:
            base["ContactStatus"] = str(element["ContactStatus"] or "").upper()
        if "Addresses" in element:
            base["Addresses"] = _merge_typed(base.get("Addresses") or (), element["Addresses"],
                                             "AddressType")
        if "Phones" in element:
            base["Phones"] = _merge_typed(base.get("Phones") or (), element["Phones"], "PhoneType")
        return base

    def _check(self, cid: str, record: Mapping[str, Any],
               existing: Mapping[str, Any] | None) -> list[str]:
        errors: list[str] = []
        name = str(record.get("Name") or "")
        status = record.get("ContactStatus")
        if not name.strip():
            errors.append("The contact name must be specified.")
        elif len(name) > 255:
            errors.append("The contact name must not be more than 255 characters long.")
        if status not in ("ACTIVE", "ARCHIVED") and not (
                existing is not None and status == existing.get("ContactStatus")):
            errors.append(f"The contact status {status} is not valid.")
        holder = self.active_names.get(norm(name))
        if name.strip() and status == "ACTIVE" and holder is not None and holder != cid:
            errors.append(NAME_TAKEN.format(name=name))
        number = str(record.get("ContactNumber") or "")
        if len(number) > 50:
            errors.append("The contact number must not be more than 50 characters long.")
        owner = self.by_number.get(norm(number)) if number else None
        if owner is not None and owner != cid:
            errors.append(NUMBER_TAKEN.format(number=number))
        email = str(record.get("EmailAddress") or "")
        if email and ("@" not in email or "." not in email.rpartition("@")[2]):
            errors.append("Email address must be valid.")
        return errors

    def set_flags(self, cid: str, *, customer: bool = False, supplier: bool = False,
                  ar: Decimal = Decimal("0"), ap: Decimal = Decimal("0")) -> None:
        """Mark a contact customer/supplier and move its balances (no UpdatedDateUTC change).

        Like Xero: these read-only fields change without bumping ``UpdatedDateUTC``, so an
        incremental pull does not see them.
        """
        record = dict(self.contacts[cid])
        if customer:
            record["IsCustomer"] = True
        if supplier:
            record["IsSupplier"] = True
        if ar or ap:
            old = record.get("Balances") or ZERO_BALANCES
            record["Balances"] = {
                "AccountsReceivable": {
                    "Outstanding": money(to_decimal(old["AccountsReceivable"]["Outstanding"]) + ar),
                    "Overdue": old["AccountsReceivable"].get("Overdue", 0.0)},
                "AccountsPayable": {
                    "Outstanding": money(to_decimal(old["AccountsPayable"]["Outstanding"]) + ap),
                    "Overdue": old["AccountsPayable"].get("Overdue", 0.0)},
            }
        self.contacts[cid] = record
        self._touched()

    # ----------------------------------------------------------------------------- items

    def save_items(self, elements: list[Any], mode: str) -> list[Outcome]:
        """Create (``create``) or create-or-update (``upsert``, matched on ItemID or Code)."""
        results: list[Outcome] = []
        for element in elements:
            if not isinstance(element, Mapping):
                results.append(({}, ["An item element must be an object."]))
                continue
            results.append(self._save_item(dict(element), mode))
        return results

    def _save_item(self, element: Record, mode: str) -> Outcome:
        code = str(element.get("Code") or "").strip()
        existing = self.items.get(str(element.get("ItemID") or ""))
        if existing is None and code:
            existing = next((i for i in self.items.values() if norm(i["Code"]) == norm(code)), None)
        if existing is not None and mode == "create":
            return element, [f"Item code '{code}' already exists."]
        record: Record = dict(existing) if existing else {
            "ItemID": str(uuid.uuid4()), "IsSold": True, "IsPurchased": True, "Description": ""}
        for key in ("Code", "Name", "Description", "PurchaseDescription"):
            if key in element:
                record[key] = str(element[key] or "")
        for key in ("SalesDetails", "PurchaseDetails"):
            if isinstance(element.get(key), Mapping):
                details = dict(element[key])
                if "UnitPrice" in details:
                    details["UnitPrice"] = money(details["UnitPrice"])
                record[key] = details
        errors = []
        if not str(record.get("Code") or "").strip():
            errors.append("Item code must be specified.")
        if len(str(record.get("Code") or "")) > 30:
            errors.append("Item code must not be more than 30 characters long.")
        if len(str(record.get("Name") or "")) > 50:
            errors.append("Item name must not be more than 50 characters long.")
        code = norm(record.get("Code"))
        clash = next((i for i in self.items.values()
                      if norm(i.get("Code")) == code and i["ItemID"] != record["ItemID"]), None)
        if clash is not None:
            errors.append(f"Item code '{record.get('Code')}' already exists.")
        if errors:
            return element, errors
        record["UpdatedDateUTC"] = format_xero_date_ms(self.now_ms())
        self.items[record["ItemID"]] = record
        self._touched()
        return dict(record), []

    # ------------------------------------------------------------------------- documents

    def query_documents(self, collection: str, where: str = "",
                        since_ms: int | None = None) -> list[Record]:
        """Return the stored documents a ``where`` clause selects, modified after ``since_ms``."""
        predicate = parse_where(where) if where else None
        return [d for d in self.documents[collection].values()
                if (predicate is None or predicate(d))
                and (since_ms is None or xero_date_ms(d.get("UpdatedDateUTC")) > since_ms)]

    def post_invoice(self, contact_id: str, amount: Decimal, *, bill: bool = False) -> str:
        """Enter an authorised sales invoice (or bill) as the organisation's user would.

        Its contact's balance moves and the invoice's ``UpdatedDateUTC`` is now, while the
        contact's stays: the way an incremental contact pull misses a balance change.
        """
        record, errors = self._save_document("Invoices", {
            "Type": "ACCPAY" if bill else "ACCREC", "Status": "AUTHORISED",
            "Contact": {"ContactID": contact_id},
            "LineItems": [{"Description": "Entered in Xero", "Quantity": 1,
                           "UnitAmount": str(amount)}]}, "create")
        if errors:
            raise ValueError("; ".join(errors))
        return str(record["InvoiceID"])

    def pay_invoice(self, invoice_id: str, amount: Decimal) -> None:
        """Apply a payment to an invoice (Xero bumps the invoice's modified date, not the contact's).

        The invoice's amount due and its contact's balance move.
        """
        invoice = self.documents["Invoices"][invoice_id]
        due = to_decimal(invoice.get("AmountDue")) - amount
        invoice.update(AmountDue=money(due), AmountPaid=money(to_decimal(
            invoice.get("AmountPaid")) + amount), UpdatedDateUTC=format_xero_date_ms(self.now_ms()))
        if not due:
            invoice["Status"] = "PAID"
        bill = invoice.get("Type") == "ACCPAY"
        self.set_flags(invoice["Contact"]["ContactID"], ar=Decimal(0) if bill else -amount,
                       ap=-amount if bill else Decimal(0))

    def save_documents(self, collection: str, elements: list[Any], mode: str) -> list[Outcome]:
        """Create (``create``) or create-or-update (``upsert``) invoices or credit notes."""
        results: list[Outcome] = []
        for element in elements:
            if not isinstance(element, Mapping):
                results.append(({}, ["A document element must be an object."]))
                continue
            results.append(self._save_document(collection, dict(element), mode))
        return results

    def _save_document(self, collection: str, element: Record, mode: str) -> Outcome:
        id_key, number_key = DOC_IDS[collection]
        store = self.documents[collection]
        existing = store.get(str(element.get(id_key) or ""))
        if element.get(id_key) and existing is None:
            return element, [f"The document {element[id_key]} could not be found."]
        if existing is not None and mode == "create":
            return element, [f"The document {element[id_key]} already exists."]
        record: Record = dict(existing) if existing else {id_key: str(uuid.uuid4()),
                                                          "Status": "DRAFT"}
        record.update({k: v for k, v in element.items() if k not in ("ValidationErrors",)})
        doc_type = str(record.get("Type") or "")
        errors: list[str] = []
        if doc_type not in DOC_TYPES[collection]:
            errors.append(f"The document type {doc_type or '(none)'} is not valid here.")
        contact_ref = record.get("Contact")
        contact_id = str(contact_ref.get("ContactID") or "") \
            if isinstance(contact_ref, Mapping) else ""
        contact = self.contacts.get(contact_id)
        if contact is None:
            errors.append("The contact could not be found; give a valid ContactID.")
        elif contact.get("ContactStatus") != "ACTIVE":
            errors.append(ARCHIVED_CONTACT)
        supplier_side = doc_type.startswith("ACCPAY")
        if supplier_side:
            record.pop("Reference", None)  # Xero keeps Reference for ACCREC documents only
        elif not record.get(number_key):
            prefix = "INV" if collection == "Invoices" else "CN"
            record[number_key] = f"{prefix}-{len(store) + 1:04d}"
        if not supplier_side and any(
                d.get(number_key) == record[number_key] and d.get("Type") == doc_type
                and d[id_key] != record[id_key] for d in store.values()):
            errors.append(f"{number_key} {record[number_key]} must be unique.")
        if errors or contact is None:
            return element, errors
        total = Decimal("0")
        lines = []
        for line in record.get("LineItems") or []:
            if not isinstance(line, Mapping):
                continue
            given = line.get("Quantity")
            quantity = Decimal("1") if given is None else to_decimal(given)
            unit = to_decimal(line.get("UnitAmount"))
            amount = (quantity * unit).quantize(Decimal("0.01"))
            total += amount
            lines.append({**line, "Quantity": float(quantity), "UnitAmount": money(unit),
                          "LineAmount": money(amount), "LineItemID": str(uuid.uuid4())})
        record.update({"LineItems": lines, "SubTotal": money(total), "TotalTax": 0.0,
                       "Total": money(total), "Contact": {"ContactID": contact["ContactID"],
                                                          "Name": contact.get("Name", "")}})
        _wire_dates(record)
        if collection == "Invoices":
            record.update(AmountDue=money(total), AmountPaid=0.0, AmountCredited=0.0)
        else:
            record.update(RemainingCredit=money(total), AppliedAmount=0.0)
        record["UpdatedDateUTC"] = format_xero_date_ms(self.now_ms())
        store[record[id_key]] = record
        sign = Decimal("-1") if collection == "CreditNotes" else Decimal("1")
        posted = record.get("Status") == "AUTHORISED" and existing is None
        self.set_flags(contact["ContactID"], customer=not supplier_side, supplier=supplier_side,
                       ar=sign * total if posted and not supplier_side else Decimal("0"),
                       ap=sign * total if posted and supplier_side else Decimal("0"))
        return dict(record), []


def _wire_dates(record: Record) -> None:
    """Answer ``Date`` and ``DueDate`` as Xero does: ``/Date(ms+0000)/`` plus ``DateString``."""
    for field in ("Date", "DueDate"):
        moment = as_datetime(record.get(field)) if record.get(field) else None
        if moment is not None:
            record[field] = format_xero_date_ms(int(moment.timestamp() * 1000))
            record[f"{field}String"] = moment.strftime("%Y-%m-%dT%H:%M:%S")


def xero_date_ms(value: Any) -> int:
    """Epoch milliseconds of a ``/Date(ms+0000)/`` value; 0 when it is not one."""
    found = re.search(r"/Date\((-?\d+)", str(value or ""))
    return int(found.group(1)) if found else 0


def format_xero_date_ms(millis: int) -> str:
    """Format epoch milliseconds as ``/Date(ms+0000)/``."""
    return f"/Date({millis}+0000)/"


def page_count(items: int, size: int) -> int:
    """Return how many pages of ``size`` hold ``items``."""
    return math.ceil(items / size) if size else 0

