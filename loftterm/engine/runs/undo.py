"""``loftterm undo RUN_ID``: revert a run (or one profile of it) from its journal.

Each journal entry (``engine/runs/journal.py``) becomes a compensating action, newest first:

=============== ==========================================================================
entry           compensation
=============== ==========================================================================
update          push the remote fields the mirror held before (and the link's baseline)
create          archive / make inactive the record (ledgers cannot delete contacts)
archive         re-activate it (Xero ContactStatus ACTIVE, QBO Active true, SortScape restore)
link            drop the run's link, put the previous one back
import          drop the link; remove the imported profile unless it was edited since
unlink          put the link back (a merge made remotely stays: merges are never automated)
update-local    put the profile's previous values back unless they were edited since
remove-profile  put the profile back
document        nothing: a document posted to a ledger stays (void or credit it there)
=============== ==========================================================================

A remote record changed since the run (its version moved) is not overwritten: that action is
skipped with the reason.  The undo is a run of its own, journalled, in the history; entries it
reverted are marked so a second undo skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.connector import ArchiveRequest, PushRequest, RecordOutcome
from loftterm.engine.pipeline.pull import pull_phase
from loftterm.engine.pipeline.pushing import call_push, intent_key
from loftterm.engine.runs import journal
from loftterm.engine.runs.openrun import OpenRun, Target, open_run, record_run
from loftterm.errors import LofttermError, UsageError
from loftterm.models import ContactFields, Link, Profile

REMOTE = ("restore-fields", "reactivate", "archive-created")


@dataclass
class UndoAction:
    """One compensating action (or a label for what cannot be undone)."""

    seq: int
    connector: str
    action: str
    profile_id: str
    name: str
    remote_id: str
    description: str
    undoable: bool = True
    status: str = "planned"  # planned, done, skipped, failed, cannot-undo
    reason: str = ""
    entry: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready row."""
        data = {k: v for k, v in self.__dict__.items() if k != "entry"}
        return data


@dataclass
class UndoReport:
    """What ``loftterm undo`` did (or, with ``--dry-run``, would do)."""

    run_id: str
    connector: str
    dry_run: bool
    actions: list[UndoAction]
    undo_run_id: str = ""
    error: str = ""
    exit_code: int = 0

    @property
    def cannot_undo(self) -> list[UndoAction]:
        """The labels: what stays as the run left it."""
        return [a for a in self.actions if not a.undoable]

    def counts(self) -> dict[str, int]:
        """Actions per status."""
        found: dict[str, int] = {}
        for action in self.actions:
            found[action.status] = found.get(action.status, 0) + 1
        return found

    def to_json(self) -> dict[str, Any]:
        """Return the ``undo --json`` document."""
        data: dict[str, Any] = {
            "run": self.run_id,
            "connector": self.connector,
            "dry_run": self.dry_run,
            "undo_run": self.undo_run_id,
            "counts": self.counts(),
            "actions": [a.to_json() for a in self.actions if a.undoable],
            "cannot_undo": [a.to_json() for a in self.cannot_undo],
        }
        if self.error:
            data["error"] = self.error
        return data


# ----------------------------------------------------------------------------- deciding


def _values(fields: Mapping[str, Any], names: Sequence[str]) -> str:
    shown = []
    for name in names:
        value = fields.get(name, "")
        if isinstance(value, Mapping):
            value = ", ".join(str(v) for v in value.values() if v)
        shown.append(f"{name} {str(value)!r}")
    return "; ".join(shown)


def actions_for(entry: Mapping[str, Any], title: str, kind: str) -> list[UndoAction]:
    """The compensating actions (and labels) for one journal entry.

    :param title: the connector's product name ("Xero").
    :param kind: ``ledger`` or ``field``.
    """
    seq, action = int(entry.get("seq") or 0), str(entry.get("action") or "")
    pid, rid = str(entry.get("profile_id") or ""), str(entry.get("remote_id") or "")
    conn, name = str(entry.get("connector") or ""), str(entry.get("name") or "")
    before: Mapping[str, Any] = entry.get("before") or {}
    after: Mapping[str, Any] = entry.get("after") or {}

    def make(what: str, text: str, undoable: bool = True) -> UndoAction:
        status = "planned" if undoable else "cannot-undo"
        return UndoAction(seq, conn, what, pid, name, rid, text, undoable, status, "", dict(entry))

    record = f"{title} {entry.get('role') or 'record'} {rid}"
    if action == "update":
        changed = [str(n) for n in entry.get("changed") or []]
        if not before.get("fields"):
            return [make("restore-fields", f"{record}: the values before the run are unknown",
                         False)]
        text = f"{record}: put back {_values(before['fields'], changed)}"
        if after.get("status") and before.get("status") != after.get("status"):
            text += f"; status {before.get('status')}"
        return [make("restore-fields", text)]
    if action == "create":
        deletes = "ledgers cannot delete contacts" if kind == "ledger" else f"{title} archives"
        return [make("archive-created", f"{record} was created by the run: archive it ({deletes}"
                     "; it stays, archived)")]
    if action == "archive":
        return [make("reactivate", f"{record}: make it active again")]
    if action in ("link", "import"):
        old = journal.link_from(before.get("link"))
        text = f"unlink {record}" + (f"; link {old.remote_id} again" if old else "")
        found = [make("restore-link", text)]
        if action == "import":
            found.append(make("remove-profile", f"remove profile {pid}, imported from {title} "
                                                "by the run (kept if edited since)"))
        return found
    if action == "unlink":
        found = [make("restore-link", f"link {record} again")]
        if entry.get("merged_to"):
            found.append(make("merge", f"{title} merged {rid} into {entry['merged_to']}: the "
                                       "merge stays (merges are never automated; undo it in "
                                       f"{title} if it was wrong)", False))
        return found
    if action == "update-local":
        changed = [str(n) for n in entry.get("changed") or []]
        return [make("restore-local", f"profile {pid}: put back "
                                      f"{_values(before.get('fields') or {}, changed)}")]
    if action == "remove-profile":
        return [make("restore-profile", f"put profile {pid} back")]
    if action == "document":
        ref = f"{entry.get('kind') or 'document'} {entry.get('reference') or ''}".strip()
        return [make("document", f"{ref} posted to {title} stays: documents in a ledger are "
                                 f"never removed by loftterm (void or credit it in {title})",
                     False)]
    return [make(action, f"{action}: loftterm does not know how to undo it", False)]


def plan_undo(
    book: Book, run_id: str, titles: Mapping[str, tuple[str, str]], profile_id: str = ""
) -> tuple[str, list[UndoAction]]:
    """Return the run's connector and its compensating actions, newest entry first.

    :param titles: connector name -> (product title, kind).
    :raises UsageError: for an unknown run, a dry run or a run without a journal.
    """
    run = next((r for r in book.runs if r.get("id") == run_id), None)
    doc = journal.journal_of(book, run_id)
    if doc is not None and doc.get("dry_run"):
        doc = None
    posted = _posted_documents(run, profile_id)
    if doc is None and not posted:
        if run is None:
            raise UsageError(f"no run {run_id!r} in the history (`loftterm runs` lists them)")
        raise UsageError(
            f"run {run_id} has no undo journal: it wrote nothing, or ran before loftterm kept one"
        )
    connector = str((doc or run or {}).get("connector") or "")
    title, kind = titles.get(connector, (connector, "ledger"))
    entries = [
        e for e in (doc or {}).get("entries") or []
        if not profile_id or e.get("profile_id") == profile_id
    ]
    if profile_id and not entries and not posted:
        raise UsageError(f"run {run_id} changed nothing of profile {profile_id}")
    found: list[UndoAction] = []
    for entry in sorted(entries, key=lambda e: int(e.get("seq") or 0), reverse=True):
        for action in actions_for(entry, title, kind):
            if entry.get("undone_by") and action.undoable:
                action.status = "skipped"
                action.reason = f"already undone by run {entry['undone_by']}"
            found.append(action)
    journalled = {(e.get("profile_id"), e.get("remote_id")) for e in entries
                  if e.get("action") == "document"}
    for outcome in posted:
        if (outcome.get("profile_id"), outcome.get("remote_id")) in journalled:
            continue
        what = str(outcome.get("action") or "post document").removeprefix("post ")
        entry = {"connector": connector, "action": "document", "kind": what,
                 "profile_id": outcome.get("profile_id"), "name": outcome.get("name"),
                 "remote_id": outcome.get("remote_id"),
                 "reference": str(outcome.get("reason") or "").split(" to ")[0]}
        found.extend(actions_for(entry, title, kind))
    return connector, found


def _posted_documents(run: Mapping[str, Any] | None, profile_id: str) -> list[dict[str, Any]]:
    """A batch run's posted documents, from its history (they are labelled, never undone)."""
    if run is None:
        return []
    return [
        dict(o) for o in run.get("outcomes") or []
        if str(o.get("action") or "").startswith("post ") and o.get("status") == "posted"
        and (not profile_id or o.get("profile_id") == profile_id)
    ]


# ----------------------------------------------------------------------------- doing


class Undoer:
    """Carries out the compensating actions in one run of the connector."""

    def __init__(self, run: OpenRun, undo_of: str) -> None:
        self.run = run
        self.rs = run.rs
        self.book = run.rs.book
        self.undo_of = undo_of

    def moved(self, action: UndoAction) -> str:
        """Why a remote record must not be touched: it changed since the run ('' when not)."""
        entry = action.entry
        record = self.book.remote_record(self.rs.name, str(entry.get("role") or ""),
                                         action.remote_id)
        title = self.rs.title()
        if record is None:
            return f"{action.remote_id} is no longer in {title}"
        after = str(entry.get("version_after") or "")
        if after and record.version != after:
            return (f"changed in {title} since the run (version {after} is now "
                    f"{record.version}): not overwritten")
        return ""

    def remote(self, actions: Sequence[UndoAction]) -> None:
        """Restore fields and re-activate (one push), then archive what the run created."""
        rs, book = self.rs, self.book
        pushes: dict[tuple[str, str], tuple[PushRequest, list[UndoAction]]] = {}
        archives: list[tuple[ArchiveRequest, UndoAction]] = []
        for action in actions:
            reason = self.moved(action)
            if reason:
                action.status, action.reason = "skipped", reason
                continue
            entry = action.entry
            role = str(entry.get("role") or "")
            record = book.remote_record(rs.name, role, action.remote_id)
            assert record is not None  # moved() made sure
            if action.action == "archive-created":
                if record.status != "active":
                    action.status, action.reason = "done", "already archived"
                    continue
                archives.append((ArchiveRequest(action.profile_id, role, action.remote_id,
                                                f"undo of run {self.undo_of}: created by it"),
                                 action))
                continue
            key = (action.profile_id, role)
            held = pushes.get(key)
            fields = record.fields.to_dict()
            changed: set[str] = set(held[0].changed) if held else set()
            status = held[0].status if held else ""
            if action.action == "restore-fields":
                before = entry.get("before") or {}
                names = [str(n) for n in entry.get("changed") or []]
                base = held[0].contact.to_dict() if held else fields
                fields = {**base, **{n: before["fields"][n] for n in names}}
                changed.update(names)
                if entry.get("after", {}).get("status") and before.get("status"):
                    status = "active" if before["status"] == "active" else "archived"
            else:  # reactivate
                fields = held[0].contact.to_dict() if held else fields
                status = "active"
            request = PushRequest(
                "update", action.profile_id, role, ContactFields.from_dict(fields),
                frozenset(changed), action.remote_id, record.version,
                intent_key(rs, "undo", self.undo_of, role, action.remote_id, record.version),
                status,
            )
            pushes[key] = (request, [*(held[1] if held else []), action])
        if pushes:
            outcomes = call_push(rs, [request for request, _ in pushes.values()])
            for outcome in outcomes:
                _, done = pushes[(outcome.profile_id, outcome.role)]
                self.settle(done, outcome, "updated")
        if archives:
            requests = [request for request, _ in archives]
            answer: list[RecordOutcome] = list(
                rs.hooks.call("loftterm_connector_archive", ctx=rs.ctx, requests=requests) or []
            )
            journal.record_archives(rs, requests, answer)
            by_key = {(r.profile_id, r.role): a for r, a in archives}
            for outcome in answer:
                if (outcome.profile_id, outcome.role) in by_key:
                    self.settle([by_key[(outcome.profile_id, outcome.role)]], outcome, "archived")
        for action in actions:
            if action.status == "planned":
                action.status, action.reason = "failed", "the connector gave no outcome"

    def settle(self, actions: Sequence[UndoAction], outcome: RecordOutcome, ok: str) -> None:
        """Record a compensating write's outcome in the mirror, the link and the actions."""
        rs, book = self.rs, self.book
        if outcome.status != ok:
            for action in actions:
                action.status, action.reason = "failed", outcome.reason or outcome.status
                rs.counts["failed"] += 1
            return
        if outcome.remote is not None:
            book.put_remote(rs.name, [outcome.remote])
        for action in actions:
            if ok == "archived" and outcome.remote is None:
                record = book.remote_record(rs.name, outcome.role, action.remote_id)
                if record is not None:
                    record.status = "archived"
                    book.touch_remote(rs.name, [record.key])
            if action.action == "reactivate" and outcome.remote is not None:
                if outcome.remote.status != "active":
                    action.status = "failed"
                    action.reason = f"{rs.title()} did not re-activate it (no way to, via its API)"
                    continue
            link = book.link_of(action.profile_id, rs.name, outcome.role)
            baseline = (action.entry.get("before") or {}).get("baseline")
            if action.action == "restore-fields" and link is not None and baseline is not None:
                link.baseline = dict(baseline)
                book.touch_link(link)
            action.status = "done"
            rs.counts["archived" if ok == "archived" else "updated_remote"] += 1
            rs.outcome(action.profile_id, "undo", ok, action.remote_id, action.description)

    def local(self, action: UndoAction) -> None:
        """Put a link, a profile or a profile's values back as they were before the run."""
        rs, book = self.rs, self.book
        entry = action.entry
        pid, role = action.profile_id, str(entry.get("role") or "")
        before = entry.get("before") or {}
        if action.action == "restore-link":
            self.restore_link(action, pid, role, journal.link_from(before.get("link")))
        elif action.action == "remove-profile":
            self.remove_profile(action, book.profiles.get(pid))
        elif action.action == "restore-profile":
            if pid in book.profiles:
                action.status, action.reason = "skipped", f"a profile {pid} exists again"
                return
            restored = Profile.from_dict(before.get("profile") or {"id": pid})
            book.put_profile(restored)
            journal.add_entry(rs, "import", pid, "", reason=f"undo of run {self.undo_of}",
                              after={"fingerprint": journal.fingerprint(restored)})
            action.status = "done"
        elif action.action == "restore-local":
            self.restore_local(action, book.profiles.get(pid))
        if action.status == "done":
            rs.outcome(pid, "undo", "done", action.remote_id, action.description)

    def restore_link(self, action: UndoAction, pid: str, role: str, old: Link | None) -> None:
        """Drop the run's link (when it is still the one the run made) and put the old one back."""
        rs, book = self.rs, self.book
        current = book.link_of(pid, rs.name, role)
        made = action.entry.get("action") != "unlink"
        if made and current is not None and current.remote_id != action.remote_id:
            action.status = "skipped"
            action.reason = f"relinked to {current.remote_id} since the run: left alone"
            return
        if made and current is not None:
            journal.record_link_change(rs, pid, role, current, None, f"undo of run {self.undo_of}")
            book.drop_link(pid, rs.name, role)
            current = None
        if old is not None:
            holder = book.linked_profile(rs.name, role, old.remote_id)
            if current is not None and current.remote_id != old.remote_id:
                action.status, action.reason = "skipped", f"linked to {current.remote_id} now"
                return
            if holder and holder != pid:
                action.status, action.reason = "skipped", f"{old.remote_id} is linked to {holder} now"
                return
            if current is None:
                journal.record_link_change(rs, pid, role, None, old, f"undo of run {self.undo_of}")
                book.put_link(old)
        rs.counts["linked"] += 1
        action.status = "done"

    def remove_profile(self, action: UndoAction, profile: Profile | None) -> None:
        """Remove a profile the run imported, unless it was edited or linked elsewhere since."""
        book = self.book
        if profile is None:
            action.status, action.reason = "done", "already gone"
            return
        want = str((action.entry.get("after") or {}).get("fingerprint") or "")
        if want and journal.fingerprint(profile) != want:
            action.status, action.reason = "skipped", "edited since the import: kept"
            return
        links = [key for key in book.links if key[0] == profile.id]
        if links:
            action.status = "skipped"
            action.reason = f"linked to {', '.join(k[1] for k in links)} now: kept"
            return
        journal.record_profile_removal(self.rs, profile, f"undo of run {self.undo_of}")
        book.drop_profile(profile.id)
        action.status = "done"

    def restore_local(self, action: UndoAction, profile: Profile | None) -> None:
        """Put back the profile values the run copied from the remote record."""
        if profile is None:
            action.status, action.reason = "skipped", "the profile is gone"
            return
        entry = action.entry
        names = [str(n) for n in entry.get("changed") or []]
        before = (entry.get("before") or {}).get("fields") or {}
        after = (entry.get("after") or {}).get("fields") or {}
        here = profile.fields.to_dict()
        edited = [n for n in names if here.get(n) != after.get(n)]
        if edited:
            action.status = "skipped"
            action.reason = f"{', '.join(edited)} edited since the run: kept"
            return
        journal.add_entry(self.rs, "update-local", profile.id, str(entry.get("role") or ""),
                          action.remote_id, changed=names, before={"fields": {n: here[n] for n in names}},
                          after={"fields": {n: before.get(n) for n in names}})
        profile.fields = ContactFields.from_dict({**here, **{n: before.get(n) for n in names}})
        self.book.touch_profile(profile)
        action.status = "done"


def undo_run(
    book: Book,
    targets: Mapping[str, Target],
    run_id: str,
    profile_id: str = "",
    dry_run: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> UndoReport:
    """Revert a run (or one profile of it); with ``dry_run`` only list the actions.

    ``book`` must be held for writing by the caller unless ``dry_run``.
    """
    titles = {name: (t.hooks.info.title, str(t.hooks.info.kind)) for name, t in targets.items()}
    connector, actions = plan_undo(book, run_id, titles, profile_id)
    report = UndoReport(run_id, connector, dry_run, actions)
    if dry_run:
        return report
    todo = [a for a in actions if a.undoable and a.status == "planned"]
    if not todo:
        return report
    if connector not in targets:
        raise UsageError(f"run {run_id} was a {connector} run; {connector} is not enabled")
    with open_run(book, targets[connector], sleep) as run:
        undoer = Undoer(run, run_id)
        error: LofttermError | None = None
        try:
            remote = [a for a in todo if a.action in REMOTE]
            if remote:
                pull_phase(run.rs)
                undoer.remote(remote)
            for action in todo:
                if action.action not in REMOTE:
                    undoer.local(action)
        except LofttermError as exc:
            error = exc
            report.error, report.exit_code = str(exc), exc.exit_code
            for action in todo:
                if action.status == "planned":
                    action.status, action.reason = "failed", f"stopped: {exc}"
        failed = {a.seq for a in todo if a.status != "done"}
        done = {a.seq for a in todo if a.seq not in failed}
        journal.mark_undone(book, run_id, done, run.rs.run_id)
        run.rs.notes.append(f"undo of run {run_id}" + (f" (profile {profile_id})" if profile_id else ""))
        record_run(run, error, kind="undo", undo_of=run_id)
        report.undo_run_id = run.rs.run_id
    return report
