"""The objects that pass between the engine and a connector through the hooks.

A connector never sees the book: it receives a :class:`ConnectorContext` and plain requests,
and answers with remote records and per-record outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar

import httpx

from loftterm.models import ContactFields, RemoteContact

KeptT = TypeVar("KeptT")

SettingType = (
    type[str] | type[int] | type[float] | type[bool] | type[list[Any]] | type[dict[str, Any]]
)


@dataclass(frozen=True)
class Setting:
    """One key a connector accepts under ``connectors.<name>`` in the config file.

    :param key: dotted key below the connector's section, e.g. ``client_id`` or ``match.name_rule``.
    :param type: the Python type the value must have after YAML parsing.
    :param default: the value used when the key is absent (ignored when ``required``).
    :param required: the config is refused when the key is missing (and the connector enabled).
    :param choices: allowed values, when the setting is an enumeration.
    :param secret: never printed, logged or shown.
    :param help: one line for ``config.example.yaml`` and error messages.
    :param validate: returns why a (typed) value is refused, or empty; run when the config loads.
    """

    key: str
    type: SettingType
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] = ()
    secret: bool = False
    help: str = ""
    validate: Callable[[Any], str] | None = None


def setting_at(settings: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Return the value at a dotted key (``match.name_rule``) of nested settings, or ``default``."""
    node: Any = settings
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


@dataclass(frozen=True)
class ConnectorInfo:
    """What a connector is and what it can do.

    :param name: the entry-point name, also the key under ``connectors:`` in the config.
    :param title: the product name shown to users ("Xero").
    :param roles: the link roles one profile may hold (Xero: contact; QBO: vendor and customer).
    :param kind: ``ledger`` (accounting: balances, documents) or ``field`` (field service).
    :param default_name_rule: the matching rule used when the config does not choose one.
    :param imports_remote: which unlinked remote contacts become new local profiles:
        ``all`` active ones, ``customers`` (customers and neither-customer-nor-supplier) or ``none``.
    :param archives: the connector archives its records when a ledger contact goes inactive.
    :param sync_every_minutes: default automatic sync interval, 0 for none.
    :param name_scope: where remote names must be unique: ``active`` records of the linked roles
        (Xero), ``all`` records of every role, inactive included (QBO: customers, vendors and
        employees share one namespace), or ``none``.
    :param synced_fields: the profile fields kept equal on both sides after linking (the seeds:
        name, email and addresses for ledgers; name, email, phone and company for SortScape).
    :param role_fields: ``(role, fields)`` pairs for roles that keep other fields than
        ``synced_fields`` (QBO: a Customer has a shipping address, a Vendor has none).
    :param company_names: the remote contact's name is the organisation (Xero has no company
        field): once a linked profile's company is set or changed, the remote name follows the
        company, and a remote rename then changes the company.
    """

    name: str
    title: str
    roles: tuple[str, ...] = ("contact",)
    kind: Literal["ledger", "field"] = "ledger"
    default_name_rule: str = "jaccard"
    imports_remote: Literal["all", "customers", "none"] = "all"
    archives: bool = False
    sync_every_minutes: int = 0
    name_scope: Literal["active", "all", "none"] = "active"
    synced_fields: tuple[str, ...] = ("name", "email", "billing", "shipping")
    role_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()
    company_names: bool = False

    def fields_for(self, role: str) -> tuple[str, ...]:
        """The fields kept equal for links of one role."""
        for name, fields in self.role_fields:
            if name == role:
                return fields
        return self.synced_fields


class TokenStoreProtocol:
    """Reads and writes one connector's OAuth tokens (implemented by ``loftterm.http.tokens``)."""

    def load(self) -> dict[str, Any]:
        """Return the stored token set, empty when none."""
        raise NotImplementedError

    def save(self, tokens: Mapping[str, Any]) -> None:
        """Persist the token set atomically before it is used."""
        raise NotImplementedError


@dataclass
class ConnectorContext:
    """Everything a connector hook may use for one run.

    :param name: the connector's name.
    :param settings: the validated ``connectors.<name>`` section, defaults filled in, env expanded.
    :param tokens: the connector's token store (its own file, mode 0600).
    :param http_factory: builds the ``httpx.Client`` with retries, rate limits and call counting;
        connectors call it once per run and keep the client in ``state``.
    :param dry_run: True when nothing may be written remotely (hooks that write are not called,
        but a connector must still never write from a read hook).
    :param state: per-run scratch space (the connector's client lives here).
    :param pinned_tenant: the organisation id this book is pinned to, if any.
    :param on_progress: report progress inside a long hook: ``(done, total)``.
    """

    name: str
    settings: Mapping[str, Any]
    tokens: TokenStoreProtocol
    http_factory: Callable[..., httpx.Client]
    dry_run: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    pinned_tenant: str = ""
    on_progress: Callable[[int, int | None], None] = lambda done, total: None

    def setting(self, key: str, default: Any = None) -> Any:
        """Return a setting by dotted key (``match.name_rule``)."""
        return setting_at(self.settings, key, default)

    def kept(self, key: str, kind: type[KeptT], build: Callable[[], KeptT]) -> KeptT:
        """Return the ``kind`` object this run keeps under ``key``, built on first use.

        Connectors keep their API client this way: one per run, closed by :meth:`release`.
        """
        found = self.state.get(key)
        if isinstance(found, kind):
            return found
        made = build()
        self.state[key] = made
        return made

    def release(self, key: str) -> None:
        """Forget the object kept under ``key``, closing it first when it has ``close()``."""
        found = self.state.pop(key, None)
        close = getattr(found, "close", None)
        if callable(close):
            close()


@dataclass(frozen=True)
class PullRequest:
    """What to pull.

    :param since: ISO-8601 UTC time of the last successful pull, for an incremental pull;
        empty for a full pull of every remote contact.
    :param resume: the cursor of the last page the engine stored, to resume a pull that died.
    """

    since: str = ""
    resume: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class PullPage:
    """One page of pulled remote contacts.

    :param contacts: the records on this page (every role the connector keeps).
    :param cursor: where a resumed pull continues after this page (checkpointed by the engine).
    :param done: True on the last page.
    :param full: True when the pull lists every remote record (so absent ones are missing).
    :param watermark: on the last page, the time to pass as ``since`` next time.
    :param total: an estimate of the records the whole pull returns, for progress; None if unknown.
    """

    contacts: list[RemoteContact]
    cursor: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    full: bool = True
    watermark: str = ""
    total: int | None = None


@dataclass(frozen=True)
class BalanceChanges:
    """The records whose AR/AP may have moved since a watermark, found by the documents changed.

    :param keys: ``(role, remote_id)`` of every record a changed document (invoice, bill, credit
        note, payment, ...) names; None when the ledger cannot tell (too far back, too many),
        so the engine reads every balance it shows.
    :param watermark: the ledger's time when the question was asked, passed back as ``since``.
    """

    keys: frozenset[tuple[str, str]] | None
    watermark: str = ""


@dataclass(frozen=True)
class PushRequest:
    """One create or update of a remote record.

    :param action: ``create`` or ``update``.
    :param profile_id: the local profile (also stamped as the external key on create).
    :param role: the link role (QBO: ``vendor`` or ``customer``).
    :param contact: the values the remote record must have.
    :param changed: for updates, the synced field names that differ (sparse updates send only these).
    :param remote_id: for updates, the record to change.
    :param version: for updates, the version the change was computed against.
    :param idempotency_key: stable for the same intent, so a retried write is not repeated.
    :param status: for updates, the status the record must end with: ``active`` re-activates an
        archived or inactive record (Xero ``ContactStatus`` ACTIVE, QBO ``Active`` true,
        SortScape restore); empty leaves the status alone.  With an empty ``changed`` only the
        status is written (``loftterm undo``).
    """

    action: Literal["create", "update"]
    profile_id: str
    role: str
    contact: ContactFields
    changed: frozenset[str] = frozenset()
    remote_id: str = ""
    version: str = ""
    idempotency_key: str = ""
    status: str = ""


@dataclass(frozen=True)
class ArchiveRequest:
    """Archive (or make inactive) one remote record.

    :param profile_id: the local profile the record is linked to.
    :param role: the link role.
    :param remote_id: the record.
    :param reason: why the engine asks (shown in the run log).
    """

    profile_id: str
    role: str
    remote_id: str
    reason: str = ""


OutcomeStatus = Literal["created", "updated", "archived", "linked", "skipped", "failed", "deferred"]


@dataclass
class RecordOutcome:
    """What happened to one record of a push or archive.

    :param profile_id: the local profile.
    :param role: the link role.
    :param status: ``created``, ``updated``, ``archived``, ``skipped``, ``failed`` or ``deferred``.
    :param remote: the remote record as it now is (created or updated), when known.
    :param reason: for failed, skipped and deferred: why, in one line.
    """

    profile_id: str
    role: str
    status: OutcomeStatus
    remote: RemoteContact | None = None
    reason: str = ""


@dataclass(frozen=True)
class RemoteItem:
    """A ledger product/service or a field-service material."""

    remote_id: str
    code: str
    name: str
    description: str = ""
    unit_price: Decimal = Decimal("0")
    active: bool = True
    updated: str = ""


@dataclass(frozen=True)
class DocumentLine:
    """One line of a posted document.

    :param amount: the line total (quantity x unit price), as the batch file gives it; a
        connector whose API wants a unit price divides by ``quantity``.
    :param quantity: how many units the total covers (1 for a commission or a fee).
    :param account_code: the ledger account as the batch file gives it (a number or a name).
    :param item_code: the item as the batch file gives it (a code, SKU or name).
    :param line: the line of the batch file it came from (0: not from a file), for messages.
    """

    description: str
    amount: Decimal
    quantity: Decimal = Decimal("1")
    account_code: str = ""
    item_code: str = ""
    line: int = 0


@dataclass(frozen=True)
class DocumentRequest:
    """A bill, credit note or invoice to post against a remote contact.

    :param kind: ``bill``, ``credit_note`` or ``invoice``.
    :param remote_id: the contact the document is posted to (the organization's, for an agent
        paid to an organization).
    :param role: the link role of that contact (QBO posts bills to the vendor, invoices to the
        customer).
    :param reference: the document's reference (deal number).
    :param idempotency_key: derived from the batch and line, so a re-run posts nothing twice.
    """

    kind: Literal["bill", "credit_note", "invoice"]
    remote_id: str
    role: str
    reference: str
    date: str
    lines: tuple[DocumentLine, ...]
    currency: str = ""
    idempotency_key: str = ""


@dataclass
class DocumentOutcome:
    """What happened to one posted document (``planned``: checked in a dry run, not posted).

    :param references: one line per account or item reference the connector resolved, e.g.
        ``account 310 -> Id 41 (Agent Commissions)``.
    """

    idempotency_key: str
    status: Literal["posted", "exists", "failed", "planned"]
    remote_id: str = ""
    reason: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tenant:
    """An organisation the credentials can reach (Xero tenant, QBO realm, SortScape account)."""

    id: str
    name: str
    kind: str = ""


@dataclass(frozen=True)
class SyncEvent:
    """Progress of a sync, consumed by the TUI, the headless printer and observer plugins.

    :param connector: the connector being synced.
    :param phase: ``pull``, ``link``, ``import``, ``push-new``, ``push-changes``, ``archive``,
        ``diagnose``, ``done`` (or ``error``).
    :param done: records processed so far in the phase.
    :param total: records the phase will process, or None when unknown.
    :param message: a one-line human summary.
    """

    connector: str
    phase: str
    done: int = 0
    total: int | None = None
    message: str = ""


class DemoSandbox:
    """A connector's sandbox as the demo and the tests drive it (see ``loftterm.sandboxkit``)."""

    def start(self) -> str:
        """Start serving on 127.0.0.1; return the base URL."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving."""
        raise NotImplementedError

    def connector_settings(self) -> dict[str, Any]:
        """Return the ``connectors.<name>`` config section that points at this running sandbox."""
        raise NotImplementedError
