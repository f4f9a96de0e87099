"""An in-memory Console with fixed, realistic data for fast TUI tests and snapshots.

Every link state appears (linked, blank, missing, archived, duplicate, disabled, misplaced),
with warnings, an open SortScape proposal and a run history.  No clocks: every time is a fixed
string.  ``calls`` records the writes so tests can assert on them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from threading import Event

from loftterm.connector import SyncEvent
from loftterm.console import Console, EventCallback
from loftterm.engine.decide.decisions import Decision
from loftterm.engine.decide.explain import Evidence
from loftterm.engine.decide.merge import MergeCandidate, MergeReport
from loftterm.engine.runs.apply import ApplyReport
from loftterm.engine.runs.plan import Plan
from loftterm.errors import LofttermError, UsageError
from loftterm.models import LinkState, Profile
from loftterm.models import Warning as BookWarning
from loftterm.views import (
    BulkReview,
    Candidate,
    ConnectorStatus,
    LinkRow,
    PendingCounter,
    ProfileView,
    Proposal,
    RunSummary,
    SyncReport,
)

from . import fake_data
from .fake_data import ORGS, PHASES, TITLES


class FakeConsole(Console):
    """A Console over fixed in-memory data; thread-safe enough for the sync worker."""

    def __init__(self, *, sync_every_minutes: int = 0, extra_rows: int = 0) -> None:
        self.profiles = fake_data.profiles()
        self.mirror = fake_data.mirror()
        self.rows = fake_data.links()
        self._warnings = fake_data.warnings()
        self._runs = fake_data.runs()
        self._proposals = [fake_data.proposal()]
        self.sync_every_minutes = sync_every_minutes
        self.calls: list[tuple[object, ...]] = []
        self.sync_error: LofttermError | None = None
        self.pause_after = 0
        self.paused = threading.Event()
        self.resume: threading.Event | None = None
        for i in range(extra_rows):
            state = list(LinkState)[i % len(LinkState)]
            self.rows.append(
                LinkRow(f"B-{i:06d}", f"Bulk Person {i:06d}", "contact", "xero", "contact", state)
            )

    def connectors(self) -> list[str]:
        return ["xero", "qbo", "sortscape"]

    def status(self) -> list[ConnectorStatus]:
        out = []
        for name in self.connectors():
            counts = {str(s): 0 for s in LinkState}
            for row in self.rows:
                if row.connector == name:
                    counts[str(row.state)] += 1
            last = next((r for r in self._runs if r.connector == name), None)
            pending = PendingCounter(
                to_pull=412 if name == "xero" else 40,
                to_create_remote=2,
                to_link=1,
                to_update=5 if name == "xero" else 0,
                to_archive=1 if name == "sortscape" else 0,
                reasons=[
                    f"2 agents became payable since the last {TITLES[name]} sync",
                    "5 profiles edited locally (name, email)",
                ][: 1 + (name == "xero")],
            )
            every = 30 if name == "sortscape" else self.sync_every_minutes
            out.append(
                ConnectorStatus(name, TITLES[name], ORGS[name], last, counts, pending, every)
            )
        return out

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        text = text.lower()
        return [
            r
            for r in self.rows
            if (not connector or r.connector == connector)
            and (not state or r.state == state)
            and (not text or text in r.name.lower())
        ]

    def _profile(self, profile_id: str) -> Profile:
        try:
            return self.profiles[profile_id]
        except KeyError:
            raise UsageError(f"profile {profile_id}: not in the book") from None

    def profile(self, profile_id: str) -> ProfileView:
        p = self._profile(profile_id)
        payable = self.profiles[p.payable_to].name if p.payable_to else ""
        rules = ["Email matches link first; otherwise names match at 60% trigram similarity."]
        if payable:
            rules.insert(
                0,
                f"{p.name} is paid to {payable}: bills and credit notes post to "
                f"{payable}, whose Linked contact must be set; {p.name}'s must be blank.",
            )
        return ProfileView(
            p,
            payable,
            [r for r in self.rows if r.profile_id == profile_id],
            [w for w in self._warnings if w.profile_id == profile_id],
            rules,
        )

    def search_remote(
        self, connector: str, query: str, role: str = "", limit: int = 20
    ) -> list[Candidate]:
        q = query.lower().strip()
        out = []
        for rc in self.mirror.get(connector, []):
            if role and rc.role != role:
                continue
            by_email = bool(q) and q == rc.email.lower()
            score = 1.0 if by_email else _similar(q, rc.name.lower())
            if q and score < 0.2:
                continue
            linked = next(
                (
                    r.profile_id
                    for r in self.rows
                    if r.connector == connector
                    and r.role == rc.role
                    and r.remote_id == rc.remote_id
                    and r.state == LinkState.LINKED
                ),
                "",
            )
            out.append(Candidate(rc, score, by_email, linked))
        out.sort(key=lambda c: (not c.by_email, -c.score, c.remote.name))
        return out[:limit]

    def _replace(self, profile_id: str, connector: str, role: str, **changes: object) -> LinkRow:
        for i, row in enumerate(self.rows):
            if (
                row.profile_id == profile_id
                and row.connector == connector
                and (not role or row.role == role)
            ):
                self.rows[i] = dataclasses.replace(row, **changes)  # type: ignore[arg-type]
                return self.rows[i]
        raise UsageError(f"{profile_id}: no {connector} link")

    def link(self, profile_id: str, connector: str, remote_id: str, role: str = "") -> LinkRow:
        self.calls.append(("link", profile_id, connector, remote_id, role))
        rc = next(r for r in self.mirror[connector] if r.remote_id == remote_id)
        row = self._replace(
            profile_id,
            connector,
            role,
            state=LinkState.LINKED,
            remote_id=remote_id,
            remote_name=rc.name,
            remote_email=rc.email,
            remote_status=rc.status,
            method="manual",
            score=1.0,
            explanation="",
            candidates=(),
        )
        self._follow_organization(profile_id, connector)
        return row

    def unlink(self, profile_id: str, connector: str, role: str = "") -> LinkRow:
        self.calls.append(("unlink", profile_id, connector, role))
        self._replace(
            profile_id,
            connector,
            role,
            state=LinkState.BLANK,
            remote_id="",
            remote_name="",
            remote_email="",
            remote_status="",
            method="",
            score=0.0,
            explanation="",
            candidates=(),
        )
        self._follow_organization(profile_id, connector)
        return next(
            r
            for r in self.rows
            if (r.profile_id, r.connector) == (profile_id, connector) and (not role or r.role == role)
        )

    def _follow_organization(self, profile_id: str, connector: str) -> None:
        """The engine's rule: a blank payee is misplaced while its organization has no link."""
        for payee in self.profiles.values():
            org = payee.payable_to
            if not org or (payee.id != profile_id and org != profile_id):
                continue
            org_linked = any(
                r.profile_id == org and r.connector == connector and r.remote_id for r in self.rows
            )
            for i, row in enumerate(self.rows):
                if row.profile_id == payee.id and row.connector == connector and not row.remote_id:
                    state = LinkState.BLANK if org_linked else LinkState.MISPLACED
                    self.rows[i] = dataclasses.replace(row, state=state)

    def set_sync_enabled(self, profile_id: str, connector: str, enabled: bool) -> LinkRow:
        self.calls.append(("set_sync_enabled", profile_id, connector, enabled))
        p = self._profile(profile_id)
        if enabled:
            p.sync_disabled = [c for c in p.sync_disabled if c != connector]
        elif connector not in p.sync_disabled:
            p.sync_disabled.append(connector)
        state = LinkState.LINKED if enabled else LinkState.DISABLED
        return self._replace(profile_id, connector, "", state=state)

    def warnings(self, include_resolved: bool = False) -> list[BookWarning]:
        return [w for w in self._warnings if include_resolved or not w.resolved]

    def runs(self, limit: int = 50) -> list[RunSummary]:
        return self._runs[:limit]

    def proposals(self, include_closed: bool = False) -> list[Proposal]:
        return [p for p in self._proposals if include_closed or p.status == "open"]

    def decide_proposal(
        self, proposal_id: str, accept: bool, take: dict[str, str] | None = None
    ) -> Proposal:
        self.calls.append(("decide_proposal", proposal_id, accept, dict(take or {})))
        prop = next(p for p in self._proposals if p.id == proposal_id)
        prop.status = "accepted" if accept else "rejected"
        if accept:
            self.link(prop.profile_id, prop.connector, prop.remote_id)
        return prop

    def override_hold(self, proposal_id: str, kind: str) -> Proposal:
        self.calls.append(("override_hold", proposal_id, kind))
        prop = next(p for p in self._proposals if p.id == proposal_id)
        prop.status = f"{kind}d anyway"
        return prop

    def bulk_review(self, rule: BulkReview, apply: bool = False) -> list[Proposal]:
        self.calls.append(("bulk_review", rule, apply))
        chosen = [p for p in self._proposals if p.status == "open" and rule.action in p.holds
                  and p.score < rule.below]
        for prop in chosen if apply else []:
            prop.status = f"{rule.action}d anyway"
        return chosen

    def sync(
        self,
        connector: str = "",
        dry_run: bool = False,
        on_event: Callable[[SyncEvent], None] | None = None,
        cancel: Event | None = None,
    ) -> SyncReport:
        self.calls.append(("sync", connector))
        emit = on_event or (lambda e: None)
        done: dict[str, dict[str, int]] = {}
        emitted = 0
        for name in [connector] if connector else self.connectors():
            for phase in PHASES:
                total = 4
                for i in range(total + 1):
                    if cancel is not None and cancel.is_set():
                        return SyncReport(False, dry_run, done, {name: "cancelled"}, exit_code=3)
                    emit(SyncEvent(name, phase, i, total, f"{phase} {i}/{total}"))
                    emitted += 1
                    if emitted == self.pause_after and self.resume is not None:
                        self.paused.set()
                        self.resume.wait(10)
                if self.sync_error is not None:
                    raise self.sync_error
            emit(SyncEvent(name, "done", 1, 1, "done"))
            done[name] = {"pulled": 4, "updated": 1}
        return SyncReport(True, dry_run, done)


    # -- issue 9: explain, plan and apply, merge, not the same -----------------------------------

    def explain(self, profile_id: str, connector: str, limit: int = 3) -> list[Evidence]:
        linked = {r.remote_id: r.method for r in self.rows if r.profile_id == profile_id
                  and r.connector == connector and r.remote_id and r.method}
        return fake_data.evidence(self._profile(profile_id), self.mirror.get(connector, []), linked)

    def plan(self, connector: str = "", on_event: EventCallback | None = None) -> Plan:
        self.calls.append(("plan", connector))
        if on_event is not None:
            on_event(SyncEvent(connector or "xero", "pull", 1, 1, "page 1 of 1"))
        return fake_data.plan()

    def apply(self, plan: Plan) -> ApplyReport:
        self.calls.append(("apply", plan.id))
        return fake_data.applied(plan)

    def merge_candidates(self, profile_id: str) -> list[MergeCandidate]:
        self._profile(profile_id)
        return fake_data.merge_candidates(profile_id)

    def merge_profiles(self, survivor: str, other: str, dry_run: bool = False) -> MergeReport:
        if not dry_run:
            self.calls.append(("merge", survivor, other))
        return fake_data.merge_report(survivor, other, dry_run)

    def reject_candidates(self, profile_id: str, connector: str) -> list[Decision]:
        self.calls.append(("reject_candidates", profile_id, connector))
        for w in self._warnings:
            if w.profile_id == profile_id and w.connector == connector and w.kind in (
                    "duplicate", "archived-duplicate"):
                w.resolved = True
        return []


def _similar(a: str, b: str) -> float:
    """Jaccard similarity of trigram sets (the seeds' name rule)."""

    def grams(s: str) -> set[str]:
        return {s[i : i + 3] for i in range(max(len(s) - 2, 1))}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga | gb else 0.0
