"""Apply: a plan carried out exactly, record by record, as a run that can be undone.

``loftterm apply FILE`` (:func:`apply_plan`) pulls each connector afresh and walks the items in
order, making no new decision: an item whose remote record moved (another version) or whose
profile changed locally since the plan is skipped with the reason; the others are applied
through the same engine functions a sync uses, so the run is journalled and can be undone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ArchiveRequest, PushRequest, RecordOutcome
from loftterm.engine import planner
from loftterm.engine.pipeline.linking import make_link
from loftterm.engine.pipeline.pull import pull_phase
from loftterm.engine.pipeline.pushing import call_push, intent_key, name_holders, remote_name
from loftterm.engine.runs import journal
from loftterm.engine.runs.openrun import Target, open_run, record_run
from loftterm.engine.runs.plan import Plan, PlanConnector
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import LofttermError, TenantMismatchError, UsageError
from loftterm.models import ContactFields, LinkMethod, Profile, RemoteContact, comparable

REMOTE_WRITES = ("create", "update", "archive")


@dataclass
class ItemResult:
    """What apply did with one plan item."""

    item: str
    connector: str
    action: str
    profile_id: str
    name: str
    remote_id: str
    status: str  # applied, skipped, failed
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        """Return the JSON-ready row."""
        return dict(self.__dict__)


@dataclass
class ApplyReport:
    """The result of ``loftterm apply``: one row per plan item, and the runs it made."""

    plan_id: str
    items: list[ItemResult] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        """True when no connector stopped with an error."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        """Items per status."""
        found = Counter(r.status for r in self.items)
        return {s: found[s] for s in ("applied", "skipped", "failed")}

    def to_json(self) -> dict[str, Any]:
        """Return the ``apply --json`` document."""
        data: dict[str, Any] = {
            "ok": self.ok,
            "plan": self.plan_id,
            "runs": self.runs,
            "counts": self.counts(),
            "items": [r.to_json() for r in self.items],
        }
        if self.errors:
            data["errors"] = self.errors
        return data


def check_plan(book: Book, plan: Plan, targets: Mapping[str, Target]) -> None:
    """Refuse a plan made for another book, another organisation or a connector not enabled."""
    book_id = str(book.meta.get("book_id") or "")
    if plan.book_id != book_id:
        raise UsageError(
            f"this plan was made for another book ({plan.book or 'unknown'}, id "
            f"{plan.book_id or '?'}); this book is {book.path} (id {book_id}): make a new plan"
        )
    for name, part in plan.connectors.items():
        if name not in targets:
            raise UsageError(f"the plan writes to {name}, which is not enabled in the config")
        pinned = str(book.connector_meta(name).get("tenant_id") or "")
        if part.tenant_id and pinned and part.tenant_id != pinned:
            raise TenantMismatchError(
                f"this plan was made against {part.title} organisation {part.tenant_name or ''} "
                f"({part.tenant_id}); the book is pinned to {pinned}: make a new plan"
            )


def apply_plan(
    book: Book,
    targets: Mapping[str, Target],
    plan: Plan,
    sleep: Callable[[float], None] | None = None,
) -> ApplyReport:
    """Carry out a plan on ``book`` (held for writing by the caller); see the module docstring."""
    check_plan(book, plan, targets)
    report = ApplyReport(plan.id)
    prints = {pid: journal.fingerprint(p) for pid, p in book.profiles.items()}
    for name, part in plan.connectors.items():
        mine = [item for item in plan.items if item["connector"] == name]
        with open_run(book, targets[name], sleep) as run:
            applier = Applier(run.rs, part, prints, report)
            error: LofttermError | None = None
            try:
                applier.run(mine)
            except LofttermError as exc:
                error = exc
                done = {r.item for r in report.items}
                for item in mine:
                    if item["id"] not in done:
                        applier.result(item, "failed", f"not applied: {exc}")
                report.errors[name] = str(exc)
                report.exit_code = max(report.exit_code, exc.exit_code)
            run.rs.notes.append(f"applied plan {plan.id}")
            record_run(run, error, kind="apply", plan_id=plan.id)
            report.runs[name] = run.rs.run_id
    return report


class Applier:
    """Walks one connector's items: checks each against the fresh pull, applies or skips it."""

    def __init__(
        self,
        rs: RunState,
        part: PlanConnector,
        prints: Mapping[str, str],
        report: ApplyReport,
    ) -> None:
        self.rs = rs
        self.book = rs.book
        self.part = part
        self.prints = prints
        self.report = report
        self.pending: list[tuple[dict[str, Any], PushRequest | ArchiveRequest]] = []
        self.touched: set[tuple[str, str]] = set()
        # records this apply wrote: mirror key -> (version before, version after)
        self.own: dict[str, tuple[str, str]] = {}

    # -- bookkeeping
    def result(self, item: Mapping[str, Any], status: str, reason: str = "") -> None:
        """Record one item's result (and the run's outcome row)."""
        pid = str(item["profile_id"])
        profile = self.book.profiles.get(pid)
        name = profile.name if profile else str(item.get("name") or pid)
        remote_id = str(item.get("remote_id") or "")
        self.report.items.append(
            ItemResult(str(item["id"]), self.rs.name, str(item["action"]), pid, name, remote_id,
                       status, reason)
        )
        if status != "applied":
            self.rs.outcome(pid, str(item["action"]), status, remote_id, reason)
            if status == "failed":
                self.rs.counts["failed"] += 1

    # -- the walk
    def run(self, items: Sequence[dict[str, Any]]) -> None:
        """Pull, refuse another organisation, then apply or skip each item in order."""
        rs = self.rs
        pull_phase(rs)
        reached = str(rs.ctx.state.get("tenant_id") or "")
        if self.part.tenant_id and reached and reached != self.part.tenant_id:
            raise TenantMismatchError(
                f"{rs.name}: the config reaches organisation {reached}, but the plan was made "
                f"against {self.part.tenant_name} ({self.part.tenant_id}): nothing applied"
            )
        for item in items:
            action = str(item["action"])
            if self.pending and self.pending[0][0]["action"] != action:
                self.flush()
            reason = self.check(item)
            if not reason:
                reason = self.queue(item) if action in REMOTE_WRITES else self.local(item)
            if reason:
                self.result(item, "skipped", reason)
        self.flush()
        self.agree()

    def check(self, item: Mapping[str, Any]) -> str:
        """Why an item must be skipped: its profile or its remote record moved ('' when not)."""
        action = str(item["action"])
        pid = str(item["profile_id"])
        if action == "document":
            return "documents are posted by the batch command, not by `loftterm apply`"
        want = str(item.get("profile_fingerprint") or "")
        if want:
            have = self.prints.get(pid, "")
            if not have:
                return f"profile {pid} is no longer in the book"
            if have != want:
                return f"profile {pid} changed locally since the plan"
        elif action != "import" and pid not in self.book.profiles:
            return f"profile {pid} is not in the book (the plan's import of it was skipped)"
        if action in ("create", "unlink") or not item.get("remote_id"):
            return ""
        record = self.record(item)
        title = self.rs.title()
        if record is None:
            return f"{title} {item.get('role')} {item['remote_id']} is no longer in {title}"
        version, updated = str(item.get("version") or ""), str(item.get("updated") or "")
        mine = self.own.get(record.key)
        if mine is not None and mine[0] in (version, updated) and mine[1] == record.version:
            return ""  # moved by this apply's own earlier write
        if version and record.version != version:
            return f"changed in {title} since the plan (version {version} is now {record.version})"
        if not version and updated and record.updated != updated:
            return f"changed in {title} since the plan (updated {record.updated})"
        return ""

    def record(self, item: Mapping[str, Any]) -> RemoteContact | None:
        """The item's remote record as the fresh pull left it in the mirror."""
        return self.book.remote_record(
            self.rs.name, str(item.get("role") or ""), str(item.get("remote_id") or "")
        )

    # -- local items: links, imports, unlinks, pulled values
    def local(self, item: Mapping[str, Any]) -> str:
        """Apply a link, import, unlink or update-local item; return why not ('' when done)."""
        rs, book = self.rs, self.book
        action, pid = str(item["action"]), str(item["profile_id"])
        role, rid = str(item.get("role") or ""), str(item.get("remote_id") or "")
        current = book.link_of(pid, rs.name, role)
        if action == "unlink":
            if current is None or current.remote_id != rid:
                return "the link changed since the plan"
            journal.record_unlink(rs, current, str(item.get("reason") or ""),
                                  str(item.get("merged_to") or ""))
            book.drop_link(pid, rs.name, role)
            self.result(item, "applied")
            return ""
        record = self.record(item)
        if record is None:
            return f"{rid} is not in the mirror"
        if action == "update-local":
            if current is None or current.remote_id != rid:
                return f"{pid} is no longer linked to {rid}"
            self.pull_values(item, record)
            return ""
        holder = book.linked_profile(rs.name, role, rid)
        if holder:
            return f"{rid} is now linked to {holder}"
        if action == "import":
            if record.email and book.profiles_with_email(record.email):
                return "a profile with that email exists now"
            new_id = pid if pid not in book.profiles else book.new_profile_id()
            profile = Profile(id=new_id, kind=planner.kind_for(record), fields=record.fields,
                              origin=rs.name, updated_at=now_iso())
            book.put_profile(profile)
            make_link(rs, profile, record, LinkMethod.IMPORTED, 1.0, baseline=True)
            rs.counts["created_local"] += 1
            rs.outcome(new_id, "import", "created", rid, f"new from {rs.title()} (plan)")
            self.result(item, "applied", "" if new_id == pid else f"imported as {new_id}")
            return ""
        if current is not None:
            return f"{pid} is now linked to {current.remote_id}"
        method = str(item.get("method") or LinkMethod.MANUAL)
        make_link(rs, book.profile(pid), record, method, float(item.get("score") or 1.0))
        rs.counts["linked"] += 1
        rs.outcome(pid, "link", "linked", rid, f"{method} match (plan)")
        self.result(item, "applied")
        return ""

    def pull_values(self, item: Mapping[str, Any], record: RemoteContact) -> None:
        """Copy the planned remote values into the profile (an update-local item)."""
        rs = self.rs
        profile = self.book.profile(str(item["profile_id"]))
        names = [str(n) for n in item.get("changed") or []]
        journal.record_local_update(rs, profile, record, names)
        there = record.fields.to_dict()
        profile.fields = ContactFields.from_dict(
            {**profile.fields.to_dict(), **{n: there[n] for n in names}}
        )
        profile.updated_at = now_iso()
        self.book.touch_profile(profile)
        self.touched.add((profile.id, record.role))
        rs.counts["updated_local"] += 1
        rs.outcome(profile.id, "update-local", "updated", record.remote_id,
                   f"{', '.join(names)} changed in {rs.title()} (plan)")
        self.result(item, "applied")

    # -- remote writes, batched like a sync
    def queue(self, item: dict[str, Any]) -> str:
        """Check an item's preconditions and queue its remote write; return why not."""
        rs, book = self.rs, self.book
        action, pid = str(item["action"]), str(item["profile_id"])
        role, rid = str(item.get("role") or ""), str(item.get("remote_id") or "")
        profile = book.profile(pid)
        link = book.link_of(pid, rs.name, role)
        request: PushRequest | ArchiveRequest
        if action == "create":
            if link is not None:
                return f"{pid} is linked to {link.remote_id} now"
            display = remote_name(rs, role, profile.name)
            held = name_holders(rs).get(planner.display_key(display), [])
            if held:
                return f"name {display!r} is used by {rs.title()} {held[0].remote_id} now"
            request = PushRequest("create", pid, role, profile.fields,
                                  idempotency_key=intent_key(rs, role, pid, "create"))
        elif action == "update":
            record = self.record(item)
            if link is None or link.remote_id != rid or record is None:
                return f"{pid} is no longer linked to {rid}"
            changed = frozenset(str(n) for n in item.get("changed") or [])
            values = "|".join(f"{k}={comparable(profile.fields)[k]}" for k in sorted(changed))
            request = PushRequest(
                "update", pid, role, profile.fields, changed, rid, record.version,
                intent_key(rs, role, pid, rid, record.version, values),
            )
        else:
            record = self.record(item)
            if record is None or record.status != "active":
                return f"{rid} is not active any more"
            request = ArchiveRequest(pid, role, rid, str(item.get("reason") or ""))
        self.pending.append((item, request))
        return ""

    def flush(self) -> None:
        """Send the queued writes of one kind and record each item's result."""
        if not self.pending:
            return
        queued, self.pending = self.pending, []
        rs = self.rs
        by_key = {(r.profile_id, r.role): item for item, r in queued}
        if isinstance(queued[0][1], ArchiveRequest):
            archives = [r for _, r in queued if isinstance(r, ArchiveRequest)]
            answer: list[RecordOutcome] = list(
                rs.hooks.call("loftterm_connector_archive", ctx=rs.ctx, requests=archives) or []
            )
            journal.record_archives(rs, archives, answer)
        else:
            answer = call_push(rs, [r for _, r in queued if isinstance(r, PushRequest)])
        for outcome in answer:
            item = by_key.pop((outcome.profile_id, outcome.role), None)
            if item is not None:
                self.settle(item, outcome)
        for item in by_key.values():
            self.result(item, "failed", "the connector gave no outcome")

    def settle(self, item: Mapping[str, Any], outcome: RecordOutcome) -> None:
        """Bring the book in line with one write's outcome (as the sync phases do)."""
        rs, book = self.rs, self.book
        action, pid = str(item["action"]), str(item["profile_id"])
        ok = {"create": "created", "update": "updated", "archive": "archived"}[action]
        if outcome.status == "deferred":  # pending jobs or open issues: retried by syncs
            self.result(item, "skipped", f"not archived yet: {outcome.reason}")
            return
        if outcome.status != ok:
            self.result(item, "failed", outcome.reason or outcome.status)
            return
        remote_id = outcome.remote.remote_id if outcome.remote else str(item.get("remote_id"))
        before = book.remote_record(rs.name, outcome.role, remote_id)
        if outcome.remote is not None:
            if before is not None:
                self.own[outcome.remote.key] = (before.version, outcome.remote.version)
            book.put_remote(rs.name, [outcome.remote])
        if action == "create" and outcome.remote is not None:
            make_link(rs, book.profile(pid), outcome.remote, LinkMethod.CREATED, 1.0)
            rs.counts["created_remote"] += 1
        elif action == "update":
            rs.counts["updated_remote"] += 1
        else:
            if outcome.remote is None and before is not None:
                before.status = "archived"
                book.touch_remote(rs.name, [before.key])
            rs.counts["archived"] += 1
        self.touched.add((pid, outcome.role))
        rs.outcome(pid, action, ok, remote_id, "from the plan")
        self.result(item, "applied", f"created {remote_id}" if action == "create" else "")

    def agree(self) -> None:
        """Links whose two sides now agree take the agreed values as their baseline."""
        rs, book = self.rs, self.book
        for pid, role in self.touched:
            link = book.link_of(pid, rs.name, role)
            profile = book.profiles.get(pid)
            remote = book.remote_record(rs.name, role, link.remote_id) if link else None
            if link is None or profile is None or remote is None:
                continue
            fields = rs.info.fields_for(role)
            if not planner.diff_link(profile, remote, link, fields):
                values = comparable(profile.fields)
                link.baseline = {k: values[k] for k in fields}
                book.touch_link(link)
