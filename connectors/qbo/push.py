"""Creating and sparse-updating Vendors and Customers, singly or through ``POST /batch``.

One failed record is that record's outcome, never an exception: a stale SyncToken (5010) is
re-read and retried once; a DisplayName clash (6240) names who holds the name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loftterm.api import PushRequest, RecordOutcome

from .client import QboClient, request_id
from .faults import DUPLICATE_NAME, STALE_OBJECT, QboFault, QboFaultError, fault_from_json
from .mapping import (
    ENTITY_BY_ROLE,
    contact_from_qbo,
    create_body,
    display_name,
    sparse_update_body,
)
from .query import ANY_ACTIVE, eq, select

NAME_ENTITIES = ("Customer", "Vendor", "Employee")


@dataclass
class Write:
    """One request on its way: the body sent, its requestid, and what came back."""

    request: PushRequest
    entity: str
    body: dict[str, Any]
    requestid: str
    key: str
    result: dict[str, Any] | None = None
    fault: QboFault | None = None
    outcome: RecordOutcome | None = None


def intent_key(request: PushRequest) -> str:
    """Return the request's idempotency key, or one derived from its content."""
    if request.idempotency_key:
        return request.idempotency_key
    raw = json.dumps([request.action, request.role, request.profile_id, request.remote_id,
                      request.version, sorted(request.changed), request.contact.to_dict()],
                     sort_keys=True)
    return "derived-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _failed(request: PushRequest, reason: str) -> RecordOutcome:
    return RecordOutcome(request.profile_id, request.role, "failed", reason=reason)


def prepare(client: QboClient, request: PushRequest) -> Write:
    """Build the write for one request (reads the SyncToken first when the request has none)."""
    prefix = client.settings.customer_prefix
    key = intent_key(request)
    entity = ENTITY_BY_ROLE.get(request.role, "")
    write = Write(request, entity, {}, request_id("push", key), key)
    if request.role not in ("vendor", "customer"):
        write.outcome = _failed(request, f"qbo has no role {request.role!r} to write")
    elif request.action == "create":
        write.body = create_body(request.role, request.contact, request.profile_id, prefix)
    elif not request.remote_id:
        write.outcome = _failed(request, "update without a remote id")
    else:
        token = request.version
        if not token:
            try:
                token = str(client.read(entity, request.remote_id).get("SyncToken") or "0")
            except QboFaultError as exc:
                write.outcome = _failed(request, exc.fault.one_line())
                return write
        if request.status and not request.changed:  # a status change alone (loftterm undo)
            write.body = {"Id": request.remote_id, "SyncToken": token, "sparse": True}
        else:
            write.body = sparse_update_body(request.role, request.contact, request.changed,
                                            request.remote_id, token, prefix)
        if request.status:
            write.body["Active"] = request.status == "active"
    return write


def send_one(client: QboClient, write: Write) -> None:
    """Send one write with its own call, keeping the answer or the fault on the write."""
    try:
        write.result = client.write(write.entity, write.body, write.requestid)
        write.fault = None
    except QboFaultError as exc:
        write.result = None
        write.fault = exc.fault


def send_batch(client: QboClient, writes: Sequence[Write]) -> None:
    """Send writes in one ``POST /batch``; per-item faults stay on their writes."""
    items = []
    by_bid: dict[str, Write] = {}
    for n, write in enumerate(writes):
        bid = f"b{n}"
        by_bid[bid] = write
        operation = "create" if write.request.action == "create" else "update"
        items.append({"bId": bid, "operation": operation, write.entity: write.body})
    try:
        answers = client.batch(items, request_id("batch", *(w.requestid for w in writes)))
    except QboFaultError as exc:
        for write in writes:
            write.fault = exc.fault
        return
    for bid, write in by_bid.items():
        answer = answers.get(bid)
        if answer is None:
            write.fault = QboFault("Batch", ())
            write.outcome = _failed(write.request, "the batch answer left this record out")
            continue
        fault = fault_from_json(answer)
        if fault is not None:
            write.fault = fault
        elif isinstance(answer.get(write.entity), dict):
            write.result = answer[write.entity]
        else:
            write.outcome = _failed(write.request, f"the batch answer has no {write.entity}")


def retry_stale(client: QboClient, write: Write) -> None:
    """Re-read a record whose SyncToken was stale and send the update once more."""
    request = write.request
    try:
        fresh = client.read(write.entity, request.remote_id)
    except QboFaultError as exc:
        write.fault = exc.fault
        return
    token = str(fresh.get("SyncToken") or "0")
    write.body = {**write.body, "SyncToken": token}
    write.requestid = request_id("push", write.key, "stale-retry", token)
    send_one(client, write)


@dataclass(frozen=True)
class Holder:
    """Who holds a DisplayName: a description for the reason, and the record when found."""

    description: str
    entity: str = ""
    row: dict[str, Any] | None = None


def name_holder(client: QboClient, name: str, own_id: str = "") -> Holder:
    """Find who holds a DisplayName (``an employee (Id 40)``) with one batch of three queries."""
    items = [
        {"bId": f"q{n}", "Query": str(select(entity).where(eq("DisplayName", name), ANY_ACTIVE))}
        for n, entity in enumerate(NAME_ENTITIES)
    ]
    unknown = Holder("another customer, vendor or employee")
    try:
        answers = client.batch(items, "")
    except QboFaultError:
        return unknown
    for n, entity in enumerate(NAME_ENTITIES):
        found = (answers.get(f"q{n}") or {}).get("QueryResponse") or {}
        for row in found.get(entity) or []:
            if not isinstance(row, dict) or str(row.get("Id")) == own_id:
                continue
            article = "an" if entity == "Employee" else "a"
            state = ", inactive" if row.get("Active") is False else ""
            return Holder(f"{article} {entity.lower()} (Id {row.get('Id')}{state})", entity, row)
    return unknown


def finish(client: QboClient, write: Write) -> RecordOutcome:
    """Turn a sent write into its outcome."""
    request = write.request
    if write.outcome is not None:
        return write.outcome
    if write.result is not None:
        remote = contact_from_qbo(write.entity, write.result, client.settings.customer_prefix)
        if request.action == "create":
            return RecordOutcome(request.profile_id, request.role, "created", remote=remote)
        return RecordOutcome(request.profile_id, request.role, "updated", remote=remote)
    fault = write.fault or QboFault("", ())
    if fault.has(DUPLICATE_NAME):
        prefix = client.settings.customer_prefix
        name = str(write.body.get("DisplayName")
                   or display_name(request.role, request.contact.name, prefix))
        holder = name_holder(client, name, request.remote_id)
        if request.action == "create" and holder.row is not None and holder.entity == write.entity:
            remote = contact_from_qbo(holder.entity, holder.row, prefix)
            if remote.external_key == request.profile_id:  # an earlier create that lost its answer
                return RecordOutcome(request.profile_id, request.role, "created", remote=remote)
        return _failed(request, f"name {name!r} already used by {holder.description} (QBO 6240)")
    if fault.has(STALE_OBJECT):
        return _failed(request, "record changed in QBO twice while updating it (5010 Stale "
                                "Object Error); it is retried on the next sync")
    return _failed(request, f"QBO refused the {request.role}: {fault.one_line()}")


def push(client: QboClient, requests: Sequence[PushRequest]) -> list[RecordOutcome]:
    """Create or update records; one outcome per request, in request order."""
    writes = [prepare(client, request) for request in requests]
    pending = [w for w in writes if w.outcome is None]
    size = client.settings.batch_size
    if len(pending) == 1:
        send_one(client, pending[0])
    else:
        for first in range(0, len(pending), size):
            chunk = pending[first:first + size]
            if len(chunk) == 1:
                send_one(client, chunk[0])
            else:
                send_batch(client, chunk)
    for write in pending:
        if (write.outcome is None and write.fault is not None and write.fault.has(STALE_OBJECT)
                and write.request.action == "update"):
            retry_stale(client, write)
    return [finish(client, write) for write in writes]
