"""The records the book stores: remote contacts, profiles, links, warnings, balances.

Each is a slotted dataclass written out field by field in ``to_dict`` / ``from_dict`` (the book
decodes ~300k of them on open at 100k profiles: see :mod:`loftterm.models.fields`).  Money is
``Decimal`` (stored as a string), never float.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from loftterm.models.fields import (
    _ZERO,
    PAYABLE_KINDS,
    ContactFields,
    _fields_doc,
    _str,
    _text,
    _word,
    compact,
    to_decimal,
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
    name_source: str = ""  # "company": the remote name is the profile's company (Xero)
    # Not stored: the (profile fields, remote fields, baseline) objects the baseline was last
    # settled from.  All three are replaced, never changed, so the same three objects settle to
    # the same baseline again, and a long-lived process skips them.
    settled_from: tuple[object, ...] = field(default=(), compare=False, repr=False)

    def settled(self, *sources: object) -> bool:
        """True when the baseline was last settled from these very objects."""
        return len(sources) == len(self.settled_from) and all(
            a is b for a, b in zip(sources, self.settled_from, strict=True))

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
        if self.name_source:
            data["name_source"] = self.name_source
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
            _word(get("name_source") or ""),
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
