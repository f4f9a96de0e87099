"""Posting a batch: sync first, pay each document to the right contact, post each exactly once.

Order (seeds 000-003, "before an entire batch of transactions get posted"):

1. the pending counter says what the sync will touch, with the batch's own profiles counted;
2. the full sync for the connector runs with ``extra_create_ids`` = the batch's profiles: pull,
   link, push new payable agents and organizations (an agent paid to an organization gets the
   organization created, never itself; name clashes are predicted from the mirror), push changes;
3. each document's payee is resolved by the rules: an agent or contact paid to an organization is
   paid (bills, credit notes) and invoiced through the organization's contact;
4. the documents are posted through ``loftterm_connector_post_documents`` in chunks, each with an
   idempotency key derived from the batch name and the document's identity (deal, kind,
   profile), so a re-run after a crash finds what was posted (``exists``) and posts the rest.

Progress is saved in the book's history after every chunk.  A dry run syncs dry and plans only.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from loftterm.batchfile import BatchDocument, BatchFile
from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import (
    ConnectorContext,
    ConnectorInfo,
    DocumentLine,
    DocumentOutcome,
    DocumentRequest,
    SyncEvent,
    TokenStoreProtocol,
)
from loftterm.engine import planner
from loftterm.engine.batch.payees import Payee, resolve_payee
from loftterm.engine.batch.results import BatchResult, DocumentResult
from loftterm.engine.context import build_context, close_context
from loftterm.engine.decide.pending import pending_counter
from loftterm.engine.pipeline.sync import SyncOptions, run_connector
from loftterm.errors import EXIT_OK, EXIT_REMOTE, LofttermError, ProtocolError, UsageError
from loftterm.http.transport import CallStats
from loftterm.plugins import ConnectorHooks
from loftterm.views import PendingCounter

DEFAULT_CHUNK = 25
KEY_PREFIX = "lt-"


def document_key(batch_name: str, document: BatchDocument) -> str:
    """The idempotency key of a document: stable across re-runs and edits of other documents."""
    raw = "|".join(("loftterm-batch", batch_name, *document.identity))
    return KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass
class BatchOptions:
    """How to run a batch.

    :param dry_run: sync dry and plan: nothing is written to the book or the remote.
    :param full_pull: pull everything even when an incremental pull is possible.
    :param on_event: progress callback (the sync's events, then ``post`` events).
    :param cancel: set to stop between steps and chunks.
    :param sleep: the sleeper for rate-limit waits (tests pass a fast one).
    :param chunk: documents per ``post_documents`` call (progress is saved after each).
    """

    dry_run: bool = False
    full_pull: bool = False
    on_event: Callable[[SyncEvent], None] = lambda event: None
    cancel: threading.Event | None = None
    sleep: Callable[[float], None] | None = None
    chunk: int = DEFAULT_CHUNK


def batch_pending(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any], extra_ids: frozenset[str]
) -> PendingCounter:
    """The pending counter of the sync before a batch: the batch's profiles count too."""
    counter = pending_counter(book, info, settings)
    base = {(p.id, role) for p, role in planner.plan_creates(book, info)}
    extra = [
        (p, role)
        for p, role in planner.plan_creates(book, info, extra_ids)
        if (p.id, role) not in base
    ]
    if extra:
        counter.to_create_remote += len(extra)
        names = sorted({p.name for p, _ in extra})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        counter.reasons.append(
            f"{len(extra)} records this batch posts to are not in {info.title} yet: {shown}"
        )
    return counter


def _row(batch: BatchFile, doc: BatchDocument, book: Book) -> DocumentResult:
    profile = book.profiles.get(doc.profile_id)
    return DocumentResult(
        line=doc.line,
        deal=doc.deal,
        date=doc.date,
        kind=doc.kind,
        profile_id=doc.profile_id,
        profile=profile.name if profile else "",
        amount=str(doc.total),
        currency=doc.currency,
        key=document_key(batch.name, doc),
    )


def _request(doc: BatchDocument, payee: Payee, key: str) -> DocumentRequest:
    lines = tuple(
        DocumentLine(
            line.description,
            line.amount,
            account_code=line.account,
            item_code=line.item,
            line=line.line or doc.line,
        )
        for line in doc.lines
    )
    return DocumentRequest(
        doc.kind,  # type: ignore[arg-type]  # checked by the batch file parser
        payee.remote_id,
        payee.role,
        doc.deal,
        doc.date,
        lines,
        doc.currency,
        key,
    )


def run_batch(
    book: Book,
    pm: pluggy.PluginManager,
    name: str,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    batch: BatchFile,
    options: BatchOptions,
) -> BatchResult:
    """Sync one ledger connector, then post a batch's documents to it (or plan, in a dry run).

    A failure that stops the sync posts nothing; one that stops the posting keeps what was posted
    (saved in the history) and reports the rest as skipped.  Any other exception propagates after
    the last completed chunk was saved: the re-run finds those documents (``exists``).
    """
    hooks = ConnectorHooks(pm, name)
    info = hooks.info
    if info.kind != "ledger":
        raise UsageError(f"{name} is not a ledger: a batch posts to Xero or QuickBooks Online")
    for doc in batch.documents:
        book.profile(doc.profile_id)
    extra = batch.profile_ids
    pending = batch_pending(book, info, settings, extra)
    result = BatchResult(
        batch.name,
        batch.source,
        name,
        info.title,
        options.dry_run,
        pending,
        [_row(batch, doc, book) for doc in batch.documents],
    )

    def observe(event: SyncEvent) -> None:
        options.on_event(event)
        pm.hook.loftterm_sync_event(event=event)

    observe(SyncEvent(name, "batch", 0, len(batch.documents), result.headline()))
    sync = run_connector(
        book,
        pm,
        name,
        settings,
        tokens,
        SyncOptions(
            dry_run=options.dry_run,
            full_pull=options.full_pull,
            on_event=options.on_event,
            cancel=options.cancel,
            sleep=options.sleep,
            extra_create_ids=extra,
        ),
    )
    result.sync = {k: v for k, v in sync.counts.items() if k != "updated_local"}
    result.plan.extend(sync.plan)
    if sync.error is not None:
        result.error = f"the sync before the batch stopped: {sync.error}"
        result.exit_code = sync.error.exit_code
        for row in result.documents:
            row.status, row.reason = "skipped", "not posted: the sync before the batch stopped"
        return result
    failed_creates = {
        o.profile_id: o.reason
        for o in sync.outcomes
        if o.action == "create" and o.status in ("failed", "held")
    }
    planned_creates = {
        o.profile_id for o in sync.outcomes if o.action == "create" and o.status == "planned"
    }
    todo: list[tuple[DocumentResult, DocumentRequest]] = []
    for doc, row in zip(batch.documents, result.documents, strict=True):
        payee = resolve_payee(book, info, doc.profile_id, doc.kind)
        row.payee_id, row.payee, row.role = payee.target.id, payee.target.name, payee.role
        row.contact_id = payee.remote_id
        row.reason = payee.note
        created_first = not payee.remote_id and payee.target.id in planned_creates
        if payee.problem and not (options.dry_run and created_first):
            cause = failed_creates.get(payee.target.id, "")
            row.status = "failed"
            row.reason = payee.problem + (f" ({cause})" if cause else "")
        elif options.dry_run:
            row.status = "planned"
            todo.append((row, _request(doc, payee, row.key)))
        else:
            todo.append((row, _request(doc, payee, row.key)))
    if options.dry_run:
        _check(hooks, settings, tokens, book, todo, options)
        for row, _ in todo:
            if row.status != "planned":
                continue
            where = f"{row.payee} ({row.contact_id or 'created by the sync first'})"
            refs = f"; {', '.join(row.references)}" if row.references else ""
            result.plan.append(
                f"{name}: would post {row.kind} {row.deal} ({row.amount} {row.currency}".rstrip()
                + f") for {row.profile} to {where}{refs}"
            )
        for row in result.documents:
            if row.status == "failed":
                result.plan.append(f"{name}: cannot post {row.kind} {row.deal}: {row.reason}")
        result.exit_code = EXIT_REMOTE if result.counts["failed"] else EXIT_OK
        return result
    _post(book, hooks, settings, tokens, result, todo, options, observe)
    result.exit_code = result.exit_code or (EXIT_OK if result.ok else EXIT_REMOTE)
    return result


def _context(
    name: str,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    book: Book,
    options: BatchOptions,
) -> tuple[ConnectorContext, CallStats]:
    """The connector's context for posting (or checking) documents, pinned to the book's tenant."""
    pinned = str(book.connector_meta(name).get("tenant_id") or "")
    return build_context(name, settings, tokens, pinned_tenant=pinned, sleep=options.sleep)


def _check(
    hooks: ConnectorHooks,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    book: Book,
    todo: list[tuple[DocumentResult, DocumentRequest]],
    options: BatchOptions,
) -> None:
    """In a dry run, let the connector resolve what the planned documents reference (reads only)."""
    if not todo or not hooks.implements("loftterm_connector_check_documents"):
        return
    ctx, _stats = _context(hooks.name, settings, tokens, book, options)
    try:
        answer = hooks.call(
            "loftterm_connector_check_documents", ctx=ctx, documents=[r for _, r in todo]
        )
    except LofttermError as exc:
        for row, _ in todo:
            row.reason = f"references not checked: {exc}"
        return
    finally:
        close_context(ctx)
    if answer is not None:
        _apply(todo, list(answer))


def _post(
    book: Book,
    hooks: ConnectorHooks,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    result: BatchResult,
    todo: list[tuple[DocumentResult, DocumentRequest]],
    options: BatchOptions,
    observe: Callable[[SyncEvent], None],
) -> None:
    name = hooks.name
    run: dict[str, Any] = {
        "id": uuid.uuid4().hex[:10],
        "connector": name,
        "kind": "batch",
        "batch": result.batch,
        "started": now_iso(),
        "finished": "",
        "ok": False,
        "dry_run": False,
        "counts": {},
        "api_calls": 0,
        "error": "",
        "notes": [f"batch {result.batch} from {result.source}"],
        "outcomes": [],
    }
    result.run_id = run["id"]
    book.add_run(run)

    def record() -> None:
        run["counts"] = {k: v for k, v in result.counts.items() if k != "planned"}
        run["outcomes"] = [
            {
                "profile_id": r.profile_id,
                "name": r.profile,
                "action": f"post {r.kind}",
                "status": r.status,
                "remote_id": r.remote_id,
                "reason": f"{r.deal} to {r.payee}" + (f": {r.reason}" if r.reason else ""),
            }
            for r in result.documents
        ]
        book.save()

    ctx, stats = _context(name, settings, tokens, book, options)
    chunk = max(1, options.chunk)
    done = 0
    try:
        for start in range(0, len(todo), chunk):
            if options.cancel is not None and options.cancel.is_set():
                raise LofttermError(f"{name}: batch cancelled", title="Batch cancelled")
            part = todo[start : start + chunk]
            answer = hooks.call(
                "loftterm_connector_post_documents", ctx=ctx, documents=[r for _, r in part]
            )
            if answer is None:
                raise ProtocolError(f"{name}: the connector does not post documents")
            _apply(part, list(answer))
            done += len(part)
            run["api_calls"] = stats.calls
            record()
            observe(SyncEvent(name, "post", done, len(todo), f"posted {done} of {len(todo)}"))
    except LofttermError as exc:
        result.error = str(exc)
        result.exit_code = exc.exit_code
        for row, _ in todo[done:]:
            if row.status == "pending":
                row.status, row.reason = "skipped", f"not posted: {exc}"
    finally:
        close_context(ctx)
    run.update(finished=now_iso(), ok=result.ok, error=result.error, api_calls=stats.calls)
    record()


def _apply(
    part: list[tuple[DocumentResult, DocumentRequest]], answer: list[DocumentOutcome]
) -> None:
    by_key = {o.idempotency_key: o for o in answer if o.idempotency_key}
    for index, (row, request) in enumerate(part):
        outcome = by_key.get(request.idempotency_key)
        if outcome is None and len(answer) == len(part):
            outcome = answer[index]
        if outcome is None:
            row.status, row.reason = "failed", "the connector gave no outcome"
            continue
        row.status = outcome.status
        row.remote_id = outcome.remote_id
        row.references = list(outcome.references)
        if outcome.reason:
            row.reason = outcome.reason if not row.reason else f"{outcome.reason}; {row.reason}"
