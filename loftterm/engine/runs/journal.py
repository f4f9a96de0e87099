"""The undo journal: every remote write and link change a run makes, with the values before it.

The pipeline calls the ``record_*`` functions at each write (creates, updates, archives through
the connector; links, unlinks, imports and pulled field changes in the book).  A real run's
entries go to ``book.journal[run_id]`` and are saved with the book; ``loftterm undo`` reads them
to build compensating writes.  A dry run records the same entries in its
throwaway book: they are what ``--plan-out`` writes (``engine/runs/planning.py``).  Entries are kept
small (empty values left out): a first sync that imports 100,000 records journals 100,000
imports.

One journal document per run::

    {"run_id": "3f2a1b9c0d", "connector": "xero", "started": "...", "dry_run": false,
     "version": 1, "entries": [ENTRY, ...]}

An entry (empty keys are left out)::

    {"seq": 3, "action": "update", "connector": "xero", "profile_id": "P002", "role": "contact",
     "remote_id": "1968...", "name": "Tom Baker",
     "version": "<remote version it was computed against>", "updated": "<when not the same>",
     "version_after": "<remote version after the write>",
     "changed": ["name"], "before": {...}, "after": {...}}

``action`` is one of :data:`ACTIONS`.  ``before`` holds what the write replaced: the remote
fields (update, from the mirror), the remote status (archive), the previous link (link, import,
unlink) or the profile's fields (update-local).  ``after`` holds what it wrote: the values sent,
the created record's id, the new link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from loftterm.book import Book, journal_parts
from loftterm.book.book import now_iso
from loftterm.connector import ArchiveRequest, PushRequest, RecordOutcome
from loftterm.engine.runs.runstate import RunState
from loftterm.models import Link, Profile, RemoteContact, compact

JOURNAL_VERSION = 1
MAX_JOURNALS = 200  # as many as the run history keeps (book.MAX_RUNS)
ACTIONS = (
    "link", "unlink", "import", "create", "update", "update-local", "archive", "document",
    "remove-profile",
)  # fmt: skip


def fingerprint(profile: Profile | None) -> str:
    """A short digest of what a sync decides from: kind, fields, payee, sync switches, archived.

    Balances and ``updated_at`` are left out: a sync refreshes them without anyone editing.
    """
    if profile is None:
        return ""
    data = {
        "kind": profile.kind,
        "fields": profile.fields.to_dict(),
        "payable_to": profile.payable_to,
        "sync_disabled": sorted(profile.sync_disabled),
        "archived": profile.archived,
    }
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- storage


def journal_of(book: Book, run_id: str) -> dict[str, Any] | None:
    """Return one run's journal document, or None."""
    return book.journal.get(run_id)


def entries_of(book: Book, run_id: str) -> list[dict[str, Any]]:
    """Return one run's entries in the order they were made (empty when none)."""
    doc = book.journal.get(run_id)
    return list(doc.get("entries") or []) if doc else []


def _document(book: Book, run_id: str, connector: str, dry_run: bool) -> dict[str, Any]:
    # Every run id is made for its run (a uuid), so one not started on this book is new: the
    # other runs' documents are not read to add it (a quiet run at 100k read ~70 MB of them).
    doc = journal_parts.started(book, run_id)
    if doc is None:
        doc = {
            "run_id": run_id,
            "connector": connector,
            "started": now_iso(),
            "dry_run": dry_run,
            "version": JOURNAL_VERSION,
            "entries": [],
        }
        journal_parts.start(book, run_id, doc, keep=MAX_JOURNALS)
    return doc


def add_book_entry(book: Book, run_id: str, connector: str, dry_run: bool, action: str,
                   profile_id: str, role: str, remote_id: str = "",
                   **data: Any) -> dict[str, Any]:
    """Append one entry to a run's journal in ``book`` and return it (nothing without a run id)."""
    if not run_id:
        return {}
    entries: list[dict[str, Any]] = _document(book, run_id, connector, dry_run)["entries"]
    book.touch_document("journal", run_id)
    profile = book.profiles.get(profile_id)
    name = str(data.pop("name", "") or "")
    entry = compact(
        {
            "seq": len(entries) + 1,
            "action": action,
            "connector": connector,
            "profile_id": profile_id,
            "role": role,
            "remote_id": remote_id,
            "name": profile.name if profile else name,
        }
    )
    if data.get("updated") == data.get("version"):
        data.pop("updated", None)  # Xero's version is its UpdatedDateUTC: keep entries small
    entry.update({k: v for k, v in data.items() if v not in ("", None, [], {})})
    entries.append(entry)
    return entry


def add_entry(rs: RunState, action: str, profile_id: str, role: str, remote_id: str = "",
              **data: Any) -> dict[str, Any]:
    """Append one entry to the journal of the run ``rs`` and return it."""
    return add_book_entry(rs.book, rs.run_id, rs.name, rs.dry_run, action, profile_id, role,
                          remote_id, **data)


def _versions(record: RemoteContact | None) -> dict[str, str]:
    if record is None:
        return {}
    return {"version": record.version, "updated": record.updated}


# ----------------------------------------------------------------------------- links


def record_link(rs: RunState, profile_id: str, record: RemoteContact, method: str,
                score: float) -> None:
    """Journal a link the run is about to make (call before ``put_link``): the previous link."""
    previous = rs.book.link_of(profile_id, rs.name, record.role)
    imported = method == "imported"
    add_entry(
        rs,
        "import" if imported else "link",
        profile_id,
        record.role,
        record.remote_id,
        name=record.name,
        method=str(method),
        score=float(score),
        before={"link": previous.to_dict()} if previous is not None else {},
        after={"fingerprint": fingerprint(rs.book.profiles.get(profile_id))} if imported else {},
        **_versions(record),
    )


def record_unlink(rs: RunState, link: Link, reason: str = "", merged_to: str = "") -> None:
    """Journal a link the run is about to drop (call before ``drop_link``).

    :param merged_to: the surviving record when the link follows a merge made remotely (the
        merge itself is never undone: ``loftterm undo`` says so).
    """
    add_entry(rs, "unlink", link.profile_id, link.role, link.remote_id,
              before={"link": link.to_dict()}, reason=reason, merged_to=merged_to)


def record_link_change(rs: RunState, profile_id: str, role: str, old: Link | None,
                       new: Link | None, reason: str = "") -> None:
    """Journal a link put back (``new``) or taken away (``new`` None) outside the sync phases."""
    if new is not None:
        add_entry(rs, "link", profile_id, role, new.remote_id, method=str(new.method),
                  score=float(new.score), before={"link": old.to_dict()} if old is not None else {},
                  reason=reason)
    elif old is not None:
        add_entry(rs, "unlink", profile_id, role, old.remote_id,
                  before={"link": old.to_dict()}, reason=reason)


def record_profile_removal(rs: RunState, profile: Profile, reason: str = "") -> None:
    """Journal a profile about to be removed from the book (an import being undone)."""
    add_entry(rs, "remove-profile", profile.id, "", before={"profile": profile.to_dict()},
              reason=reason)


def record_local_update(rs: RunState, profile: Profile, remote: RemoteContact,
                        pulled: Iterable[str], values: Mapping[str, Any] | None = None) -> None:
    """Journal remote values about to be copied into a profile (call before the change).

    :param values: the profile fields as they will be, when they are not the remote record's
        own (a company-named link's remote name becomes the company).
    """
    names = sorted(pulled)
    there = dict(values) if values is not None else remote.fields.to_dict()
    here = profile.fields.to_dict()
    add_entry(
        rs,
        "update-local",
        profile.id,
        remote.role,
        remote.remote_id,
        changed=names,
        before={"fields": {n: here[n] for n in names}},
        after={"fields": {n: there[n] for n in names}},
        **_versions(remote),
    )


# ----------------------------------------------------------------------------- remote writes


def _push_entry(rs: RunState, request: PushRequest, outcome: RecordOutcome | None) -> None:
    after: dict[str, Any] = {"fields": request.contact.to_dict()}
    if request.status:
        after["status"] = request.status
    if request.action == "create":
        remote_id = outcome.remote.remote_id if outcome and outcome.remote else ""
        add_entry(rs, "create", request.profile_id, request.role, remote_id, after=after,
                  version_after=outcome.remote.version if outcome and outcome.remote else "")
        return
    record = rs.book.remote_record(rs.name, request.role, request.remote_id)
    link = rs.book.link_of(request.profile_id, rs.name, request.role)
    before: dict[str, Any] = {}
    if record is not None:
        before = {"fields": record.fields.to_dict(), "status": record.status}
    if link is not None and link.remote_id == request.remote_id:
        before["baseline"] = dict(link.baseline)
    add_entry(
        rs,
        "update",
        request.profile_id,
        request.role,
        request.remote_id,
        changed=sorted(request.changed),
        before=before,
        after=after,
        version=record.version if record else request.version,
        updated=record.updated if record else "",
        version_after=outcome.remote.version if outcome and outcome.remote else "",
    )


def plan_pushes(rs: RunState, requests: Sequence[PushRequest]) -> None:
    """In a dry run, journal the creates and updates the run would send (no-op otherwise)."""
    if rs.dry_run:
        for request in requests:
            _push_entry(rs, request, None)


def record_pushes(rs: RunState, requests: Sequence[PushRequest],
                  outcomes: Sequence[RecordOutcome]) -> None:
    """Journal the creates and updates the connector carried out (call before the mirror changes).

    The mirror still holds each record as it was, so an update's ``before`` is the remote value
    it replaced.  Failed and skipped requests are not journalled: nothing changed remotely.
    """
    by_key = {(r.profile_id, r.role): r for r in requests}
    for outcome in outcomes:
        request = by_key.get((outcome.profile_id, outcome.role))
        if request is not None and outcome.status in ("created", "updated"):
            _push_entry(rs, request, outcome)


def _archive_entry(rs: RunState, request: ArchiveRequest, outcome: RecordOutcome | None) -> None:
    record = rs.book.remote_record(rs.name, request.role, request.remote_id)
    add_entry(
        rs,
        "archive",
        request.profile_id,
        request.role,
        request.remote_id,
        reason=request.reason,
        before={"status": record.status if record else "active"},
        after={"status": "archived"},
        version_after=outcome.remote.version if outcome and outcome.remote else "",
        **_versions(record),
    )


def plan_archives(rs: RunState, requests: Sequence[ArchiveRequest]) -> None:
    """In a dry run, journal the archives the run would ask for (no-op otherwise)."""
    if rs.dry_run:
        for request in requests:
            _archive_entry(rs, request, None)


def record_archives(rs: RunState, requests: Sequence[ArchiveRequest],
                    outcomes: Sequence[RecordOutcome]) -> None:
    """Journal the archives the connector carried out (deferred and failed ones changed nothing)."""
    by_key = {(r.profile_id, r.role): r for r in requests}
    for outcome in outcomes:
        request = by_key.get((outcome.profile_id, outcome.role))
        if request is not None and outcome.status == "archived":
            _archive_entry(rs, request, outcome)


def record_document(book: Book, run_id: str, connector: str, profile_id: str, role: str,
                    contact_id: str, kind: str, reference: str, document_id: str = "",
                    idempotency_key: str = "", dry_run: bool = False) -> None:
    """Journal a document posted to a ledger (bill, credit note, invoice): never undone.

    For the batch module: call it with the batch run's id for each posted document (in a dry
    run, for each one it would post).  ``loftterm undo`` labels them "cannot be undone".
    """
    add_book_entry(book, run_id, connector, dry_run, "document", profile_id, role, contact_id,
                   kind=kind, reference=reference,
                   after={"document_id": document_id, "idempotency_key": idempotency_key})


def mark_undone(book: Book, run_id: str, seqs: Iterable[int], undo_run_id: str) -> None:
    """Remember which entries an undo run reverted, so a second undo skips them."""
    wanted = set(seqs)
    for entry in (book.journal.get(run_id) or {}).get("entries") or []:
        if entry.get("seq") in wanted:
            entry["undone_by"] = undo_run_id
            book.touch_document("journal", run_id)


def link_from(data: Mapping[str, Any] | None) -> Link | None:
    """Rebuild a journalled link."""
    return Link.from_dict(data) if data else None
