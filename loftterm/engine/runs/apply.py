"""Plan and apply: a dry run written down, then carried out exactly, record by record.

``loftterm --sync --dry-run --plan-out FILE`` runs the pipeline on a throwaway copy of the book;
the undo journal (``engine/runs/journal.py``) records every create, update, link, unlink, import,
archive (and document) it would make, each with the remote record's version it was computed
against.  :func:`build_plan` turns those entries into a :class:`Plan`, adding a fingerprint of
each profile as it was, and an estimate of the API calls.

``loftterm apply FILE`` (:func:`apply_plan`) pulls each connector afresh and walks the items in
order, making no new decision: an item whose remote record moved (another version) or whose
profile changed locally since the plan is skipped with the reason; the others are applied
through the same engine functions a sync uses, so the run is journalled and can be undone.

The file (JSON, or YAML when it ends in ``.yaml``/``.yml``)::

    {"format": "loftterm-plan", "version": 1, "id": "...", "created": "...",
     "book_id": "...", "book": "/path/book.json",
     "connectors": {"xero": {"title": "Xero", "tenant_id": "...", "tenant_name": "...",
                             "counts": {...}, "estimate": {"pull": 1, "create": 1, ...},
                             "unplanned": []}},
     "items": [{"id": "0001", "connector": "xero", "action": "update", "profile_id": "P002",
                "role": "contact", "remote_id": "...", "name": "Tom Baker",
                "version": "...", "updated": "...", "profile_fingerprint": "...",
                "changed": ["name"], "before": {...}, "after": {...}}]}
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ArchiveRequest, PushRequest, RecordOutcome, TokenStoreProtocol
from loftterm.engine import planner
from loftterm.engine.context import build_context, close_context
from loftterm.engine.pipeline.linking import make_link
from loftterm.engine.pipeline.pull import pull_phase
from loftterm.engine.pipeline.pushing import call_push, intent_key, name_holders, remote_name
from loftterm.engine.pipeline.sync import MAX_OUTCOMES_KEPT, RunResult
from loftterm.engine.runs import journal
from loftterm.engine.runs.runstate import COUNT_KEYS, RunState
from loftterm.errors import LofttermError, TenantMismatchError, UsageError
from loftterm.models import ContactFields, LinkMethod, Profile, RemoteContact, comparable
from loftterm.plugins import ConnectorHooks

PLAN_FORMAT = "loftterm-plan"
PLAN_VERSION = 1
REMOTE_WRITES = ("create", "update", "archive")
ITEM_KEYS = (
    "connector", "action", "profile_id", "role", "remote_id", "name", "method", "score",
    "version", "updated", "changed", "reason", "merged_to", "before", "after", "kind",
    "reference",
)  # fmt: skip


# ----------------------------------------------------------------------------- the plan


@dataclass
class PlanConnector:
    """One connector's part of a plan: the organisation it was made against, counts, estimate."""

    name: str
    title: str = ""
    tenant_id: str = ""
    tenant_name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    estimate: dict[str, int] = field(default_factory=dict)
    unplanned: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready section."""
        data = dict(self.__dict__)
        data.pop("name")
        return data


@dataclass
class Plan:
    """What a sync would do, item by item, with the versions it was computed against."""

    id: str
    created: str
    book_id: str
    book: str
    connectors: dict[str, PlanConnector]
    items: list[dict[str, Any]]
    lines: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items per action."""
        return dict(Counter(str(item["action"]) for item in self.items))

    def estimated_calls(self) -> int:
        """The API calls applying the plan should take (reads and writes, every connector)."""
        return sum(c.estimate.get("total", 0) for c in self.connectors.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the versioned document written to the plan file."""
        return {
            "format": PLAN_FORMAT,
            "version": PLAN_VERSION,
            "id": self.id,
            "created": self.created,
            "book_id": self.book_id,
            "book": self.book,
            "connectors": {name: c.to_dict() for name, c in self.connectors.items()},
            "items": self.items,
            "lines": self.lines,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "the plan") -> Plan:
        """Read a plan document; refuse another format or a newer version."""
        if not isinstance(data, Mapping) or data.get("format") != PLAN_FORMAT:
            raise UsageError(f"{where}: not a loftterm plan (no \"format: {PLAN_FORMAT}\")")
        version = int(data.get("version") or 0)
        if version > PLAN_VERSION or version < 1:
            raise UsageError(
                f"{where}: plan version {version}; this loftterm reads version {PLAN_VERSION}"
            )
        try:
            connectors = {
                str(name): PlanConnector(
                    str(name),
                    str(c.get("title") or name),
                    str(c.get("tenant_id") or ""),
                    str(c.get("tenant_name") or ""),
                    {str(k): int(v) for k, v in (c.get("counts") or {}).items()},
                    {str(k): int(v) for k, v in (c.get("estimate") or {}).items()},
                    [str(x) for x in c.get("unplanned") or []],
                )
                for name, c in (data.get("connectors") or {}).items()
            }
            items = [dict(item) for item in data.get("items") or []]
            for item in items:
                for key in ("id", "connector", "action", "profile_id"):
                    if not isinstance(item.get(key), str) or not item[key]:
                        raise ValueError(f"an item without {key}")
                if item["connector"] not in connectors:
                    raise ValueError(f"item {item['id']}: connector {item['connector']} unknown")
        except (AttributeError, TypeError, ValueError) as exc:
            raise UsageError(f"{where}: malformed plan ({exc})") from exc
        return cls(
            str(data.get("id") or ""),
            str(data.get("created") or ""),
            str(data.get("book_id") or ""),
            str(data.get("book") or ""),
            connectors,
            items,
            [str(x) for x in data.get("lines") or []],
        )


def write_plan(plan: Plan, path: Path) -> None:
    """Write a plan as YAML (``.yaml``/``.yml``) or JSON (anything else)."""
    data = json.loads(json.dumps(plan.to_dict(), default=str))  # plain types only
    if path.suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def read_plan(path: Path) -> Plan:
    """Read a plan file (JSON or YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)  # YAML reads JSON too
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not JSON or YAML ({exc})") from exc
    return Plan.from_dict(data, str(path))


# ----------------------------------------------------------------------------- making one


@dataclass
class Target:
    """One enabled connector as plan, apply and undo need it."""

    name: str
    hooks: ConnectorHooks
    settings: Mapping[str, Any]
    tokens: TokenStoreProtocol


@dataclass
class DryRun:
    """One connector's dry run for a plan: its result and the pull pages it read."""

    target: Target
    result: RunResult
    pull_pages: int = 0


def estimate(target: Target, items: Sequence[Mapping[str, Any]], dry: DryRun) -> dict[str, int]:
    """Estimate the API calls applying a connector's items takes.

    Reads: what the dry run's pull took (the fresh pull before applying reads the same pages).
    Writes: creates and updates in batches of the connector's ``batch_size`` (one call per record
    when it has none), archives likewise, documents one per record.
    """
    size = max(1, int(target.settings.get("batch_size") or 1))
    by_action = Counter(str(item["action"]) for item in items)
    calls = {
        "pull": max(dry.pull_pages, 1),
        "reads": int(dry.result.counts.get("api_calls", 0)),
        "create": math.ceil(by_action["create"] / size),
        "update": math.ceil(by_action["update"] / size),
        "archive": math.ceil(by_action["archive"] / size),
        "documents": by_action["document"],
    }
    calls["total"] = (
        max(calls["reads"], calls["pull"])
        + calls["create"] + calls["update"] + calls["archive"] + calls["documents"]
    )  # fmt: skip
    return calls


def _item(n: int, entry: Mapping[str, Any], real: Book) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"{n:04d}"}
    item.update({k: entry[k] for k in ITEM_KEYS if k in entry})
    if entry.get("action") != "import":
        item["profile_fingerprint"] = journal.fingerprint(real.profiles.get(str(entry["profile_id"])))
    return item


_OUTCOME_ACTIONS = {"create", "update", "link", "import", "archive", "update-local"}


def _unplanned(dry: DryRun, items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Outcomes of the dry run no item stands for (the plan cannot apply them: a sync does)."""
    covered = Counter((str(i["profile_id"]), str(i["action"])) for i in items)
    left: list[str] = []
    for outcome in dry.result.outcomes:
        if outcome.action not in _OUTCOME_ACTIONS or outcome.status == "failed":
            continue
        key = (outcome.profile_id, outcome.action)
        if covered[key] > 0:
            covered[key] -= 1
            continue
        left.append(
            f"{dry.target.name}: {outcome.action} {outcome.name} ({outcome.profile_id}) is not "
            "in the plan: `loftterm apply` leaves it to the next sync"
        )
    return left


def summary_lines(plan: Plan) -> list[str]:
    """Per connector: organisation, items per action and the API calls; then its notes."""
    out: list[str] = []
    for name, part in plan.connectors.items():
        mine = Counter(str(i["action"]) for i in plan.items if i["connector"] == name)
        by_action = ", ".join(f"{action} {n}" for action, n in sorted(mine.items()))
        calls = part.estimate
        out.append(
            f"{part.title or name} ({part.tenant_name or name}): {by_action or 'nothing to do'}; "
            f"about {calls.get('total', 0)} API calls (pull {calls.get('pull', 0)}, create "
            f"{calls.get('create', 0)}, update {calls.get('update', 0)}, archive "
            f"{calls.get('archive', 0)})"
        )
        out.extend(f"note: {line}" for line in part.unplanned)
    return out


def build_plan(real: Book, dry_book: Book, runs: Sequence[DryRun]) -> Plan:
    """Turn dry runs (over ``dry_book``, a throwaway copy of ``real``) into a plan."""
    items: list[dict[str, Any]] = []
    connectors: dict[str, PlanConnector] = {}
    lines: list[str] = []
    for dry in runs:
        if dry.result.error is not None:
            raise dry.result.error
        name = dry.target.name
        mine = [
            _item(len(items) + n, entry, real)
            for n, entry in enumerate(journal.entries_of(dry_book, dry.result.run_id), start=1)
        ]
        meta = dry_book.connector_meta(name)
        connectors[name] = PlanConnector(
            name,
            dry.target.hooks.info.title,
            str(meta.get("tenant_id") or ""),
            str(meta.get("tenant_name") or ""),
            {k: v for k, v in dry.result.counts.items()},
            estimate(dry.target, mine, dry),
            _unplanned(dry, mine),
        )
        items.extend(mine)
        lines.extend(dry.result.plan)
    return Plan(
        uuid.uuid4().hex[:12],
        now_iso(),
        str(real.meta.get("book_id") or ""),
        str(real.path),
        connectors,
        items,
        lines,
    )


# ----------------------------------------------------------------------------- runs outside sync


@dataclass
class OpenRun:
    """A run of one connector that is not a sync (apply, undo): its state and call counter."""

    rs: RunState
    calls: Callable[[], int]
    started: str


@contextmanager
def open_run(book: Book, target: Target, sleep: Callable[[float], None] | None) -> Iterator[OpenRun]:
    """A real (writing) run of one connector with its own run id, closed afterwards."""
    meta = book.connector_meta(target.name)
    ctx, stats = build_context(
        target.name,
        target.settings,
        target.tokens,
        pinned_tenant=str(meta.get("tenant_id") or ""),
        sleep=sleep,
    )
    rs = RunState(
        book, target.hooks, target.hooks.info, target.settings, ctx, run_id=uuid.uuid4().hex[:10]
    )
    try:
        yield OpenRun(rs, lambda: stats.calls, now_iso())
    finally:
        close_context(ctx)


def record_run(run: OpenRun, error: LofttermError | None, **extra: Any) -> None:
    """Add the run to the book's history (as a sync does) and save the book."""
    rs = run.rs
    counts = {key: int(rs.counts.get(key, 0)) for key in COUNT_KEYS}
    counts["api_calls"] = run.calls()
    rs.book.add_run(
        {
            "id": rs.run_id,
            "connector": rs.name,
            "started": run.started,
            "finished": now_iso(),
            "ok": error is None,
            "dry_run": False,
            "counts": counts,
            "api_calls": counts["api_calls"],
            "error": str(error) if error else "",
            "notes": rs.notes,
            "outcomes": [o.__dict__ for o in rs.outcomes[:MAX_OUTCOMES_KEPT]],
            **extra,
        }
    )
    rs.book.save()


# ----------------------------------------------------------------------------- applying


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
