"""The archive phase: connectors that archive (SortScape) follow ledger contacts that went inactive.

A record that cannot be archived yet (pending jobs, open issues) is deferred with a warning and
tried again on every sync until it can be.  Archiving in the field-service app alone never touches
the ledger.
"""

from __future__ import annotations

from loftterm.book import Book
from loftterm.connector import ArchiveRequest, ConnectorInfo
from loftterm.engine.runs import journal
from loftterm.engine.runs.runstate import RunState
from loftterm.models import Link


def archive_candidates_in(book: Book, info: ConnectorInfo) -> list[ArchiveRequest]:
    """Active records of this connector whose profile's ledger contact is archived or inactive."""
    if not info.archives:
        return []
    # Issue 8: the other connectors' links grouped by profile once (in book order, so the same
    # ledger is found first), instead of scanning every link of the book for each link: O(n^2).
    others: dict[str, list[tuple[str, str, Link]]] = {}
    for (pid, conn, role), other in book.links.items():
        if conn != info.name:
            others.setdefault(pid, []).append((conn, role, other))
    requests = []
    for link in book.links_of_connector(info.name):
        mine = book.remote_record(info.name, link.role, link.remote_id)
        if mine is None or mine.status != "active":
            continue
        for conn, role, other in others.get(link.profile_id, ()):
            ledger = book.remote_record(conn, role, other.remote_id)
            if ledger is not None and ledger.status != "active":
                requests.append(
                    ArchiveRequest(
                        link.profile_id,
                        link.role,
                        link.remote_id,
                        f"{conn} contact {ledger.name} is {ledger.status}",
                    )
                )
                break
    return requests


def archive_phase(rs: RunState) -> None:
    """Archive what must follow the ledger; defer (with a warning) what may not be archived yet."""
    requests = archive_candidates_in(rs.book, rs.info)
    if not requests:
        return
    rs.emit("archive", 0, len(requests), f"archiving {len(requests)} records in {rs.title()}")
    journal.plan_archives(rs, requests)  # a dry run's plan (engine/runs/plan.py); no-op otherwise
    if rs.dry_run:
        for request in requests:
            rs.counts["archived"] += 1
            rs.outcome(request.profile_id, "archive", "planned", request.remote_id, request.reason)
        return
    answer = rs.hooks.call("loftterm_connector_archive", ctx=rs.ctx, requests=requests) or []
    journal.record_archives(rs, requests, answer)  # undo journal (before the mirror changes)
    for outcome in answer:
        if outcome.status == "archived":
            if outcome.remote is not None:
                rs.book.put_remote(rs.name, [outcome.remote])
            else:
                record = rs.book.remote_record(
                    rs.name, outcome.role, _remote_id(requests, outcome.profile_id)
                )
                if record is not None:
                    record.status = "archived"
                    rs.book.touch_remote(rs.name, [record.key])
            rs.counts["archived"] += 1
            rs.outcome(outcome.profile_id, "archive", "archived", "", "")
        elif outcome.status == "deferred":
            rs.warn(
                "archive-deferred",
                outcome.profile_id,
                f"not archived in {rs.title()} yet: {outcome.reason}; retried on every sync",
            )
            rs.outcome(outcome.profile_id, "archive", "deferred", "", outcome.reason)
        else:
            rs.counts["failed"] += 1
            rs.warn(
                "push-failed",
                outcome.profile_id,
                f"archive in {rs.title()} failed: {outcome.reason}",
            )
            rs.outcome(outcome.profile_id, "archive", "failed", "", outcome.reason)
    rs.emit("archive", len(answer), len(requests), f"archived {rs.counts['archived']}")


def _remote_id(requests: list[ArchiveRequest], profile_id: str) -> str:
    return next((r.remote_id for r in requests if r.profile_id == profile_id), "")
