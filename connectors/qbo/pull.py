"""Pulling Customers, Vendors and Employees: full paged pulls and Change Data Capture.

A full pull pages each entity with ``Active IN (true, false)`` (inactive names still block a
DisplayName).  An incremental pull is one CDC call when ``since`` is under 30 days old; a
saturated CDC answer (1000 objects) is not a safe checkpoint, so the changed records are paged
instead with ``MetaData.LastUpdatedTime >= since``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from loftterm.api import Balance, PullPage, PullRequest, RemoteContact

from .client import QboClient, to_utc_iso
from .mapping import ENTITY_BY_ROLE, contact_from_qbo, finite
from .query import ANY_ACTIVE, MAX_RESULTS, count, in_, select

ENTITIES = ("Customer", "Vendor", "Employee")
CDC_LOOKBACK = timedelta(days=30)
CDC_CAP = 1000


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cdc_usable(since: str, now: datetime | None = None) -> bool:
    """Return True when ``since`` is a parseable time less than 30 days ago (and not ahead)."""
    stamp = to_utc_iso(since)
    if not stamp:
        return False
    moment = datetime.fromisoformat(stamp)
    now = now or datetime.now(UTC)
    return now - CDC_LOOKBACK < moment <= now + timedelta(minutes=5)


def _contacts(entity: str, rows: list[dict[str, Any]], prefix: str) -> list[RemoteContact]:
    return [contact_from_qbo(entity, row, prefix) for row in rows if row.get("status") != "Deleted"]


def full_pull(
    client: QboClient, resume: Mapping[str, Any] | None = None, watermark: str = "",
    since: str = "",
) -> Iterator[PullPage]:
    """Page through every Customer, Vendor and Employee, active or not (or those changed since).

    :param client: the run's client.
    :param resume: a cursor ``{"entity", "start", "watermark", "total", "since"}`` to continue
        from.
    :param watermark: the time of an earlier first call of this pull (CDC fallback).
    :param since: only the records whose ``MetaData.LastUpdatedTime`` is at or after this UTC
        time (a saturated CDC answer: the pages are then not a full listing).
    """
    size = client.settings.page_size
    prefix = client.settings.customer_prefix
    resume = resume or {}
    entity = str(resume.get("entity") or ENTITIES[0])
    index = ENTITIES.index(entity) if entity in ENTITIES else 0
    start = max(1, int(resume.get("start") or 1))
    watermark = str(resume.get("watermark") or watermark)
    since = str(resume.get("since") or since)
    conditions = (ANY_ACTIVE, f"MetaData.LastUpdatedTime >= '{since}'") if since else (ANY_ACTIVE,)
    total_raw = resume.get("total")
    total: int | None = int(total_raw) if total_raw is not None else None
    while True:
        entity = ENTITIES[index]
        rows = client.rows(select(entity).where(*conditions).page(start, size), entity)
        watermark = watermark or client.last_time or _now_iso()
        if total is None and start == 1 and index == 0 and len(rows) >= size:
            total = sum(client.count(count(e).where(*conditions)) for e in ENTITIES)
        if len(rows) >= size:
            start += size
        else:
            index += 1
            start = 1
        done = index >= len(ENTITIES)
        cursor = {} if done else {"entity": ENTITIES[index], "start": start,
                                  "watermark": watermark, "total": total, "since": since}
        yield PullPage(
            contacts=_contacts(entity, rows, prefix),
            cursor=cursor,
            done=done,
            full=not since,
            watermark=watermark if done else "",
            total=total,
        )
        if done:
            return


def incremental_pull(client: QboClient, since: str) -> Iterator[PullPage]:
    """Pull what changed since a time with one CDC call.

    A saturated answer (1000 objects: a batch of creates echoes back, say) is not a safe
    checkpoint; the changed records are then paged with a ``MetaData.LastUpdatedTime`` query,
    a few calls instead of every page of the company.
    """
    changed_since = to_utc_iso(since)
    found = client.cdc(ENTITIES, changed_since)
    watermark = client.last_time or _now_iso()
    if sum(len(rows) for rows in found.values()) >= CDC_CAP:
        yield from full_pull(client, watermark=watermark, since=changed_since)
        return
    prefix = client.settings.customer_prefix
    contacts = [c for entity in ENTITIES for c in _contacts(entity, found[entity], prefix)]
    yield PullPage(contacts=contacts, cursor={}, done=True, full=False, watermark=watermark,
                   total=len(contacts))


def pull(client: QboClient, request: PullRequest) -> Iterator[PullPage]:
    """Choose the pull: resume a full one, CDC when ``since`` is recent, else a full one."""
    if request.resume.get("entity"):
        return full_pull(client, request.resume)
    if request.since and cdc_usable(request.since):
        return incremental_pull(client, request.since)
    return full_pull(client)


BALANCE_IDS_PER_QUERY = 500
"""Ids per ``Id IN (...)``: at most 1000 rows come back, and the statement stays short."""


def balance_queries(wanted: int, mirrored: int) -> tuple[str, int]:
    """The cheaper way to read ``wanted`` balances: ``("ids", n)`` or ``("pages", n)`` queries."""
    by_ids = -(-wanted // BALANCE_IDS_PER_QUERY)
    by_pages = max(1, -(-mirrored // MAX_RESULTS))
    return ("pages", by_pages) if by_pages < by_ids else ("ids", by_ids)


def balances(
    client: QboClient, role: str, remote_ids: Sequence[str], mirrored: int = 0
) -> dict[str, Balance]:
    """Read ``Balance`` of some Vendors or Customers with ``SELECT Id, Balance, CurrencyRef``.

    ``WHERE Id IN (...)`` 500 ids a query, or every record of the role 1000 a page when that
    takes fewer queries; active and inactive alike; nothing else is fetched.
    """
    entity = ENTITY_BY_ROLE[role]
    ordered = list(dict.fromkeys(remote_ids))
    wanted = set(ordered)
    base = select(entity, "Id", "Balance", "CurrencyRef")
    way, _count = balance_queries(len(ordered), mirrored)
    found: dict[str, Balance] = {}
    if way == "pages":
        start = 1
        while True:
            rows = client.rows(base.where(ANY_ACTIVE).page(start, MAX_RESULTS), entity)
            _keep(rows, role, wanted, found)
            if len(rows) < MAX_RESULTS:
                return found
            start += MAX_RESULTS
    for first in range(0, len(ordered), BALANCE_IDS_PER_QUERY):
        chunk = ordered[first:first + BALANCE_IDS_PER_QUERY]
        statement = base.where(in_("Id", chunk), ANY_ACTIVE).page(1, MAX_RESULTS)
        _keep(client.rows(statement, entity), role, wanted, found)
    return found


def _keep(
    rows: Sequence[Mapping[str, Any]], role: str, wanted: set[str], found: dict[str, Balance]
) -> None:
    for row in rows:
        remote_id = str(row.get("Id") or "")
        if remote_id not in wanted:
            continue
        amount = finite(row.get("Balance"))
        currency = row.get("CurrencyRef")
        found[remote_id] = Balance(
            ar=amount if role == "customer" else Decimal("0"),
            ap=amount if role == "vendor" else Decimal("0"),
            currency=str(currency.get("value") or "") if isinstance(currency, dict) else "",
        )
