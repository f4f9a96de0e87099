"""The SortScape connector's hook implementations: pull, push, archive, materials, account.

Policy lives here; HTTP lives in ``client.py`` and the wire format in ``mapping.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from loftterm.api import (
    ArchiveRequest,
    ConnectorContext,
    ConnectorInfo,
    DemoSandbox,
    ProtocolError,
    PullPage,
    PullRequest,
    PushRequest,
    RecordOutcome,
    RemoteError,
    RemoteItem,
    Setting,
    Tenant,
    hookimpl,
)

from .client import (
    DEFAULT_API_URL,
    SortScapeApiError,
    SortScapeClient,
    get_client,
    new_idempotency_key,
)
from .mapping import (
    ROLE,
    contact_from_wire,
    create_body,
    material_body,
    material_from_wire,
    patch_body,
)

ACCOUNT_KEY = "account"


@hookimpl
def loftterm_connector_info() -> ConnectorInfo:
    """Describe the connector: contacts only, field service, archives, syncs every 30 min."""
    return ConnectorInfo(
        name="sortscape",
        title="SortScape",
        roles=(ROLE,),
        kind="field",
        default_name_rule="jaccard",
        imports_remote="none",
        archives=True,
        sync_every_minutes=30,
        name_scope="none",
        synced_fields=("name", "first_name", "last_name", "email", "phone", "company"),
    )


@hookimpl
def loftterm_connector_settings() -> Sequence[Setting]:
    """List SortScape's own keys (the host adds enabled, match.*, balance_rule, import...)."""
    return [
        Setting("api_url", str, default=DEFAULT_API_URL,
                help="SortScape API root; the default is a placeholder (SortScape publishes no "
                     "API, see connectors/sortscape/API.md): set your instance's URL"),
        Setting("api_key", str, required=True, secret=True,
                help="API key from SortScape admin > Integrations (sent as a Bearer token)"),
        Setting("page_size", int, default=200,
                help="contacts and materials fetched per page (1-500)"),
        Setting("account_id", str, default="",
                help="the SortScape account this book must sync with; refused when the key "
                     "reaches another one (empty: any)"),
    ]


def _account(ctx: ConnectorContext, client: SortScapeClient) -> dict[str, Any]:
    """Fetch the key's account once per run and record it for pinning.

    The engine compares ``ctx.state["tenant_id"]`` with the account the book is pinned to (and
    handles ``--repoint``); the connector only refuses an account other than the ``account_id``
    setting, when one is configured.
    """
    cached = ctx.state.get(ACCOUNT_KEY)
    if isinstance(cached, dict):
        return cached
    account = client.account()
    found, name = str(account["id"]), str(account.get("name") or "")
    ctx.state["tenant_id"], ctx.state["tenant_name"] = found, name
    expected = str(ctx.setting("account_id") or "")
    if expected and expected != found:
        raise RemoteError(
            f"{ctx.name}: the API key reaches SortScape account {found} ({name}), not the "
            f"configured account_id {expected}; check connectors.{ctx.name}.api_key"
        )
    ctx.state[ACCOUNT_KEY] = account
    return account


def _ready(ctx: ConnectorContext) -> SortScapeClient:
    """Return the run's client after checking the account it reaches."""
    client = get_client(ctx)
    _account(ctx, client)
    return client


# -- contacts: pull ------------------------------------------------------------------------


@hookimpl
def loftterm_connector_pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    """Page through every contact (archived included); incremental when ``since`` is given.

    The cursor after each page is ``{"page": next, "watermark": w}``; the watermark is the
    server's clock at the first page of the pull (kept across a resume), so a change made while
    paging is pulled again next time rather than missed.
    """
    return _pull(ctx, request)


def _pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    client = _ready(ctx)
    page = int(request.resume.get("page") or 1)
    watermark = str(request.resume.get("watermark") or "")
    done_count = 0
    while True:
        answer = client.list_contacts(page, updated_since=request.since)
        watermark = watermark or answer.server_time
        try:
            contacts = [contact_from_wire(row) for row in answer.data]
        except KeyError as exc:  # issue 7 fuzz: was a KeyError traceback
            raise ProtocolError(f"{ctx.name} GET /contacts page {page}: a contact without id") from exc
        done_count += len(contacts)
        ctx.on_progress(done_count, answer.total)
        last = answer.next_page is None
        if answer.next_page is not None and answer.next_page <= page:
            raise ProtocolError(f"{ctx.name} GET /contacts: page cursor repeated ({page})")
        yield PullPage(
            contacts=contacts,
            cursor={} if last else {"page": answer.next_page, "watermark": watermark},
            done=last,
            full=not request.since,
            watermark=watermark if last else "",
            total=answer.total,
        )
        if answer.next_page is None:
            return
        page = answer.next_page


# -- contacts: push ------------------------------------------------------------------------


def _failure_reason(exc: SortScapeApiError, request: PushRequest) -> str:
    """Say in one line why SortScape refused one write."""
    if exc.code == "version_conflict" or exc.status == 412:
        now = exc.detail.get("current_version")
        at = f" (sent version {request.version}, now {now})" if now is not None else ""
        return f"changed in SortScape since last sync{at}"
    if exc.status == 404:
        return f"contact {request.remote_id} not found in SortScape (deleted there?)"
    field = exc.detail.get("field")
    message = exc.detail.get("message") or exc.code or f"HTTP {exc.status}"
    return f"invalid {field}: {message}" if field else f"refused: {message}"


def _push_one(client: SortScapeClient, request: PushRequest) -> RecordOutcome:
    """Create or update one contact; a refusal is a failed outcome, not an exception."""
    key = request.idempotency_key or new_idempotency_key()
    try:
        if request.action == "create":
            body = create_body(request.contact, external_ref=request.profile_id)
            wire = client.create_contact(body, key)
            return RecordOutcome(request.profile_id, ROLE, "created", contact_from_wire(wire))
        version = request.version
        if request.status:  # re-activate (or archive) first: it bumps the version
            wire = (client.restore_contact(request.remote_id) if request.status == "active"
                    else client.archive_contact(request.remote_id))
            version = str(wire.get("version") or "") if version else ""
            if not request.changed:
                return RecordOutcome(request.profile_id, ROLE, "updated", contact_from_wire(wire))
        patch = patch_body(request.contact, request.changed)
        if not patch:
            return RecordOutcome(request.profile_id, ROLE, "skipped",
                                 reason="nothing SortScape syncs changed (addresses are "
                                        "properties there, imported once)")
        wire = client.update_contact(request.remote_id, patch, version, key)
        return RecordOutcome(request.profile_id, ROLE, "updated", contact_from_wire(wire))
    except SortScapeApiError as exc:
        return RecordOutcome(request.profile_id, ROLE, "failed",
                             reason=_failure_reason(exc, request))


@hookimpl
def loftterm_connector_push(
    ctx: ConnectorContext, requests: Sequence[PushRequest]
) -> list[RecordOutcome]:
    """Create contacts (stamped with the profile id, with one property) or PATCH changed fields.

    Updates carry ``If-Match: <version>``; a stale version fails that record with "changed in
    SortScape since last sync".  Auth, rate-limit and server failures stop the run.
    """
    if ctx.dry_run:
        return [RecordOutcome(r.profile_id, ROLE, "skipped", reason="dry run") for r in requests]
    client = _ready(ctx)
    outcomes: list[RecordOutcome] = []
    for done, request in enumerate(requests, start=1):
        outcomes.append(_push_one(client, request))
        ctx.on_progress(done, len(requests))
    return outcomes


# -- contacts: archive ---------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def blocking_reason(pending: Sequence[str], issues: Sequence[str]) -> str:
    """Name what keeps a contact active.

    E.g. ``2 pending jobs (J-104, J-107) and 1 open issue (J-105)``.
    """
    parts = []
    if pending:
        parts.append(f"{_plural(len(pending), 'pending job')} ({', '.join(pending)})")
    if issues:
        parts.append(f"{_plural(len(issues), 'open issue')} ({', '.join(issues)})")
    return " and ".join(parts) or "pending jobs or open issues"


def _blockers(client: SortScapeClient, remote_id: str, detail: Mapping[str, Any]) -> str:
    """Return the blocking jobs from the 409 answer, else from ``GET /jobs``."""
    pending, issues = detail.get("pending_jobs"), detail.get("open_issues")
    if isinstance(pending, list) and isinstance(issues, list):
        return blocking_reason([str(j) for j in pending], [str(j) for j in issues])
    jobs = client.list_jobs(remote_id)
    return blocking_reason(
        [str(j["id"]) for j in jobs if j.get("status") in ("pending", "scheduled")],
        [str(j["id"]) for j in jobs if j.get("issue_open")],
    )


def _archive_one(client: SortScapeClient, request: ArchiveRequest) -> RecordOutcome:
    """Archive one contact; pending jobs or open issues defer it."""
    try:
        wire = client.archive_contact(request.remote_id)
    except SortScapeApiError as exc:
        if exc.code == "archive_blocked":
            return RecordOutcome(request.profile_id, request.role, "deferred",
                                 reason=_blockers(client, request.remote_id, exc.detail))
        if exc.status == 404:
            reason = f"contact {request.remote_id} not found in SortScape"
        else:
            reason = f"refused: {exc.detail.get('message') or exc.code}"
        return RecordOutcome(request.profile_id, request.role, "failed", reason=reason)
    return RecordOutcome(request.profile_id, request.role, "archived", contact_from_wire(wire))


@hookimpl
def loftterm_connector_archive(
    ctx: ConnectorContext, requests: Sequence[ArchiveRequest]
) -> list[RecordOutcome]:
    """Archive contacts (and with them their properties); deferred while work is open."""
    if ctx.dry_run:
        return [RecordOutcome(r.profile_id, r.role, "skipped", reason="dry run") for r in requests]
    client = _ready(ctx)
    outcomes: list[RecordOutcome] = []
    for done, request in enumerate(requests, start=1):
        outcomes.append(_archive_one(client, request))
        ctx.on_progress(done, len(requests))
    return outcomes


# -- materials -----------------------------------------------------------------------------


@hookimpl
def loftterm_connector_pull_items(ctx: ConnectorContext) -> list[RemoteItem]:
    """Return every SortScape material."""
    client = _ready(ctx)
    try:
        return [material_from_wire(row) for row in client.list_materials()]
    except KeyError as exc:  # issue 7 fuzz: was a KeyError traceback
        raise ProtocolError(f"{ctx.name} GET /materials: a material without id") from exc


def _push_item(client: SortScapeClient, item: RemoteItem) -> RemoteItem:
    """Write one ledger product as a linked material; a same-name material is linked instead."""
    body = material_body(item)
    if item.remote_id:
        return material_from_wire(client.update_material(item.remote_id, body))
    try:
        return material_from_wire(client.create_material(body))
    except SortScapeApiError as exc:
        existing = str(exc.detail.get("existing_id") or "")
        if exc.code != "duplicate_name" or not existing:
            raise
        return material_from_wire(client.update_material(existing, body))


@hookimpl
def loftterm_connector_push_items(
    ctx: ConnectorContext, items: Sequence[RemoteItem]
) -> list[RemoteItem]:
    """Create materials for new products and update linked ones (read-only in SortScape's UI)."""
    client = _ready(ctx)
    return [_push_item(client, item) for item in items]


# -- account and sandbox -------------------------------------------------------------------


@hookimpl
def loftterm_connector_tenants(ctx: ConnectorContext) -> list[Tenant]:
    """Return the one account the API key belongs to (and record it for pinning)."""
    account = get_client(ctx).account()
    ctx.state["tenant_id"] = str(account["id"])
    ctx.state["tenant_name"] = str(account.get("name") or "")
    return [Tenant(id=str(account["id"]), name=str(account.get("name") or ""), kind="account")]


@hookimpl
def loftterm_connector_sandbox(options: Mapping[str, Any]) -> DemoSandbox:
    """Return an unstarted SortScape sandbox (options: ``seed``, ``contacts``)."""
    from .sandbox import SortScapeSandbox

    return SortScapeSandbox(
        seed=bool(options.get("seed", True)), contacts=int(options.get("contacts") or 0)
    )
