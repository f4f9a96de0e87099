"""Records shared by the book, the engine and the connectors.

Everything here is a plain dataclass that round-trips through ``to_dict`` / ``from_dict`` so the
book can store it as JSON.  Money is ``Decimal`` (stored as a string), never float.

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
from enum import StrEnum
from typing import Any, Literal

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

RemoteStatus = Literal["active", "archived", "inactive"]


class LinkState(StrEnum):
    """What support staff see in a profile's 'Linked contact' field for one connector."""

    LINKED = "linked"
    BLANK = "blank"
    MISSING = "missing"
    ARCHIVED = "archived"
    DUPLICATE = "duplicate"
    DISABLED = "disabled"
    MISPLACED = "misplaced"


class LinkMethod(StrEnum):
    """How a link was made; stored on each link."""

    EMAIL = "email"
    NAME = "name"
    MANUAL = "manual"
    CREATED = "created"
    IMPORTED = "imported"
    RECOVERED = "recovered"
    MERGED = "merged"


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


@dataclass(slots=True)
class Balance:
    """Accounts receivable and payable outstanding for one contact, in its currency."""

    ar: Decimal = _ZERO
    ap: Decimal = _ZERO
    currency: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready mapping with money as strings."""
        return {"ar": str(self.ar), "ap": str(self.ap), "currency": self.currency}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Balance:
        """Build a balance from a stored mapping."""
        if not data:
            return cls(_ZERO, _ZERO, "")
        return cls(
            to_decimal(data.get("ar")), to_decimal(data.get("ap")), _word(data.get("currency"))
        )


@dataclass(slots=True)
class RemoteContact:
    """The last pulled copy of one remote record (a Xero contact, a QBO vendor or customer...).

    ``remote_id`` is unique within ``(connector, role)``.  ``external_key`` is the key loftterm
    stamps on records it creates (Xero ``ContactNumber``) so a crashed create is found again.
    ``version`` is the remote's optimistic-concurrency token (QBO ``SyncToken``, Xero
    ``UpdatedDateUTC``).  ``extra`` holds connector-specific data the engine passes through
    (SortScape properties, pending jobs).
    """

    remote_id: str
    role: str = "contact"
    fields: ContactFields = field(default_factory=ContactFields)
    status: RemoteStatus = "active"
    is_customer: bool = False
    is_supplier: bool = False
    balance: Balance = field(default_factory=Balance)
    updated: str = ""
    version: str = ""
    external_key: str = ""
    merged_to: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The mirror key: role and id together."""
        return f"{self.role}:{self.remote_id}"

    @property
    def name(self) -> str:
        """The display name."""
        return self.fields.name

    @property
    def email(self) -> str:
        """The primary email address."""
        return self.fields.email

    def to_dict(self) -> dict[str, Any]:
        """Return a compact JSON-ready mapping."""
        # compact() of every field, written out: same keys in the same order, no recursion.
        out: dict[str, Any] = {}
        if self.remote_id:
            out["remote_id"] = self.remote_id
        if self.role:
            out["role"] = self.role
        fields = _fields_doc(self.fields)
        if fields:
            out["fields"] = fields
        if self.status:
            out["status"] = self.status
        if self.is_customer:
            out["is_customer"] = self.is_customer
        if self.is_supplier:
            out["is_supplier"] = self.is_supplier
        balance = self.balance
        if balance.ar or balance.ap:
            out["balance"] = compact(balance.to_dict())
        if self.updated:
            out["updated"] = self.updated
        if self.version:
            out["version"] = self.version
        if self.external_key:
            out["external_key"] = self.external_key
        if self.merged_to:
            out["merged_to"] = self.merged_to
        if self.extra:
            extra = compact(self.extra)
            if extra:
                out["extra"] = extra
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RemoteContact:
        """Build a remote contact from a stored mapping."""
        get = data.get
        status = _word(get("status") or "active")
        updated, version = _text(get("updated")), _text(get("version"))
        if version == updated:  # Xero's version is its update time: one string, not two
            version = updated
        return cls(
            _str(data["remote_id"]),
            _word(get("role") or "contact"),
            ContactFields.from_dict(get("fields") or {}),
            status if status in _STATUSES else "active",  # type: ignore[arg-type]
            bool(get("is_customer")),
            bool(get("is_supplier")),
            Balance.from_dict(get("balance")),
            updated,
            version,
            _text(get("external_key")),
            _text(get("merged_to")),
            dict(get("extra") or {}),
        )


_STATUSES = frozenset(("active", "archived", "inactive"))


@dataclass(slots=True)
class Profile:
    """A local profile in the book: an agent, organization, contact, customer or supplier."""

    id: str
    kind: str = "contact"
    fields: ContactFields = field(default_factory=ContactFields)
    payable_to: str = ""
    sync_disabled: list[str] = field(default_factory=list)
    archived: bool = False
    origin: str = "local"
    updated_at: str = ""
    balances: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The display name."""
        return self.fields.name

    @property
    def email(self) -> str:
        """The primary email address."""
        return self.fields.email

    @property
    def is_payable(self) -> bool:
        """Agents and organizations are paid through the ledger (bills, credit notes)."""
        return self.kind in PAYABLE_KINDS

    def sync_enabled(self, connector: str) -> bool:
        """Return False when the user turned sync off for this profile and connector."""
        return connector not in self.sync_disabled

    def to_dict(self) -> dict[str, Any]:
        """Return a compact JSON-ready mapping."""
        # compact() of every field, written out: same keys in the same order, no recursion.
        out: dict[str, Any] = {}
        if self.id:
            out["id"] = self.id
        if self.kind:
            out["kind"] = self.kind
        fields = _fields_doc(self.fields)
        if fields:
            out["fields"] = fields
        if self.payable_to:
            out["payable_to"] = self.payable_to
        if self.sync_disabled:
            out["sync_disabled"] = list(self.sync_disabled)
        if self.archived:
            out["archived"] = self.archived
        if self.origin:
            out["origin"] = self.origin
        if self.updated_at:
            out["updated_at"] = self.updated_at
        if self.balances:
            balances = compact(self.balances)
            if balances:
                out["balances"] = balances
        if self.extra:
            extra = compact(self.extra)
            if extra:
                out["extra"] = extra
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Build a profile from a stored mapping."""
        get = data.get
        disabled = get("sync_disabled")
        return cls(
            _str(data["id"]),
            _word(get("kind") or "contact"),
            ContactFields.from_dict(get("fields") or {}),
            _text(get("payable_to")),
            [sys.intern(_str(x)) for x in disabled] if disabled else [],
            bool(get("archived")),
            _word(get("origin") or "local"),
            _text(get("updated_at")),
            dict(get("balances") or {}),
            dict(get("extra") or {}),
        )


@dataclass(slots=True)
class Link:
    """A profile's link to one remote record of one connector, in one role.

    ``baseline`` is the comparable copy of the synced fields as both sides agreed at the last
    sync; it tells a local change from a remote change (and a conflict from both).
    """

    profile_id: str
    connector: str
    role: str
    remote_id: str
    method: str
    score: float = 1.0
    at: str = ""
    baseline: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a compact JSON-ready mapping; the baseline is kept verbatim (compared exactly)."""
        data: dict[str, Any] = {}
        if self.profile_id:
            data["profile_id"] = self.profile_id
        if self.connector:
            data["connector"] = self.connector
        if self.role:
            data["role"] = self.role
        if self.remote_id:
            data["remote_id"] = self.remote_id
        if self.method:
            data["method"] = self.method
        if self.score:
            data["score"] = self.score
        if self.at:
            data["at"] = self.at
        if self.baseline:
            data["baseline"] = self.baseline
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Link:
        """Build a link from a stored mapping."""
        get = data.get
        return cls(
            _str(data["profile_id"]),
            sys.intern(_str(data["connector"])),
            _word(get("role") or "contact"),
            _str(data["remote_id"]),
            _word(get("method") or "manual"),
            float(get("score") or 0.0),
            _text(get("at")),
            dict(get("baseline") or {}),
        )


@dataclass
class Warning:
    """A diagnosis kept in the book until it stops being true.

    Kinds: ``duplicate``, ``archived-duplicate``, ``missing``, ``misplaced``, ``name-clash``,
    ``push-failed``, ``archive-deferred``, ``conflict``.
    """

    kind: str
    connector: str
    profile_id: str
    message: str
    remote_ids: list[str] = field(default_factory=list)
    first_seen: str = ""
    last_seen: str = ""
    resolved: bool = False

    @property
    def key(self) -> str:
        """Identity of the warning: the same problem is updated, not repeated.

        A ``conflict`` is one per field (its message starts with the field's name).
        """
        key = f"{self.kind}|{self.connector}|{self.profile_id}|{','.join(sorted(self.remote_ids))}"
        if self.kind == "conflict":
            key += "|" + self.message.split(" ", 1)[0]
        return key

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        data = dict(self.__dict__)
        data["remote_ids"] = list(self.remote_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Warning:
        """Build a warning from a stored mapping."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
