"""The QuickBooks Online connector's hook implementations.

Each profile that can be batched has a Vendor (bills) and a ``*``-prefixed Customer (invoices);
DisplayName is one namespace across Customers, Vendors and Employees, inactive ones included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from loftterm.api import (
    ArchiveRequest,
    Balance,
    BalanceChanges,
    ConnectorContext,
    ConnectorInfo,
    DemoSandbox,
    DocumentOutcome,
    DocumentRequest,
    PullPage,
    PullRequest,
    PushRequest,
    RecordOutcome,
    RemoteItem,
    Setting,
    Tenant,
    hookimpl,
)

from . import archive as archiving
from . import changes
from . import documents as posting
from . import pull as pulling
from . import push as pushing
from .client import QboClient, client_for
from .mapping import display_name, item_from_qbo
from .query import ANY_ACTIVE, select
from .settings import SETTINGS

SYNCED_FIELDS = ("name", "email", "phone", "company", "billing")
"""Kept equal after linking for vendors.  Not ``shipping``: a Vendor has no ShipAddr, so a
profile's shipping address would look deleted in QBO after every push."""
CUSTOMER_FIELDS = (*SYNCED_FIELDS, "shipping")
"""Kept equal after linking for customers, whose ``ShipAddr`` holds the shipping address."""


@hookimpl
def loftterm_connector_info() -> ConnectorInfo:
    """Describe the connector: a ledger whose profiles hold a vendor and a customer."""
    return ConnectorInfo(
        name="qbo",
        title="QuickBooks Online",
        roles=("vendor", "customer"),
        kind="ledger",
        default_name_rule="containment",
        imports_remote="all",
        archives=False,
        name_scope="all",
        synced_fields=SYNCED_FIELDS,
        role_fields=(("customer", CUSTOMER_FIELDS),),
    )


@hookimpl
def loftterm_connector_settings() -> Sequence[Setting]:
    """List the QBO-specific config keys (the host adds the common ones)."""
    return SETTINGS


@hookimpl
def loftterm_connector_display_name(ctx: ConnectorContext, role: str, name: str) -> str:
    """Return the DisplayName a record gets: the customer prefix before a customer's name."""
    prefix = str(ctx.setting("customer_prefix", "*"))
    return display_name(role, name, prefix)


def _note_company(ctx: ConnectorContext, client: QboClient, fresh: bool = False) -> str:
    """Put the company name in ``ctx.state``; kept beside the tokens so a run needs no call."""
    realm = client.settings.realm_id
    if not fresh and "tenant_name" in ctx.state:
        return str(ctx.state["tenant_name"])
    stored = ctx.tokens.load()
    if not fresh and stored.get("tenant_id") == realm and stored.get("tenant_name"):
        name = str(stored["tenant_name"])
    else:
        name = str(client.company_info().get("CompanyName") or "")
        stored = ctx.tokens.load()  # the call may have refreshed (and saved) the tokens
        if stored.get("access_token") or stored.get("refresh_token"):
            ctx.tokens.save({**stored, "tenant_id": realm, "tenant_name": name})
    ctx.state["tenant_name"] = name
    return name


@hookimpl
def loftterm_connector_pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    """Page through Customers, Vendors and Employees (full, resumed, or by CDC)."""
    client = client_for(ctx)
    _note_company(ctx, client)
    return pulling.pull(client, request)


@hookimpl
def loftterm_connector_balance_changes(ctx: ConnectorContext, since: str) -> BalanceChanges:
    """Name the customers and vendors whose transactions changed (one CDC call)."""
    return changes.balance_changes(client_for(ctx), since)


@hookimpl
def loftterm_connector_balances(
    ctx: ConnectorContext, role: str, remote_ids: Sequence[str], mirrored: int
) -> dict[str, Balance]:
    """Read the linked records' ``Balance`` with ``SELECT Id, Balance ... WHERE Id IN (...)``.

    Paging every record of the role instead when that takes fewer queries.
    """
    return pulling.balances(client_for(ctx), role, remote_ids, mirrored)


@hookimpl
def loftterm_connector_push(
    ctx: ConnectorContext, requests: Sequence[PushRequest]
) -> list[RecordOutcome]:
    """Create and sparse-update Vendors and Customers (batched when there are several)."""
    if not requests:
        return []
    return pushing.push(client_for(ctx), requests)


@hookimpl
def loftterm_connector_archive(
    ctx: ConnectorContext, requests: Sequence[ArchiveRequest]
) -> list[RecordOutcome]:
    """Make Vendors and Customers inactive; a customer with a balance is refused by QBO."""
    if not requests:
        return []
    return archiving.archive(client_for(ctx), requests)


@hookimpl
def loftterm_connector_pull_items(ctx: ConnectorContext) -> list[RemoteItem]:
    """Return every product/service, active or not."""
    client = client_for(ctx)
    size = client.settings.page_size
    items: list[RemoteItem] = []
    start = 1
    while True:
        rows = client.rows(select("Item").where(ANY_ACTIVE).page(start, size), "Item")
        items.extend(item_from_qbo(row) for row in rows)
        if len(rows) < size:
            return items
        start += size


@hookimpl
def loftterm_connector_post_documents(
    ctx: ConnectorContext, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Post bills to vendors, credit notes as vendor credits, invoices to ``*`` customers."""
    if not documents:
        return []
    return posting.post_documents(ctx, documents)


@hookimpl
def loftterm_connector_check_documents(
    ctx: ConnectorContext, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Resolve account and item codes to Ids without writing (``loftterm batch --dry-run``)."""
    if not documents:
        return []
    return posting.check_documents(ctx, documents)


@hookimpl
def loftterm_connector_tenants(ctx: ConnectorContext) -> list[Tenant]:
    """Return the configured realm with its company name."""
    client = client_for(ctx)
    name = _note_company(ctx, client, fresh=True)
    return [Tenant(id=client.settings.realm_id, name=name, kind="realm")]


@hookimpl
def loftterm_connector_sandbox(options: Mapping[str, Any]) -> DemoSandbox:
    """Return an unstarted QBO sandbox (seeded unless ``seed`` is false)."""
    from .sandbox import QboSandbox

    return QboSandbox(seed=bool(options.get("seed", True)),
                      contacts=int(options.get("contacts", 0) or 0))
