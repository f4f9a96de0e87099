"""Hook specifications: the whole contract between the loftterm host and its plugins.

Connector hooks (``loftterm_connector_*``) are answered by exactly one plugin: the host calls
them through a subset caller that holds only the connector a run is for.  Observer hooks
(``loftterm_sync_event``) are called on every plugin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from loftterm.connector import (
        ArchiveRequest,
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
        SyncEvent,
        Tenant,
    )
    from loftterm.models import Balance

PROJECT = "loftterm"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def loftterm_connector_info() -> ConnectorInfo:
    """Describe the connector: name, title, roles, defaults and capabilities.

    Called when the plugin manager loads the connector and whenever the host needs its roles.
    Stops at the first non-None result.  Implemented by every connector.

    :returns: the connector's :class:`~loftterm.connector.ConnectorInfo`.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_settings() -> Sequence[Setting]:
    """List the config keys the connector accepts under ``connectors.<name>``.

    Called while the config is validated, so an unknown key, a wrong type or a missing secret is
    reported with its file and line before anything runs.  Stops at the first non-None result.
    Implemented by every connector.

    :returns: the connector's settings (keys common to all connectors are added by the host).
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    """Page through the remote contacts (every role the connector keeps).

    Called at the start of every sync, before anything is pushed.  The engine stores each page's
    cursor before asking for the next one, so a pull that dies resumes with ``request.resume``.
    Must not write remotely.  Stops at the first non-None result.  Implemented by every connector.

    :param ctx: the run's connector context.
    :param request: full pull (``since`` empty) or incremental pull since a time; resume cursor.
    :returns: an iterator of pages; the last one has ``done`` set and a ``watermark``.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_push(
    ctx: ConnectorContext, requests: Sequence[PushRequest]
) -> list[RecordOutcome]:
    """Create or update remote records.

    Called in the push-new and push-changes phases (never in a dry run).  A failure of one record
    is that record's outcome (``failed`` with the reason), not an exception; raise only when the
    whole run must stop (auth refused, daily rate limit, network down).  Creates carry the profile
    id as the remote external key where the API has one, so a create that died half-way is found
    by the next pull.  Stops at the first non-None result.  Implemented by every connector.

    :param ctx: the run's connector context.
    :param requests: the creates and updates, each with an idempotency key.
    :returns: one outcome per request, in any order.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_archive(
    ctx: ConnectorContext, requests: Sequence[ArchiveRequest]
) -> list[RecordOutcome]:
    """Archive or deactivate remote records.

    Called in the archive phase for connectors whose info says ``archives``, and by the ``unlink
    --archive`` action.  A record that may not be archived yet (pending jobs, open balance) is a
    ``deferred`` or ``failed`` outcome with the reason.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :param requests: the records to archive.
    :returns: one outcome per request.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_display_name(ctx: ConnectorContext, role: str, name: str) -> str:
    """Return the name a record of this role gets remotely (QBO: ``*`` before a customer's name).

    Called before a create, so the engine can predict a name clash from the mirror (which stores
    the remote display name in ``RemoteContact.extra["display_name"]``) instead of letting the
    API fail.  Stops at the first non-None result; without an answer the name is used as is.

    :param ctx: the run's connector context.
    :param role: the link role of the record to create.
    :param name: the profile's name.
    :returns: the remote display name.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_balances(
    ctx: ConnectorContext, role: str, remote_ids: Sequence[str], mirrored: int
) -> Mapping[str, Balance]:
    """Return the current AR/AP balances of some records, however little else they changed.

    Called by ledger runs after an incremental pull, for the records linked to a profile (and
    the own contacts of agents paid to an organization): a balance change does not move a
    record's modified time (Xero), so the incremental pull cannot see it.  Must not write
    remotely; use as few calls as the API allows.  Stops at the first non-None result.
    Implemented by the ledger connectors.

    :param ctx: the run's connector context.
    :param role: the role of every record asked for.
    :param remote_ids: the records' remote ids.
    :param mirrored: how many records of the role the mirror holds (a whole listing may cost
        fewer calls than asking by id).
    :returns: remote id -> balance, for the records found (a missing one keeps its balance).
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_balance_changes(ctx: ConnectorContext, since: str) -> BalanceChanges:
    """Return the records whose balances documents changed since ``since`` moved.

    Called by ledger runs after an incremental pull, before reading balances: a balance moves
    only when a document (invoice, bill, credit note, payment, ...) is entered, changed or paid,
    and the ledger can list those by modified time cheaply, so a routine sync reads the
    balances of just those records instead of every linked one.  Must not write remotely.
    Stops at the first non-None result; without an answer every shown balance is read.
    Implemented by the ledger connectors.

    :param ctx: the run's connector context.
    :param since: the watermark this hook (or a full pull) returned last time.
    :returns: the records named by changed documents (``keys=None``: cannot tell) and the
        watermark for next time.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_pull_items(ctx: ConnectorContext) -> list[RemoteItem]:
    """Return every product/service (ledgers) or material (field service).

    Called by the items phase of connectors that carry items.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :returns: the remote items.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_push_items(
    ctx: ConnectorContext, items: Sequence[RemoteItem]
) -> list[RemoteItem]:
    """Create or update items remotely, matched by ``remote_id`` (empty: create).

    Called when ledger products flow one way into a field-service app's materials, never in a
    dry run.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :param items: the items as they must be.
    :returns: the items as the remote now holds them, in request order.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_post_documents(
    ctx: ConnectorContext, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Post bills, credit notes and invoices.

    Called when a batch is posted, after the batch's sync.  A document already posted under the
    same idempotency key is ``exists``, never posted twice.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :param documents: the documents, each against a remote contact id.
    :returns: one outcome per document.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_check_documents(
    ctx: ConnectorContext, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Check documents as a post would, reading only: resolve their account and item codes.

    Called by a batch's dry run for the documents it would post.  ``planned`` outcomes carry the
    resolved ``references``; ``failed`` ones the reason the post would fail.  Optional: without
    it a dry run plans every document.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :param documents: the documents (``remote_id`` is empty for a contact the sync creates).
    :returns: one outcome per document.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_tenants(ctx: ConnectorContext) -> list[Tenant]:
    """List the organisations the stored credentials can reach.

    Called by ``loftterm connect`` and ``loftterm doctor``, and by the engine to pin a book to
    the organisation it first synced with.  Stops at the first non-None result.

    :param ctx: the run's connector context.
    :returns: the reachable organisations.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def loftterm_connector_sandbox(options: Mapping[str, Any]) -> DemoSandbox:
    """Build the connector's loopback sandbox for ``loftterm --demo`` and the tests.

    Called by the demo (which must not import connectors) to start every installed connector's
    sandbox.  Stops at the first non-None result.  Implemented by connectors that ship a sandbox.

    :param options: ``seed`` (bool, load the realistic demo data), ``contacts`` (int, extra
        generated contacts for benchmarks).
    :returns: an unstarted sandbox.
    """
    raise NotImplementedError


@hookspec
def loftterm_sync_event(event: SyncEvent) -> None:
    """Observe sync progress.

    Called on every plugin for every progress event of every sync (the TUI and the headless
    printer receive the same events through their own callback).  Must return quickly.

    :param event: the phase, counts and message.
    """
