"""SortScape wire records <-> loftterm records.

Every assumption about the shape of SortScape's JSON lives here (and the HTTP details in
``client.py``), so pointing the connector at a real SortScape instance changes only these two
modules.  The wire format is the one documented in ``API.md``.

What syncs: name, first and last name, email, phone and company name, both ways.  SortScape has
no billing or shipping address on a contact; it has *properties* (the places work is done),
created once from the ledger contact's shipping address (else its billing address) and never
synced again, so properties travel in ``RemoteContact.extra`` and never in a PATCH.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Set
from decimal import Decimal
from typing import Any

from loftterm.api import Address, ContactFields, RemoteContact, RemoteItem, to_decimal

ROLE = "contact"

#: loftterm field name -> SortScape contact field name, for the fields that sync.
SYNCED_WIRE_FIELDS: dict[str, str] = {
    "name": "name",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "company": "company_name",
}

WIRE_ADDRESS_KEYS = ("line1", "line2", "city", "region", "postal_code", "country")


def _text(value: Any) -> str:
    """Return a wire value as a stripped string; null and missing are empty."""
    return "" if value is None else str(value).strip()


def address_from_wire(data: Mapping[str, Any] | None) -> Address:
    """Build a loftterm address from a SortScape property address."""
    data = data if isinstance(data, Mapping) else {}  # null or junk: no address (issue 7 fuzz)
    return Address(
        line1=_text(data.get("line1")),
        line2=_text(data.get("line2")),
        city=_text(data.get("city")),
        region=_text(data.get("region")),
        postal_code=_text(data.get("postal_code")),
        country=_text(data.get("country")),
    )


def address_to_wire(address: Address) -> dict[str, str]:
    """Return a SortScape address; loftterm's lines 3 and 4 are folded into ``line2``."""
    line2 = ", ".join(part for part in (address.line2, address.line3, address.line4) if part)
    return {
        "line1": address.line1,
        "line2": line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def property_from_wire(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return one SortScape property as the plain dict kept in ``RemoteContact.extra``."""
    return {
        "id": _text(data.get("id")),
        "source": _text(data.get("source")),
        "status": _text(data.get("status")) or "active",
        "address": dataclasses.asdict(address_from_wire(data.get("address"))),
    }


def _count(counts: Any, key: str) -> int:
    """Return one of the contact's job counters, zero when absent or unreadable."""
    if not isinstance(counts, Mapping):
        return 0
    try:
        return max(0, int(counts.get(key) or 0))
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity (issue 7 fuzz)
        return 0


def contact_from_wire(data: Mapping[str, Any]) -> RemoteContact:
    """Turn one SortScape contact into a :class:`RemoteContact` (role ``contact``).

    Billing and shipping stay empty: the contact's properties go to ``extra["properties"]``,
    its job counters to ``extra["pending_jobs"]`` and ``extra["open_issues"]``.

    :raises KeyError: when the record has no ``id``.
    """
    remote_id = _text(data["id"])
    if not remote_id:  # null or empty: no id either (issue 7 fuzz)
        raise KeyError("id")
    name = _text(data.get("name"))
    fields = ContactFields(
        name=name,
        first_name=_text(data.get("first_name")),
        last_name=_text(data.get("last_name")),
        email=_text(data.get("email")),
        phone=_text(data.get("phone")),
        company=_text(data.get("company_name")),
    )
    counts = data.get("counts")
    properties = data.get("properties")
    properties = properties if isinstance(properties, list) else []  # junk: none (issue 7 fuzz)
    return RemoteContact(
        remote_id=remote_id,
        role=ROLE,
        fields=fields,
        status="archived" if _text(data.get("status")) == "archived" else "active",
        is_customer=True,  # every SortScape contact is a client of the field-service business
        updated=_text(data.get("updated_at")),
        version=_text(data.get("version")),
        external_key=_text(data.get("external_ref")),
        extra={
            "display_name": name,
            "properties": [property_from_wire(p) for p in properties if isinstance(p, Mapping)],
            "pending_jobs": _count(counts, "pending_jobs"),
            "open_issues": _count(counts, "open_issues"),
        },
    )


def first_property(fields: ContactFields) -> dict[str, Any] | None:
    """Return the one property a new contact gets: shipping address, else billing, else none."""
    for source, address in (("shipping", fields.shipping), ("billing", fields.billing)):
        if not address.is_empty():
            return {"address": address_to_wire(address), "source": source}
    return None


def create_body(fields: ContactFields, external_ref: str) -> dict[str, Any]:
    """Return the ``POST /contacts`` body for a new contact.

    :param fields: the profile's values.
    :param external_ref: loftterm's profile id, stamped so a create that died is found again.
    """
    body: dict[str, Any] = {"name": fields.name}
    for local, wire in SYNCED_WIRE_FIELDS.items():
        value = str(fields.get(local)).strip()
        if value and local != "name":
            body[wire] = value
    if external_ref:
        body["external_ref"] = external_ref
    found = first_property(fields)
    body["properties"] = [found] if found else []
    return body


def patch_body(fields: ContactFields, changed: Set[str]) -> dict[str, Any]:
    """Return the ``PATCH /contacts/{id}`` body: only changed synced fields, never properties.

    An empty ``changed`` means the engine did not say what changed, so every synced field is
    sent; a ``changed`` holding only fields SortScape does not sync (addresses) gives ``{}``.
    """
    keys = SYNCED_WIRE_FIELDS if not changed else {
        local: wire for local, wire in SYNCED_WIRE_FIELDS.items() if local in changed
    }
    return {wire: str(fields.get(local)).strip() for local, wire in keys.items()}


def _finite(amount: Decimal) -> Decimal:
    """NaN and infinity are no price: zero (issue 7 fuzz)."""
    return amount if amount.is_finite() else Decimal("0")


def material_from_wire(data: Mapping[str, Any]) -> RemoteItem:
    """Turn one SortScape material into a :class:`RemoteItem`.

    :raises KeyError: when the record has no ``id``.
    """
    remote_id = _text(data["id"])
    if not remote_id:  # null or empty: no id either (issue 7 fuzz)
        raise KeyError("id")
    return RemoteItem(
        remote_id=remote_id,
        code=_text(data.get("code")),
        name=_text(data.get("name")),
        description=_text(data.get("description")),
        unit_price=_finite(to_decimal(data.get("unit_price"))),
        active=_text(data.get("status")) != "archived",
        updated=_text(data.get("updated_at")),
    )


def material_body(item: RemoteItem) -> dict[str, Any]:
    """Return the ``POST``/``PATCH /materials`` body for a ledger product.

    Every material the sync writes mirrors a ledger product, so it is linked: SortScape then
    shows it read-only.  ``linked_product_id`` holds the product's code (its name when it has
    no code), the key loftterm shares with the ledger.
    """
    return {
        "name": item.name,
        "code": item.code,
        "description": item.description,
        "unit_price": str(item.unit_price),
        "linked_product_id": item.code or item.name,
    }
