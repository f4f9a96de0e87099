"""The Xero connector's hook implementations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from connectors.xero import changes, mapping
from connectors.xero import client as xc
from connectors.xero.client import XeroValidationError, client_for, idempotency_key
from loftterm.api import (
    ArchiveRequest,
    Balance,
    BalanceChanges,
    ConnectorContext,
    ConnectorInfo,
    DemoSandbox,
    DocumentOutcome,
    DocumentRequest,
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

NAME = "xero"


@hookimpl
def loftterm_connector_info() -> ConnectorInfo:
    """Describe the connector: one role (contact), a ledger, names unique among active ones."""
    return ConnectorInfo(
        name=NAME,
        title="Xero",
        roles=("contact",),
        kind="ledger",
        default_name_rule="jaccard",
        imports_remote="all",
        archives=False,
        name_scope="active",
        synced_fields=("name", "email", "phone", "billing", "shipping"),
        company_names=True,  # no company field: a contact's Name is the organisation
    )


@hookimpl
def loftterm_connector_settings() -> Sequence[Setting]:
    """List the Xero keys (the host adds enabled, match.*, balance_rule, import...)."""
    return [
        Setting("api_url", str, xc.DEFAULT_API_URL, help="Xero Accounting API root"),
        Setting("token_url", str, xc.DEFAULT_TOKEN_URL, help="OAuth2 token endpoint"),
        Setting("connections_url", str, xc.DEFAULT_CONNECTIONS_URL,
                help="lists the organisations (tenants) the credentials reach"),
        Setting("authorize_url", str, xc.DEFAULT_AUTHORIZE_URL,
                help="consent page used by `loftterm connect xero` (authorization_code)"),
        Setting("grant", str, "client_credentials", choices=("client_credentials",
                                                             "authorization_code"),
                help="client_credentials for a Xero custom connection, authorization_code "
                     "for a standard app (consent once with `loftterm connect xero`)"),
        Setting("client_id", str, required=True, help="the Xero app's client id"),
        Setting("client_secret", str, required=True, secret=True,
                help="the Xero app's client secret"),
        Setting("scopes", str, xc.DEFAULT_SCOPES,
                help="scopes asked for; with authorization_code add offline_access "
                     "(needed for a refresh token)"),
        Setting("tenant_id", str, "",
                help="the organisation to sync; empty: the only one the credentials reach"),
        Setting("refresh_token", str, "", secret=True,
                help="seeds an empty token store once (authorization_code); tokens rotate"),
        Setting("page_size", int, 1000, help="contacts per GET /Contacts page (1..1000)"),
        Setting("retry_after_cap", float, 60.0,
                help="longest wait, in seconds, on a minute rate limit (429 Retry-After)"),
        Setting("batch_size", int, 50, help="contacts per create/update request (Xero: ~50)"),
    ]


# ----------------------------------------------------------------------------------- pull


def _pagination(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    block = envelope.get("pagination")
    return block if isinstance(block, Mapping) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity (issue 7 fuzz)
        return None


@hookimpl
def loftterm_connector_pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    """Page through every contact (archived included); incremental with ``If-Modified-Since``.

    The cursor after each page is ``{"page": next, "watermark": ...}``; the watermark is the
    ``DateTimeUTC`` of the pull's first answer, so nothing changed during the pull is missed.
    """
    return _pull(ctx, request)


def _pull(ctx: ConnectorContext, request: PullRequest) -> Iterator[PullPage]:
    client = client_for(ctx)
    full = not request.since
    since = "" if full else mapping.if_modified_since(request.since)
    page = max(1, _int(request.resume.get("page")) or 1)
    watermark = str(request.resume.get("watermark") or "")
    done_count = (page - 1) * client.page_size
    previous_first = ""
    while True:
        envelope = client.contacts_page(page, since)
        where = f"{ctx.name} GET /Contacts page {page}"
        if not watermark:
            watermark = mapping.xero_date_to_iso(envelope.get("DateTimeUTC"))
        paging = _pagination(envelope)
        answered = _int(paging.get("page"))
        if answered is not None and answered != page:
            raise ProtocolError(f"{where}: the answer is page {answered} (the cursor repeats)")
        records = envelope["Contacts"]
        try:
            contacts = [mapping.contact_from_wire(r) for r in records]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ProtocolError(f"{where}: a contact without ContactID") from exc
        first = contacts[0].remote_id if contacts else ""
        if first and first == previous_first:
            raise ProtocolError(f"{where}: the same contacts as the page before (cursor repeats)")
        previous_first = first
        total = _int(paging.get("itemCount"))
        page_count = _int(paging.get("pageCount"))
        done = (len(contacts) < client.page_size
                or (page_count is not None and page >= page_count))
        done_count += len(contacts)
        ctx.on_progress(done_count, total)
        yield PullPage(
            contacts=contacts,
            cursor={"page": page + 1, "watermark": watermark},
            done=done,
            full=full,
            watermark=watermark if done else "",
            total=total,
        )
        if done:
            return
        page += 1


# ------------------------------------------------------------------------------ balances

IDS_PER_CALL = 50
"""ContactIDs per ``GET /Contacts?IDs=`` call: more hits URL-length limits."""


def balance_calls(wanted: int, mirrored: int, page_size: int) -> tuple[str, int]:
    """The cheaper way to read ``wanted`` balances: ``("ids", calls)`` or ``("pages", calls)``.

    By id costs one call per 50 contacts; a whole listing one call per page of up to 1000.
    """
    by_ids = -(-wanted // IDS_PER_CALL)
    by_pages = max(1, -(-mirrored // max(1, page_size)))
    return ("pages", by_pages) if by_pages < by_ids else ("ids", by_ids)


@hookimpl
def loftterm_connector_balance_changes(ctx: ConnectorContext, since: str) -> BalanceChanges:
    """Name the contacts whose invoices, credit notes, overpayments or prepayments changed."""
    return changes.balance_changes(client_for(ctx), since)


@hookimpl
def loftterm_connector_balances(
    ctx: ConnectorContext, role: str, remote_ids: Sequence[str], mirrored: int
) -> dict[str, Balance]:
    """Read Balances by ``GET /Contacts?IDs=`` (50 a call), or by paging every contact.

    Balances come only with paged or by-id contact reads (not ``summaryOnly``); Xero has no
    balances-only endpoint for contacts (the aged reports are one contact per call).  Whichever
    of the two costs fewer calls is used.
    """
    client = client_for(ctx)
    wanted = set(remote_ids)
    way, _calls = balance_calls(len(wanted), mirrored, client.page_size)
    found: dict[str, Balance] = {}
    if way == "pages":
        page = 1
        while True:
            records = client.contacts_page(page)["Contacts"]
            _keep_balances(records, wanted, found)
            if len(records) < client.page_size:
                return found
            page += 1
    ordered = list(dict.fromkeys(remote_ids))
    for chunk in _chunks(ordered, IDS_PER_CALL):
        _keep_balances(client.contacts_by_ids(chunk), wanted, found)
    return found


def _keep_balances(records: Sequence[Any], wanted: set[str], found: dict[str, Balance]) -> None:
    for raw in records:
        if not isinstance(raw, Mapping):
            continue
        try:
            record = mapping.contact_from_wire(raw)
        except (KeyError, TypeError, AttributeError):
            continue
        if record.remote_id in wanted:
            found[record.remote_id] = record.balance


# ----------------------------------------------------------------------------------- push


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    size = max(1, size)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _save(
    ctx: ConnectorContext,
    method: str,
    batch: Sequence[PushRequest],
    bodies: list[dict[str, Any]],
    kind: str,
) -> list[RecordOutcome]:
    client = client_for(ctx)
    key = idempotency_key(kind, [r.idempotency_key for r in batch], xc.dumps(bodies))
    ok_status: Literal["created", "updated"] = "created" if method == "PUT" else "updated"
    try:
        elements = client.save_contacts(method, bodies, key)
    except XeroValidationError as exc:
        return _refused(batch, exc)
    outcomes: list[RecordOutcome] = []
    for req, element in zip(batch, elements, strict=True):
        if mapping.element_failed(element):
            reason = (mapping.validation_messages(element) or ["Xero refused the contact"])[0]
            outcomes.append(RecordOutcome(req.profile_id, req.role, "failed", reason=reason))
            continue
        try:
            remote = mapping.contact_from_wire(element)
        except KeyError:
            outcomes.append(RecordOutcome(req.profile_id, req.role, "failed",
                                          reason="Xero answered without a ContactID"))
            continue
        outcomes.append(RecordOutcome(req.profile_id, req.role, ok_status, remote=remote))
    return outcomes


def _refused(batch: Sequence[PushRequest | ArchiveRequest],
             exc: XeroValidationError) -> list[RecordOutcome]:
    """Map a whole-batch ValidationException to per-record failures."""
    messages = [mapping.validation_messages(e) for e in exc.elements]
    outcomes = []
    for index, req in enumerate(batch):
        own = messages[index] if len(messages) == len(batch) else []
        reason = own[0] if own else exc.message
        outcomes.append(RecordOutcome(req.profile_id, req.role, "failed", reason=reason))
    return outcomes


@hookimpl
def loftterm_connector_push(
    ctx: ConnectorContext, requests: Sequence[PushRequest]
) -> list[RecordOutcome]:
    """Create (``PUT /Contacts``) and update (``POST /Contacts``) in batches, per-item results.

    Creates carry ``ContactNumber`` = profile id (the engine finds a half-done create from its
    mirror).  Creates use PUT, which only creates: a POST without ``ContactID`` may update an
    existing contact that has the same name.  Updates send ``ContactID`` and the changed fields.
    """
    size = int(ctx.setting("batch_size") or 50)
    creates = [r for r in requests if r.action == "create"]
    updates = [r for r in requests if r.action == "update"]
    outcomes: list[RecordOutcome] = []
    for batch in _chunks(creates, size):
        bodies = [mapping.contact_create_wire(r.contact, r.profile_id) for r in batch]
        outcomes += _save(ctx, "PUT", batch, bodies, "create")
    for batch in _chunks(updates, size):
        bodies = [_update_wire(r) for r in batch]
        outcomes += _save(ctx, "POST", batch, bodies, "update")
    return outcomes


def _update_wire(request: PushRequest) -> dict[str, Any]:
    """The update body; ``request.status`` sets ``ContactStatus`` (alone when nothing changed)."""
    if request.status and not request.changed:
        return {"ContactID": request.remote_id, "ContactStatus": request.status.upper()}
    wire = mapping.contact_update_wire(request.remote_id, request.contact, request.changed)
    if request.status:
        wire["ContactStatus"] = request.status.upper()  # active -> ACTIVE, archived -> ARCHIVED
    return wire


@hookimpl
def loftterm_connector_archive(
    ctx: ConnectorContext, requests: Sequence[ArchiveRequest]
) -> list[RecordOutcome]:
    """Archive contacts (``ContactStatus: ARCHIVED``; Xero never deletes contacts)."""
    client = client_for(ctx)
    size = int(ctx.setting("batch_size") or 50)
    outcomes: list[RecordOutcome] = []
    for batch in _chunks(list(requests), size):
        bodies = [mapping.archive_wire(r.remote_id) for r in batch]
        key = idempotency_key("archive", [r.remote_id for r in batch])
        try:
            elements = client.save_contacts("POST", bodies, key)
        except XeroValidationError as exc:
            outcomes += _refused(batch, exc)
            continue
        for req, element in zip(batch, elements, strict=True):
            if mapping.element_failed(element):
                reason = (mapping.validation_messages(element) or ["Xero refused to archive"])[0]
                outcomes.append(RecordOutcome(req.profile_id, req.role, "failed", reason=reason))
            else:
                remote = mapping.contact_from_wire(element) if element.get("ContactID") else None
                outcomes.append(RecordOutcome(req.profile_id, req.role, "archived", remote=remote))
    return outcomes


# ---------------------------------------------------------------------------------- items


@hookimpl
def loftterm_connector_pull_items(ctx: ConnectorContext) -> list[RemoteItem]:
    """Return every Xero item (products and services)."""
    return [mapping.item_from_wire(i) for i in client_for(ctx).items()]


@hookimpl
def loftterm_connector_push_items(
    ctx: ConnectorContext, items: Sequence[RemoteItem]
) -> list[RemoteItem]:
    """Create or update items; a refused item stops with its code and Xero's reason."""
    if not items:
        return []
    client = client_for(ctx)
    bodies = [mapping.item_to_wire(i) for i in items]
    key = idempotency_key("items", [], xc.dumps(bodies))
    try:
        elements = client.save_items(bodies, key)
    except XeroValidationError as exc:
        raise RemoteError(f"{exc.message}; items: "
                             + ", ".join(i.code for i in items)) from exc
    for item, element in zip(items, elements, strict=True):
        if mapping.element_failed(element):
            reason = (mapping.validation_messages(element) or ["refused"])[0]
            raise RemoteError(f"{ctx.name} POST /Items: item {item.code!r}: {reason}")
    return [mapping.item_from_wire(e) for e in elements]


# ------------------------------------------------------------------------------ documents


@hookimpl
def loftterm_connector_post_documents(
    ctx: ConnectorContext, documents: Sequence[DocumentRequest]
) -> list[DocumentOutcome]:
    """Post bills (ACCPAY), supplier credit notes (ACCPAYCREDIT) and invoices (ACCREC).

    Before posting, documents already holding the same key are looked up (Xero keeps an
    Idempotency-Key for minutes only), so a re-run after a crash answers ``exists``.
    """
    outcomes: dict[int, DocumentOutcome] = {}
    by_kind: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        by_kind.setdefault(document.kind, []).append(index)
    for kind_name, indexes in by_kind.items():
        for chunk in _chunks(indexes, 25):
            outcomes.update(_post_kind(ctx, kind_name, [(i, documents[i]) for i in chunk]))
    return [outcomes[i] for i in range(len(documents))]


def _post_kind(
    ctx: ConnectorContext, kind_name: str, batch: list[tuple[int, DocumentRequest]]
) -> dict[int, DocumentOutcome]:
    client = client_for(ctx)
    kind = mapping.DOCUMENT_KINDS[kind_name]
    keys = sorted({mapping.document_key(d) for _, d in batch if mapping.document_key(d)})
    found: dict[str, str] = {}
    for held in client.find_documents(kind.endpoint, kind.collection, kind.key_field, keys):
        if str(held.get("Type") or kind.type) == kind.type and held.get(kind.key_field):
            found.setdefault(str(held[kind.key_field]), str(held.get(kind.id_key) or ""))
    out: dict[int, DocumentOutcome] = {}
    todo: list[tuple[int, DocumentRequest]] = []
    seen: set[str] = set()
    for index, doc in batch:
        key = mapping.document_key(doc)
        if key in found or (key and key in seen):
            out[index] = DocumentOutcome(doc.idempotency_key, "exists", found.get(key, ""))
        else:
            seen.add(key)
            todo.append((index, doc))
    if not todo:
        return out
    bodies = [mapping.document_to_wire(d) for _, d in todo]
    batch_key = idempotency_key(kind_name, [mapping.document_key(d) for _, d in todo],
                                xc.dumps(bodies))
    try:
        elements = client.create_documents(kind.endpoint, kind.collection, bodies, batch_key)
    except XeroValidationError as exc:
        for index, doc in todo:
            out[index] = DocumentOutcome(doc.idempotency_key, "failed", reason=exc.message)
        return out
    for (index, doc), element in zip(todo, elements, strict=True):
        if mapping.element_failed(element):
            reason = (mapping.validation_messages(element) or ["Xero refused the document"])[0]
            out[index] = DocumentOutcome(doc.idempotency_key, "failed", reason=reason)
        else:
            out[index] = DocumentOutcome(doc.idempotency_key, "posted",
                                         str(element.get(kind.id_key) or ""))
    return out


# -------------------------------------------------------------------------------- tenants


@hookimpl
def loftterm_connector_tenants(ctx: ConnectorContext) -> list[Tenant]:
    """List the tenants the credentials reach (``GET /connections``)."""
    return [
        Tenant(id=str(c.get("tenantId") or ""), name=str(c.get("tenantName") or ""),
               kind=str(c.get("tenantType") or ""))
        for c in client_for(ctx).connections()
        if c.get("tenantId")
    ]


@hookimpl
def loftterm_connector_sandbox(options: Mapping[str, Any]) -> DemoSandbox:
    """Return an unstarted Xero sandbox (``seed``: demo data; ``contacts``: extra generated)."""
    from connectors.xero.sandbox import XeroSandbox

    return XeroSandbox(seed=bool(options.get("seed", True)),
                       contacts=int(options.get("contacts") or 0))
