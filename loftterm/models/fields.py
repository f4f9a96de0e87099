"""The synced fields of a contact and the small helpers every record uses.

Everything here is a plain frozen dataclass that round-trips through ``to_dict`` / ``from_dict``
so the book can store it as JSON; :func:`comparable` is what change detection compares.

Speed (issue 8, see bench/README.md): a 100k-profile book decodes ~300k of these records on open
and encodes them on every save, so the records are slotted (smaller, faster attribute access),
``from_dict`` / ``to_dict`` are written out field by field instead of going through generic
helpers (``compact`` recursion, ``dataclasses.astuple``, keyword ``__init__`` of frozen classes),
and the handful of words repeated in every record (roles, kinds, statuses) are interned.
"""

from __future__ import annotations

import dataclasses
import operator
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

PROFILE_KINDS = ("agent", "organization", "contact", "customer", "supplier")
PAYABLE_KINDS = ("agent", "organization")
SYNCED_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "billing",
    "shipping",
)

def _str(value: Any) -> str:
    """``str(value)`` without the call for what is already a plain string (the usual case)."""
    return value if value.__class__ is str else str(value)


def _text(value: Any) -> str:
    """``str(value or "")`` without the call for what is already a plain string (the usual case)."""
    return value if value.__class__ is str else str(value or "")


def _word(value: Any) -> str:
    """:func:`_text`, interned: roles, kinds, statuses and connector names repeat in every record."""
    return sys.intern(value if value.__class__ is str else str(value or ""))


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values (``""``, None, False, empty containers) so the book stays small.

    Every ``from_dict`` treats an absent key as its empty default, so this loses nothing.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = compact(value)
        if value in ("", None, False) or value == {} or value == []:
            continue
        out[key] = value
    return out


_ZERO = Decimal("0")  # Decimals are immutable: one shared zero


def to_decimal(value: Any) -> Decimal:
    """Parse money from the wire or the book; empty and unparseable values are zero."""
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return _ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return _ZERO


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The raw setter of a slot: fills a frozen instance without its ``__setattr__`` guard."""
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


_new = object.__new__


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; every part is a plain string, empty when unknown."""

    line1: str = ""
    line2: str = ""
    line3: str = ""
    line4: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        """Return True when no part of the address is filled in."""
        return self is _EMPTY_ADDRESS or not any(_address_parts(self))

    def one_line(self) -> str:
        """Return the address as one comma-separated line for display."""
        return ", ".join(part for part in _address_parts(self) if part)

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready mapping of every part."""
        return dict(zip(_ADDRESS_NAMES, _address_parts(self), strict=True))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Address:
        """Build an address from a stored mapping, ignoring unknown keys."""
        if not data:
            return _EMPTY_ADDRESS
        get = data.get
        new = _new(cls)  # filled slot by slot (see ContactFields.from_dict)
        for name, setter in _ADDRESS_SETTERS:
            setter(new, _word(get(name)))  # towns, regions, countries repeat: interned
        return new


_ADDRESS_NAMES = tuple(f.name for f in dataclasses.fields(Address))
_ADDRESS_PARTS = frozenset(_ADDRESS_NAMES)
_address_parts: Callable[[Address], tuple[str, ...]] = operator.attrgetter(*_ADDRESS_NAMES)
_EMPTY_ADDRESS = Address()
_ADDRESS_SETTERS = tuple((name, _slot_setter(Address, name)) for name in _ADDRESS_NAMES)


def _address_doc(address: Address) -> dict[str, str]:
    """``compact(address.to_dict())``: the filled-in parts only."""
    if address is _EMPTY_ADDRESS:
        return {}
    return {k: v for k, v in zip(_ADDRESS_NAMES, _address_parts(address), strict=True) if v}


@dataclass(frozen=True, slots=True)
class ContactFields:
    """The fields that sync between a profile and a remote contact."""

    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    billing: Address = field(default_factory=Address)
    shipping: Address = field(default_factory=Address)

    def get(self, name: str) -> Any:
        """Return one synced field by name."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "name": self.name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "company": self.company,
            "billing": self.billing.to_dict(),
            "shipping": self.shipping.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContactFields:
        """Build contact fields from a mapping, ignoring unknown keys."""
        # Filled slot by slot: the frozen keyword __init__ costs ~2x more, 200k times per open.
        get = data.get
        new = _new(cls)
        _set_name(new, _text(get("name")))
        _set_first_name(new, _text(get("first_name")))
        _set_last_name(new, _text(get("last_name")))
        _set_email(new, _text(get("email")))
        _set_phone(new, _text(get("phone")))
        _set_company(new, _text(get("company")))
        _set_billing(new, Address.from_dict(get("billing")))
        _set_shipping(new, Address.from_dict(get("shipping")))
        return new


_set_name = _slot_setter(ContactFields, "name")
_set_first_name = _slot_setter(ContactFields, "first_name")
_set_last_name = _slot_setter(ContactFields, "last_name")
_set_email = _slot_setter(ContactFields, "email")
_set_phone = _slot_setter(ContactFields, "phone")
_set_company = _slot_setter(ContactFields, "company")
_set_billing = _slot_setter(ContactFields, "billing")
_set_shipping = _slot_setter(ContactFields, "shipping")


def _fields_doc(fields: ContactFields) -> dict[str, Any]:
    """``compact(fields.to_dict())`` written out (same keys, same order)."""
    out: dict[str, Any] = {}
    if fields.name:
        out["name"] = fields.name
    if fields.first_name:
        out["first_name"] = fields.first_name
    if fields.last_name:
        out["last_name"] = fields.last_name
    if fields.email:
        out["email"] = fields.email
    if fields.phone:
        out["phone"] = fields.phone
    if fields.company:
        out["company"] = fields.company
    if fields.billing is not _EMPTY_ADDRESS:
        billing = _address_doc(fields.billing)
        if billing:
            out["billing"] = billing
    if fields.shipping is not _EMPTY_ADDRESS:
        shipping = _address_doc(fields.shipping)
        if shipping:
            out["shipping"] = shipping
    return out


def comparable(fields: ContactFields) -> dict[str, Any]:
    """Return the synced fields normalised for change detection.

    Text is trimmed, emails lower-cased, phones reduced to their digits.
    """
    # Written out (twice per link per sync): the keys of SYNCED_FIELDS, in that order.
    return {
        "name": str(fields.name).strip(),
        "first_name": str(fields.first_name).strip(),
        "last_name": str(fields.last_name).strip(),
        "email": str(fields.email).strip().lower(),
        "phone": phone_digits(fields.phone),
        "company": str(fields.company).strip(),
        "billing": _comparable_address(fields.billing),
        "shipping": _comparable_address(fields.shipping),
    }


def raw_equal(mine: ContactFields, theirs: ContactFields, fields: Iterable[str]) -> bool:
    """True when both sides hold the very same values of ``fields`` (so they compare equal).

    The cheap test a steady-state sync answers for almost every link before :func:`comparable`.
    """
    return mine is theirs or all(getattr(mine, n) == getattr(theirs, n) for n in fields)


def phone_digits(phone: Any) -> str:
    """A phone number for comparison: its digits only (``+61 2 9555 0101`` = ``61 2 95550101``)."""
    return "".join(ch for ch in str(phone) if ch.isdigit())


_BLANK_PARTS = dict.fromkeys(_ADDRESS_NAMES, "")


def _comparable_address(address: Address) -> dict[str, str]:
    if address is _EMPTY_ADDRESS:
        return _BLANK_PARTS.copy()
    return {k: str(v).strip() for k, v in zip(_ADDRESS_NAMES, _address_parts(address), strict=True)}
