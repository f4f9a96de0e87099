"""Records shared by the book, the engine and the connectors.

Everything here is a plain dataclass that round-trips through ``to_dict`` / ``from_dict`` so the
book can store it as JSON.  Money is ``Decimal`` (stored as a string), never float.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
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


def to_decimal(value: Any) -> Decimal:
    """Parse money from the wire or the book; empty and unparseable values are zero."""
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


@dataclass(frozen=True)
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
        return not any(dataclasses.astuple(self))

    def one_line(self) -> str:
        """Return the address as one comma-separated line for display."""
        return ", ".join(part for part in dataclasses.astuple(self) if part)

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready mapping of every part."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Address:
        """Build an address from a stored mapping, ignoring unknown keys."""
        if not data:
            return _EMPTY_ADDRESS
        return cls(**{k: str(v or "") for k, v in data.items() if k in _ADDRESS_PARTS})


_ADDRESS_PARTS = frozenset(f.name for f in dataclasses.fields(Address))
_EMPTY_ADDRESS = Address()


@dataclass(frozen=True)
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
        data = dict(self.__dict__)
        data["billing"] = self.billing.to_dict()
        data["shipping"] = self.shipping.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContactFields:
        """Build contact fields from a mapping, ignoring unknown keys."""
        return cls(
            name=str(data.get("name") or ""),
            first_name=str(data.get("first_name") or ""),
            last_name=str(data.get("last_name") or ""),
            email=str(data.get("email") or ""),
            phone=str(data.get("phone") or ""),
            company=str(data.get("company") or ""),
            billing=Address.from_dict(data.get("billing")),
            shipping=Address.from_dict(data.get("shipping")),
        )


def comparable(fields: ContactFields) -> dict[str, Any]:
    """Return the synced fields normalised for change detection (trimmed, emails lower-cased)."""
    values = fields.to_dict()
    out: dict[str, Any] = {}
    for key in SYNCED_FIELDS:
        value = values[key]
        if isinstance(value, dict):
            out[key] = {k: str(v).strip() for k, v in value.items()}
        else:
            text = str(value).strip()
            out[key] = text.lower() if key == "email" else text
    return out


@dataclass
class Balance:
    """Accounts receivable and payable outstanding for one contact, in its currency."""

    ar: Decimal = Decimal("0")
    ap: Decimal = Decimal("0")
    currency: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready mapping with money as strings."""
        return {"ar": str(self.ar), "ap": str(self.ap), "currency": self.currency}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Balance:
        """Build a balance from a stored mapping."""
        data = data or {}
        return cls(
            to_decimal(data.get("ar")), to_decimal(data.get("ap")), str(data.get("currency") or "")
        )


@dataclass
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
        return compact(
            {
                "remote_id": self.remote_id,
                "role": self.role,
                "fields": self.fields.to_dict(),
                "status": self.status,
                "is_customer": self.is_customer,
                "is_supplier": self.is_supplier,
                "balance": self.balance.to_dict() if self.balance.ar or self.balance.ap else {},
                "updated": self.updated,
                "version": self.version,
                "external_key": self.external_key,
                "merged_to": self.merged_to,
                "extra": self.extra,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RemoteContact:
        """Build a remote contact from a stored mapping."""
        status = str(data.get("status") or "active")
        return cls(
            remote_id=str(data["remote_id"]),
            role=str(data.get("role") or "contact"),
            fields=ContactFields.from_dict(data.get("fields") or {}),
            status=status if status in ("active", "archived", "inactive") else "active",  # type: ignore[arg-type]
            is_customer=bool(data.get("is_customer")),
            is_supplier=bool(data.get("is_supplier")),
            balance=Balance.from_dict(data.get("balance")),
            updated=str(data.get("updated") or ""),
            version=str(data.get("version") or ""),
            external_key=str(data.get("external_key") or ""),
            merged_to=str(data.get("merged_to") or ""),
            extra=dict(data.get("extra") or {}),
        )


@dataclass
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
        return compact(
            {
                "id": self.id,
                "kind": self.kind,
                "fields": self.fields.to_dict(),
                "payable_to": self.payable_to,
                "sync_disabled": list(self.sync_disabled),
                "archived": self.archived,
                "origin": self.origin,
                "updated_at": self.updated_at,
                "balances": self.balances,
                "extra": self.extra,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Build a profile from a stored mapping."""
        return cls(
            id=str(data["id"]),
            kind=str(data.get("kind") or "contact"),
            fields=ContactFields.from_dict(data.get("fields") or {}),
            payable_to=str(data.get("payable_to") or ""),
            sync_disabled=[str(x) for x in data.get("sync_disabled") or []],
            archived=bool(data.get("archived")),
            origin=str(data.get("origin") or "local"),
            updated_at=str(data.get("updated_at") or ""),
            balances=dict(data.get("balances") or {}),
            extra=dict(data.get("extra") or {}),
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
        data = compact(
            {
                "profile_id": self.profile_id,
                "connector": self.connector,
                "role": self.role,
                "remote_id": self.remote_id,
                "method": self.method,
                "score": self.score,
                "at": self.at,
            }
        )
        if self.baseline:
            data["baseline"] = self.baseline
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Link:
        """Build a link from a stored mapping."""
        return cls(
            profile_id=str(data["profile_id"]),
            connector=str(data["connector"]),
            role=str(data.get("role") or "contact"),
            remote_id=str(data["remote_id"]),
            method=str(data.get("method") or "manual"),
            score=float(data.get("score") or 0.0),
            at=str(data.get("at") or ""),
            baseline=dict(data.get("baseline") or {}),
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
        """Identity of the warning: the same problem is updated, not repeated."""
        return f"{self.kind}|{self.connector}|{self.profile_id}|{','.join(sorted(self.remote_ids))}"

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
