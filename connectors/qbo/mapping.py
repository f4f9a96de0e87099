"""Customer, Vendor and Employee JSON <-> :class:`~loftterm.api.RemoteContact`, and write bodies.

Every batchable profile has two QBO records: a Vendor (role ``vendor``, bills) named like the
profile, and a Customer (role ``customer``, invoices) whose DisplayName carries a prefix (``*``).
Employees are read only, because their names share the DisplayName namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from loftterm.api import Address, Balance, ContactFields, RemoteContact, RemoteItem, to_decimal

ENTITY_BY_ROLE = {"customer": "Customer", "vendor": "Vendor", "employee": "Employee"}
ROLE_BY_ENTITY = {entity: role for role, entity in ENTITY_BY_ROLE.items()}
KEY_TAG = "loftterm:"
"""Prefix of the profile id stamped on created records (Customer Notes, Vendor AcctNum)."""

_KEY_RE = re.compile(re.escape(KEY_TAG) + r"(\S+)")
_ADDRESS_KEYS = (
    ("line1", "Line1"),
    ("line2", "Line2"),
    ("line3", "Line3"),
    ("line4", "Line4"),
    ("city", "City"),
    ("region", "CountrySubDivisionCode"),
    ("postal_code", "PostalCode"),
    ("country", "Country"),
)


def entity_for(role: str) -> str:
    """Return the QBO entity name of a link role (``vendor`` -> ``Vendor``)."""
    try:
        return ENTITY_BY_ROLE[role]
    except KeyError:
        raise ValueError(f"qbo has no role {role!r} (vendor, customer)") from None


def display_name(role: str, name: str, prefix: str) -> str:
    """Return the DisplayName a profile's record of this role gets (prefix added for customers)."""
    return f"{prefix}{name}" if role == "customer" else name


def strip_prefix(role: str, display: str, prefix: str) -> str:
    """Return the profile name behind a DisplayName (prefix removed from customers)."""
    if role == "customer" and prefix and display.startswith(prefix):
        return display[len(prefix):].strip()
    return display


_EMPTY = Address()


def address_from_qbo(raw: Any) -> Address:
    """Map a QBO ``BillAddr`` / ``ShipAddr`` / ``PrimaryAddr`` to an address."""
    if not isinstance(raw, dict):
        return _EMPTY
    return Address(*(str(raw.get(theirs) or "") for _, theirs in _ADDRESS_KEYS))


def address_to_qbo(address: Address) -> dict[str, str]:
    """Map an address to a QBO physical address object (every part sent, empty clears it)."""
    return {theirs: str(getattr(address, ours)) for ours, theirs in _ADDRESS_KEYS}


def external_key(raw: str) -> str:
    """Return the profile id stamped in a Notes / AcctNum value, or empty."""
    found = _KEY_RE.search(raw or "")
    return found.group(1) if found else ""


def _text(obj: Mapping[str, Any], key: str, sub: str) -> str:
    node = obj.get(key)
    return str(node.get(sub) or "") if isinstance(node, dict) else ""


def finite(value: Any) -> Decimal:
    """Money from the wire; zero when absent, unreadable, NaN or infinite (issue 7 fuzz)."""
    amount = to_decimal(value)
    return amount if amount.is_finite() else Decimal("0")


def contact_from_qbo(entity: str, obj: Mapping[str, Any], prefix: str) -> RemoteContact:
    """Map one Customer, Vendor or Employee record to a remote contact.

    :param entity: ``Customer``, ``Vendor`` or ``Employee``.
    :param obj: the record as QBO answers it.
    :param prefix: the customer prefix to strip from customer DisplayNames.
    """
    role = ROLE_BY_ENTITY[entity]
    display = str(obj.get("DisplayName") or "")
    billing_key = "PrimaryAddr" if entity == "Employee" else "BillAddr"
    fields = ContactFields(
        name=strip_prefix(role, display, prefix),
        first_name=str(obj.get("GivenName") or ""),
        last_name=str(obj.get("FamilyName") or ""),
        email=_text(obj, "PrimaryEmailAddr", "Address"),
        phone=_text(obj, "PrimaryPhone", "FreeFormNumber"),
        company=str(obj.get("CompanyName") or ""),
        billing=address_from_qbo(obj.get(billing_key)),
        shipping=address_from_qbo(obj.get("ShipAddr")) if entity == "Customer" else Address(),
    )
    amount = finite(obj.get("Balance"))
    balance = Balance(
        ar=amount if role == "customer" else to_decimal(0),
        ap=amount if role == "vendor" else to_decimal(0),
        currency=_text(obj, "CurrencyRef", "value"),
    )
    stamp = obj.get("Notes") if role == "customer" else obj.get("AcctNum")
    return RemoteContact(
        remote_id=str(obj.get("Id") or ""),
        role=role,
        fields=fields,
        status="active" if obj.get("Active", True) is not False else "inactive",
        is_customer=role == "customer",
        is_supplier=role == "vendor",
        balance=balance,
        updated=_text(obj, "MetaData", "LastUpdatedTime"),
        version=str(obj.get("SyncToken") or ""),
        external_key=external_key(str(stamp or "")),
        extra={"display_name": display, "entity": entity},
    )


def _field_values(
    role: str, fields: ContactFields, names: Iterable[str], prefix: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name == "name":
            out["DisplayName"] = display_name(role, fields.name, prefix)
        elif name == "first_name":
            out["GivenName"] = fields.first_name
        elif name == "last_name":
            out["FamilyName"] = fields.last_name
        elif name == "company":
            out["CompanyName"] = fields.company
        elif name == "email":
            out["PrimaryEmailAddr"] = {"Address": fields.email}
        elif name == "phone":
            out["PrimaryPhone"] = {"FreeFormNumber": fields.phone}
        elif name == "billing":
            out["BillAddr"] = address_to_qbo(fields.billing)
        elif name == "shipping" and role == "customer":
            out["ShipAddr"] = address_to_qbo(fields.shipping)
    return out


SYNCED = ("name", "first_name", "last_name", "email", "phone", "company", "billing", "shipping")


def create_body(role: str, fields: ContactFields, profile_id: str, prefix: str) -> dict[str, Any]:
    """Return the body that creates a Vendor or Customer for a profile.

    Empty fields are left out; the profile id goes to ``Notes`` (customers) or ``AcctNum``
    (vendors) so a create that died half-way is found again by the next pull.
    """
    values = _field_values(role, fields, SYNCED, prefix)
    body: dict[str, Any] = {"DisplayName": values.pop("DisplayName")}
    for key, value in values.items():
        if isinstance(value, dict):
            if any(value.values()):
                body[key] = {k: v for k, v in value.items() if v}
        elif value:
            body[key] = value
    if profile_id:
        body["Notes" if role == "customer" else "AcctNum"] = f"{KEY_TAG}{profile_id}"
    return body


def sparse_update_body(
    role: str,
    fields: ContactFields,
    changed: Iterable[str],
    remote_id: str,
    sync_token: str,
    prefix: str,
) -> dict[str, Any]:
    """Return a sparse update: Id, the current SyncToken and only the changed fields.

    When nothing is listed as changed, every synced field is sent.
    """
    names = [n for n in SYNCED if n in set(changed)] or list(SYNCED)
    body: dict[str, Any] = {"Id": remote_id, "SyncToken": sync_token, "sparse": True}
    body.update(_field_values(role, fields, names, prefix))
    return body


def deactivate_body(remote_id: str, sync_token: str) -> dict[str, Any]:
    """Return the sparse update that makes a name-list record inactive (QBO's "delete")."""
    return {"Id": remote_id, "SyncToken": sync_token, "sparse": True, "Active": False}


def item_from_qbo(obj: Mapping[str, Any]) -> RemoteItem:
    """Map a QBO Item to a remote item (code is the SKU, else the name)."""
    name = str(obj.get("Name") or "")
    return RemoteItem(
        remote_id=str(obj.get("Id") or ""),
        code=str(obj.get("Sku") or name),
        name=name,
        description=str(obj.get("Description") or ""),
        unit_price=finite(obj.get("UnitPrice")),
        active=obj.get("Active", True) is not False,
        updated=_text(obj, "MetaData", "LastUpdatedTime"),
    )
