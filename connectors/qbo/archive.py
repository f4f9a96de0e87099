"""Making Vendors and Customers inactive (QBO's only "delete" for name lists).

QBO refuses to deactivate a customer with an open balance ("Delete List Has Balance Error");
that record's outcome is ``failed`` with the reason, the others go on.
"""

from __future__ import annotations

from collections.abc import Sequence

from loftterm.api import ArchiveRequest, RecordOutcome, to_decimal

from .client import QboClient, request_id
from .faults import QboFaultError
from .mapping import contact_from_qbo, deactivate_body

ARCHIVABLE = {"customer": "Customer", "vendor": "Vendor"}


def _failed(request: ArchiveRequest, reason: str) -> RecordOutcome:
    return RecordOutcome(request.profile_id, request.role, "failed", reason=reason)


def archive_one(client: QboClient, request: ArchiveRequest) -> RecordOutcome:
    """Read the record for its SyncToken, then set ``Active`` false with a sparse update."""
    entity = ARCHIVABLE.get(request.role)
    prefix = client.settings.customer_prefix
    if entity is None:
        return _failed(request, f"qbo cannot archive a record of role {request.role!r}")
    try:
        current = client.read(entity, request.remote_id)
    except QboFaultError as exc:
        return _failed(request, f"cannot read the {request.role}: {exc.fault.one_line()}")
    if current.get("Active") is False:
        return RecordOutcome(request.profile_id, request.role, "archived",
                             remote=contact_from_qbo(entity, current, prefix))
    token = str(current.get("SyncToken") or "0")
    body = deactivate_body(request.remote_id, token)
    try:
        answer = client.write(entity, body, request_id("archive", entity, request.remote_id, token))
    except QboFaultError as exc:
        detail = exc.fault.one_line()
        if "balance" in detail.lower():
            balance = to_decimal(current.get("Balance"))
            return _failed(request, f"the {request.role} has an open balance of {balance}; QBO "
                                    f"refuses to make it inactive ({detail})")
        return _failed(request, f"QBO refused to make the {request.role} inactive: {detail}")
    return RecordOutcome(request.profile_id, request.role, "archived",
                         remote=contact_from_qbo(entity, answer, prefix))


def archive(client: QboClient, requests: Sequence[ArchiveRequest]) -> list[RecordOutcome]:
    """Archive each record in turn; one outcome per request."""
    return [archive_one(client, request) for request in requests]
