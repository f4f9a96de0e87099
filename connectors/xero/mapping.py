"""Xero wire JSON to loftterm records and back.

Xero's Accounting API speaks JSON with .NET style dates (``/Date(1503348544227+0000)/``) and
money as JSON numbers.  The client parses numbers straight into ``Decimal``, so nothing here
ever goes through ``float`` on the way in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from loftterm.api import (
    Address,
    Balance,
    ContactFields,
    DocumentRequest,
    RemoteContact,
    RemoteItem,
    parse_utc,
    to_decimal,
)

ROLE = "contact"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
CENTS = Decimal("0.01")
ZERO_CENTS = Decimal("0.00")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ADDRESS_PARTS = (
    ("line1", "AddressLine1"),
    ("line2", "AddressLine2"),
    ("line3", "AddressLine3"),
    ("line4", "AddressLine4"),
    ("city", "City"),
    ("region", "Region"),
    ("postal_code", "PostalCode"),
    ("country", "Country"),
)
# ContactFields name -> Xero address type (POBOX is the postal/billing address in Xero's UI).
ADDRESS_TYPES = {"billing": "POBOX", "shipping": "STREET"}
_SCALARS = {
    "name": "Name",
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "EmailAddress",
}
_STATUS = {"ACTIVE": "active", "ARCHIVED": "archived", "GDPRREQUEST": "archived"}


# --------------------------------------------------------------------------------- dates


def parse_xero_date(value: Any) -> datetime | None:
    """Parse a Xero date into an aware UTC datetime, or None when absent or unreadable.

    Accepts the .NET form ``/Date(ms)/`` or ``/Date(ms+hhmm)/`` (the milliseconds are UTC; the
    offset only says where the record was edited) and plain ISO-8601 strings, which some Xero
    endpoints return.  A naive ISO time is taken as UTC.
    """
    if not isinstance(value, str) or not value:
        return None
    found = _MS_DATE.match(value.strip())
    if found:
        try:
            return EPOCH + timedelta(milliseconds=int(found.group(1)))
        except OverflowError:  # years beyond 9999 (issue 7 fuzz): unreadable
            return None
    return parse_iso(value)


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO-8601 time (``Z`` allowed) into an aware UTC datetime, None when unreadable."""
    return parse_utc(value)


def format_xero_date(moment: datetime) -> str:
    """Format a datetime as Xero's ``/Date(ms+0000)/`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    millis = (moment - EPOCH) // timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def to_iso(moment: datetime) -> str:
    """Format a datetime as ISO-8601 UTC with milliseconds, e.g. ``2017-08-21T20:49:04.227Z``.

    The width never varies, so two such strings compare in time order.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _ms_to_iso(millis: int) -> str:
    seconds, ms = divmod(millis, 1000)
    t = time.gmtime(seconds)
    return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{ms:03d}Z")


def xero_date_to_iso(value: Any) -> str:
    """Turn a Xero date into an ISO-8601 UTC string (as ``to_iso``); empty when unreadable."""
    if isinstance(value, str):
        found = _MS_DATE.match(value.strip())
        if found:
            try:
                return _ms_to_iso(int(found.group(1)))
            except (OverflowError, OSError, ValueError):  # out of range (issue 7 fuzz)
                return ""
    moment = parse_xero_date(value)
    return to_iso(moment) if moment is not None else ""


def if_modified_since(since: str) -> str:
    """Turn an ISO-8601 time into the ``If-Modified-Since`` value Xero wants (UTC, seconds).

    The time is truncated to the second, so the answer is a superset of what changed since.
    :raises ValueError: when ``since`` is not an ISO-8601 time.
    """
    moment = parse_iso(since)
    if moment is None:
        raise ValueError(f"not an ISO-8601 time: {since!r}")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# ------------------------------------------------------------------------------ contacts


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else str(value).strip()


_EMPTY_ADDRESS = Address()
_WIRE_ADDRESS_KEYS = tuple(theirs for _, theirs in _ADDRESS_PARTS)


def _address_from_wire(data: Mapping[str, Any] | None) -> Address:
    # Most addresses come back with every part empty: share one (immutable) empty Address.
    if not data or not any(data.get(k) for k in _WIRE_ADDRESS_KEYS):
        return _EMPTY_ADDRESS
    return Address(*(_text(data.get(k)) for k in _WIRE_ADDRESS_KEYS))


def address_to_wire(kind: str, address: Address) -> dict[str, str]:
    """Return the Xero ``Addresses[]`` element for a billing or shipping address."""
    wire = {"AddressType": ADDRESS_TYPES[kind]}
    for ours, theirs in _ADDRESS_PARTS:
        wire[theirs] = str(getattr(address, ours))
    return wire


def _by_type(elements: Any, key: str) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    if isinstance(elements, list | tuple):
        for element in elements:
            if isinstance(element, Mapping):
                kind = _text(element.get(key)).upper()
                if kind not in found:
                    found[kind] = element
    return found


def phone_from_wire(phones: Any) -> str:
    """Return the contact's phone: DEFAULT, else MOBILE, as "CountryCode AreaCode Number"."""
    typed = _by_type(phones, "PhoneType")
    for kind in ("DEFAULT", "MOBILE"):
        phone = typed.get(kind)
        if phone is None:
            continue
        parts = [_text(phone.get(k)) for k in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")]
        if parts[2]:
            return " ".join(p for p in parts if p)
    return ""


def phone_to_wire(phone: str) -> dict[str, str]:
    """Return the DEFAULT ``Phones[]`` element holding the whole number (codes left empty)."""
    return {"PhoneType": "DEFAULT", "PhoneNumber": phone.strip(), "PhoneAreaCode": "",
            "PhoneCountryCode": ""}


def _balance(data: Mapping[str, Any]) -> Balance:
    balances = data.get("Balances")
    balances = balances if isinstance(balances, Mapping) else {}

    def outstanding(side: str) -> Decimal:
        block = balances.get(side)
        value = block.get("Outstanding") if isinstance(block, Mapping) else None
        if not value:
            return ZERO_CENTS
        return cents(value)  # Xero balances are whole cents

    return Balance(
        ar=outstanding("AccountsReceivable"),
        ap=outstanding("AccountsPayable"),
        currency=_text(data.get("DefaultCurrency")),
    )


def finite(value: Any) -> Decimal:
    """Money from the wire; zero when absent, unreadable, NaN or infinite (issue 7 fuzz)."""
    amount = to_decimal(value)
    return amount if amount.is_finite() else Decimal("0")


def cents(value: Any) -> Decimal:
    """:func:`finite` money to the cent; zero when it has more digits than a Decimal holds."""
    try:
        return finite(value).quantize(CENTS)
    except InvalidOperation:
        return ZERO_CENTS


def contact_from_wire(data: Mapping[str, Any]) -> RemoteContact:
    """Map one Xero ``Contact`` to a :class:`~loftterm.api.RemoteContact` (role ``contact``).

    ``CompanyNumber`` is a registration number, not a company name, so ``company`` stays empty.
    :raises KeyError: when the record has no ``ContactID``.
    """
    remote_id = _text(data["ContactID"])
    if not remote_id:
        raise KeyError("ContactID")
    addresses = _by_type(data.get("Addresses"), "AddressType")
    name = _text(data.get("Name"))
    fields = ContactFields(
        name=name,
        first_name=_text(data.get("FirstName")),
        last_name=_text(data.get("LastName")),
        email=_text(data.get("EmailAddress")),
        phone=phone_from_wire(data.get("Phones")),
        company="",
        billing=_address_from_wire(addresses.get("POBOX")),
        shipping=_address_from_wire(addresses.get("STREET")),
    )
    updated = xero_date_to_iso(data.get("UpdatedDateUTC"))
    merged = _text(data.get("MergedToContactID"))
    return RemoteContact(
        remote_id=remote_id,
        role=ROLE,
        fields=fields,
        status=_STATUS.get(_text(data.get("ContactStatus")).upper(), "active"),  # type: ignore[arg-type]
        is_customer=data.get("IsCustomer") is True,
        is_supplier=data.get("IsSupplier") is True,
        balance=_balance(data),
        updated=updated,
        version=updated,
        external_key=_text(data.get("ContactNumber")),
        merged_to="" if merged == ZERO_GUID else merged,
        extra={"display_name": name},
    )


def _field_to_wire(name: str, fields: ContactFields, wire: dict[str, Any]) -> None:
    if name in _SCALARS:
        wire[_SCALARS[name]] = str(fields.get(name)).strip()
    elif name == "phone":
        wire["Phones"] = [phone_to_wire(fields.phone)]
    elif name in ADDRESS_TYPES:
        wire.setdefault("Addresses", []).append(address_to_wire(name, fields.get(name)))
    # "company" has no Xero field (CompanyNumber is a registration number): nothing to send.


def contact_create_wire(fields: ContactFields, profile_id: str) -> dict[str, Any]:
    """Return the ``Contact`` JSON that creates a contact; ``ContactNumber`` is the profile id."""
    wire: dict[str, Any] = {"ContactNumber": profile_id}
    for name in ("name", "first_name", "last_name", "email"):
        if str(fields.get(name)).strip():
            _field_to_wire(name, fields, wire)
    if fields.phone.strip():
        _field_to_wire("phone", fields, wire)
    for kind in ADDRESS_TYPES:
        if not fields.get(kind).is_empty():
            _field_to_wire(kind, fields, wire)
    return wire


def contact_update_wire(
    remote_id: str, fields: ContactFields, changed: Iterable[str] = ()
) -> dict[str, Any]:
    """Return the ``Contact`` JSON that updates a contact: ``ContactID`` and the changed fields.

    An empty ``changed`` sends every synced field.  Empty values are sent as empty strings,
    which clears them in Xero.
    """
    names = list(changed) or ["name", "first_name", "last_name", "email", "phone", "billing",
                              "shipping"]
    wire: dict[str, Any] = {"ContactID": remote_id}
    for name in sorted(set(names)):
        _field_to_wire(name, fields, wire)
    return wire


def archive_wire(remote_id: str) -> dict[str, str]:
    """Return the ``Contact`` JSON that archives a contact."""
    return {"ContactID": remote_id, "ContactStatus": "ARCHIVED"}


def validation_messages(element: Mapping[str, Any]) -> list[str]:
    """Return the messages of an element's ``ValidationErrors`` (empty when it has none)."""
    errors = element.get("ValidationErrors")
    if not isinstance(errors, list):
        return []
    return [_text(e.get("Message")) for e in errors if isinstance(e, Mapping) and e.get("Message")]


def element_failed(element: Mapping[str, Any]) -> bool:
    """Return True when a ``summarizeErrors=false`` element reports an error."""
    status = _text(element.get("StatusAttributeString")).upper()
    if status:
        return status == "ERROR"
    return bool(validation_messages(element))


# --------------------------------------------------------------------------------- items


def item_from_wire(data: Mapping[str, Any]) -> RemoteItem:
    """Map a Xero ``Item`` to a :class:`~loftterm.api.RemoteItem` (sales price and text)."""
    sales = data.get("SalesDetails")
    price = finite(sales.get("UnitPrice")) if isinstance(sales, Mapping) else Decimal("0")
    return RemoteItem(
        remote_id=_text(data.get("ItemID")),
        code=_text(data.get("Code")),
        name=_text(data.get("Name")),
        description=_text(data.get("Description")),
        unit_price=price,
        active=True,
        updated=xero_date_to_iso(data.get("UpdatedDateUTC")),
    )


def item_to_wire(item: RemoteItem) -> dict[str, Any]:
    """Return the ``Item`` JSON that creates (no ``remote_id``) or updates an item."""
    wire: dict[str, Any] = {
        "Code": item.code,
        "Name": item.name,
        "Description": item.description,
        "SalesDetails": {"UnitPrice": item.unit_price},
    }
    if item.remote_id:
        wire["ItemID"] = item.remote_id
    return wire


# ----------------------------------------------------------------------------- documents

@dataclass(frozen=True)
class DocumentKind:
    """How one kind of loftterm document is posted to Xero.

    ``key_field`` holds the idempotency key.  Xero documents ``Reference`` as ACCREC (and
    ACCRECCREDIT) only; on bills and supplier credit notes the number the user types (shown as
    "Reference" in Xero's UI) is ``InvoiceNumber`` / ``CreditNoteNumber``, which is not unique.
    """

    endpoint: str
    collection: str
    id_key: str
    type: str
    key_field: str


DOCUMENT_KINDS = {
    "bill": DocumentKind("/Invoices", "Invoices", "InvoiceID", "ACCPAY", "InvoiceNumber"),
    "invoice": DocumentKind("/Invoices", "Invoices", "InvoiceID", "ACCREC", "Reference"),
    "credit_note": DocumentKind("/CreditNotes", "CreditNotes", "CreditNoteID", "ACCPAYCREDIT",
                                "CreditNoteNumber"),
}


def document_key(document: DocumentRequest) -> str:
    """Return the value a document is posted (and found again) under.

    It is the idempotency key, so a re-run long after Xero forgot its Idempotency-Key still
    finds the document it posted; without a key it falls back to the deal reference.
    """
    return document.idempotency_key or document.reference


def unit_amount(total: Decimal, quantity: Decimal) -> Decimal:
    """The unit amount of a line total (Xero: ``UnitAmount``; 4 decimal places at most)."""
    if quantity in (0, 1):
        return total
    return (total / quantity).quantize(Decimal("0.0001")).normalize()


def document_to_wire(document: DocumentRequest) -> dict[str, Any]:
    """Return the ``Invoice`` or ``CreditNote`` JSON for a document (left as a DRAFT).

    ``DocumentLine.amount`` is the line total; Xero wants the unit amount, which it multiplies
    back by the quantity (a total that does not divide evenly keeps 4 decimal places).  The key
    goes in ``Reference`` and, for supplier documents, in the field Xero keeps for them.
    """
    kind = DOCUMENT_KINDS[document.kind]
    lines: list[dict[str, Any]] = []
    for line in document.lines:
        wire_line: dict[str, Any] = {
            "Description": line.description,
            "Quantity": line.quantity,
            "UnitAmount": unit_amount(line.amount, line.quantity),
        }
        if line.account_code:
            wire_line["AccountCode"] = line.account_code
        if line.item_code:
            wire_line["ItemCode"] = line.item_code
        lines.append(wire_line)
    key = document_key(document)
    wire: dict[str, Any] = {
        "Type": kind.type,
        "Contact": {"ContactID": document.remote_id},
        "Reference": key,
        "LineItems": lines,
    }
    wire[kind.key_field] = key
    if document.date:
        wire["Date"] = document.date
    if document.currency:
        wire["CurrencyCode"] = document.currency
    return wire
