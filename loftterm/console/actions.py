"""The headless facade the CLI and the TUI share: read views, take actions, run syncs.

Reads come from the book alone.  Every write takes the book's write lock for as long as it lasts
(a sync, a link, an unlink), so the TUI and a cron ``--sync`` on the same book never write at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

import pluggy

from loftterm.book import Book
from loftterm.book.lock import BookLock
from loftterm.config import Config, ConnectorConfig
from loftterm.connector import ConnectorInfo, SyncEvent, Tenant
from loftterm.engine import baseline as baselines
from loftterm.engine.baseline import conflicted
from loftterm.engine.context import build_context, close_context
from loftterm.engine.decide import decisions as remembered
from loftterm.engine.decide import holds, review
from loftterm.engine.decide import merge as merging
from loftterm.engine.decide import merged as merged_contacts
from loftterm.engine.decide.actions import (
    manual_link,
    profile_rules,
    proposal_from_dict,
    resolve_warnings,
    run_summary,
    search_mirror,
)
from loftterm.engine.decide.explain import Evidence, evidence
from loftterm.engine.decide.pending import pending_counter
from loftterm.engine.decide.states import link_row, link_rows, open_duplicates
from loftterm.engine.pipeline.materials import LedgerAccess
from loftterm.engine.pipeline.sync import RunResult, SyncOptions, run_connector
from loftterm.engine.planner import name_counts, paid_through_organization
from loftterm.engine.runs.plan import (
    ApplyReport,
    DryRun,
    Plan,
    Target,
    apply_plan,
    build_plan,
)
from loftterm.engine.runs.undo import UndoReport, undo_run
from loftterm.errors import RemoteError, UsageError
from loftterm.http.tokens import TokenFile
from loftterm.models import LinkState
from loftterm.models import Warning as BookWarning
from loftterm.plugins import ConnectorHooks
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

if TYPE_CHECKING:
    from loftterm.engine.batch.post import BatchResult, MisplacedFix

EventCallback = Callable[[SyncEvent], None]


class Console:
    """One configured book with its connectors: the interface the TUI is written against."""

    def connectors(self) -> list[str]:
        """Return the enabled connectors' names, in config order."""
        raise NotImplementedError

    def status(self) -> list[ConnectorStatus]:
        """Return each enabled connector's dashboard status (organisation, last run, counts, pending)."""
        raise NotImplementedError

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        """Return the link rows (profile x connector x role), filtered."""
        raise NotImplementedError

    def iter_link_rows(self) -> Iterator[LinkRow]:
        """Yield every link row as it is derived, so a screen can paint the first ones at once."""
        yield from self.link_rows()

    def profile(self, profile_id: str) -> ProfileView:
        """Return one profile with its links, warnings and the rules that apply."""
        raise NotImplementedError

    def search_remote(
        self, connector: str, query: str, role: str = "", limit: int = 20
    ) -> list[Candidate]:
        """Rank the remote mirror for a relink: exact email first, then trigram score."""
        raise NotImplementedError

    def link(self, profile_id: str, connector: str, remote_id: str, role: str = "") -> LinkRow:
        """Link a profile to a remote record by hand (method ``manual``)."""
        raise NotImplementedError

    def unlink(self, profile_id: str, connector: str, role: str = "") -> LinkRow:
        """Clear a profile's link (the seeds' red Unlink button)."""
        raise NotImplementedError

    def set_sync_enabled(self, profile_id: str, connector: str, enabled: bool) -> LinkRow:
        """Turn sync off or on for one profile and connector."""
        raise NotImplementedError

    def warnings(self, include_resolved: bool = False) -> list[BookWarning]:
        """Return the open (or all) warnings, newest first."""
        raise NotImplementedError

    def runs(self, limit: int = 50) -> list[RunSummary]:
        """Return the sync history, newest first."""
        raise NotImplementedError

    def proposals(self, include_closed: bool = False) -> list[Proposal]:
        """Return the link-to-existing-contact reviews."""
        raise NotImplementedError

    def decide_proposal(
        self, proposal_id: str, accept: bool, take: dict[str, str] | None = None
    ) -> Proposal:
        """Accept (link and update both sides with the chosen values) or reject (remember) a review."""
        raise NotImplementedError

    def override_hold(self, proposal_id: str, kind: str) -> Proposal:
        """Create (``kind="create"``) or import (``"import"``) a held record anyway, now."""
        raise NotImplementedError

    def bulk_review(self, rule: BulkReview, apply: bool = False) -> list[Proposal]:
        """The held reviews a bulk action takes; with ``apply``, decide them all, then sync once."""
        raise NotImplementedError

    def sync(
        self,
        connector: str = "",
        dry_run: bool = False,
        on_event: EventCallback | None = None,
        cancel: Event | None = None,
    ) -> SyncReport:
        """Run the sync pipeline for one connector, or every enabled one in config order."""
        raise NotImplementedError

    def explain(self, profile_id: str, connector: str, limit: int = 3) -> list[Evidence]:
        """The evidence for a profile's link (or its best candidates) in one connector."""
        raise NotImplementedError

    def plan(self, connector: str = "", on_event: EventCallback | None = None) -> Plan:
        """Make the plan of a sync (one connector, or every enabled one) without writing."""
        raise NotImplementedError

    def apply(self, plan: Plan) -> ApplyReport:
        """Carry out a plan exactly: skip what moved since, say why."""
        raise NotImplementedError

    def reject_candidates(self, profile_id: str, connector: str) -> list[remembered.Decision]:
        """"None of these is the profile": reject every candidate of its duplicate warnings."""
        raise NotImplementedError

    def reject_pair(
        self, profile_id: str, connector: str, remote_id: str
    ) -> remembered.Decision:
        """"Not the same": a remote record is not this profile; never linked or proposed again."""
        raise NotImplementedError

    def resolve_conflict(
        self, profile_id: str, connector: str, field: str, take: str, role: str = ""
    ) -> str:
        """Pick ``local`` or ``remote`` for a field changed on both sides; sync to write it."""
        raise NotImplementedError

    def merge_candidates(self, profile_id: str) -> list[merging.MergeCandidate]:
        """Local profiles that may be the same person or business as ``profile_id``."""
        raise NotImplementedError

    def merge_profiles(
        self, survivor: str, other: str, dry_run: bool = False
    ) -> merging.MergeReport:
        """Merge ``other`` into ``survivor``; ``unmerge(other)`` reverses it."""
        raise NotImplementedError

    def unmerge(self, other: str) -> merging.MergeReport:
        """Reverse the merge of ``other`` into another profile."""
        raise NotImplementedError


class BookConsole(Console):
    """The console over a real book file, its config and the installed connectors."""

    def __init__(
        self,
        config: Config,
        pm: pluggy.PluginManager,
        *,
        lock_wait_s: float = 3.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.pm = pm
        self.lock_wait_s = lock_wait_s
        self.sleep = sleep
        self.tokens = TokenFile(config.tokens)
        self._book: Book | None = None
        self._stamp: tuple[int, int] | None = None
        self._hooks: dict[str, ConnectorHooks] = {}
        self._pending: dict[str, tuple[tuple[int, int] | None, PendingCounter]] = {}

    # ----------------------------------------------------------------- book access
    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.config.book.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def book(self) -> Book:
        """Return the book, re-read when another process changed the file."""
        stamp = self._file_stamp()
        if self._book is None or stamp != self._stamp:
            self._book = Book.open(self.config.book)
            self._stamp = stamp
        return self._book

    @contextmanager
    def writing(self, purpose: str = "write", *, save: bool = True) -> Iterator[Book]:
        """Hold the write lock, hand out a freshly read book, save it when the block succeeds.

        :param save: False when the block saves by itself (a sync run saves at its end).
        """
        with BookLock(self.config.book, self.lock_wait_s, purpose=purpose):
            # One book in memory (issue 15): the one held is reused when the file is as it was
            # read or saved, else dropped before the file is read again.  While the block
            # changes it, readers get their own copy from the file (it is not theirs to see).
            book = self._book if self._book is not None and self._file_stamp() == self._stamp \
                else None
            self._book = None
            book = book or Book.open(self.config.book)
            try:
                yield book
                if save:
                    book.save()
            except BaseException:
                self._book = None  # the block may have left half a change in memory
                raise
            self._book, self._stamp = book, self._file_stamp()

    def hooks(self, name: str) -> ConnectorHooks:
        """Return one connector's hooks (checked to be installed)."""
        if name not in self._hooks:
            self._hooks[name] = ConnectorHooks(self.pm, name)
        return self._hooks[name]

    def _connector(self, name: str) -> ConnectorConfig:
        conn = self.config.connector(name)
        if not conn.enabled:
            raise UsageError(
                f"connector {name!r} is disabled in {self.config.source or 'the config'}"
            )
        return conn

    def _role(self, name: str, role: str) -> str:
        roles = self.hooks(name).info.roles
        if not role:
            return roles[0]
        if role not in roles:
            raise UsageError(f"{name} has no role {role!r} (roles: {', '.join(roles)})")
        return role

    # ----------------------------------------------------------------- views
    def connectors(self) -> list[str]:
        """Return the enabled connectors' names, in config order."""
        return [c.name for c in self.config.enabled()]

    def pending(self, name: str) -> PendingCounter:
        """Return the pending counter of one connector (cached until the book changes)."""
        stamp = self._file_stamp()
        cached = self._pending.get(name)
        if cached is None or cached[0] != stamp or stamp is None:
            counter = pending_counter(
                self.book(), self.hooks(name).info, self._connector(name).settings
            )
            self._pending[name] = (stamp, counter)
            return counter
        return cached[1]

    def status(self) -> list[ConnectorStatus]:
        """Return each enabled connector's dashboard status."""
        book = self.book()
        out = []
        for conn in self.config.enabled():
            info = self.hooks(conn.name).info
            counts = {str(state): 0 for state in LinkState}
            for row in link_rows(book, info):
                counts[str(row.state)] += 1
            meta = book.connector_meta(conn.name)
            runs = [r for r in reversed(book.runs) if r.get("connector") == conn.name]
            every = int(conn.settings.get("sync_every_minutes") or 0)
            out.append(
                ConnectorStatus(
                    conn.name,
                    info.title,
                    str(meta.get("tenant_name") or "not synced yet"),
                    run_summary(runs[0]) if runs else None,
                    counts,
                    self.pending(conn.name),
                    every,
                )
            )
        return out

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        """Return the link rows (profile x connector x role), filtered."""
        book = self.book()
        names = [connector] if connector else self.connectors()
        needle = text.strip().lower()
        rows = []
        for name in names:
            for row in link_rows(book, self.hooks(name).info):
                if state and str(row.state) != state:
                    continue
                if (
                    needle
                    and needle not in f"{row.profile_id} {row.name} {row.remote_name}".lower()
                ):
                    continue
                rows.append(row)
        return rows

    def iter_link_rows(self) -> Iterator[LinkRow]:
        """Yield every link row as it is derived, so a screen can paint the first ones at once.

        Reads one book object throughout: writes replace the console's book rather than change
        it, so a reader in a worker thread never sees a table change under it.
        """
        book = self.book()
        for name in self.connectors():
            yield from link_rows(book, self.hooks(name).info)

    def profile(self, profile_id: str) -> ProfileView:
        """Return one profile with its links, warnings and the rules that apply."""
        book = self.book()
        profile = book.profile(profile_id)
        org = book.profiles.get(profile.payable_to) if profile.payable_to else None
        rows: list[LinkRow] = []
        for name in self.connectors():
            info = self.hooks(name).info
            duplicates = open_duplicates(book, name)
            rows.extend(link_row(book, info, profile, role, duplicates) for role in info.roles)
        warnings = [
            w for w in book.warnings.values() if w.profile_id == profile_id and not w.resolved
        ]
        return ProfileView(
            profile, org.name if org else "", rows, warnings, profile_rules(book, profile)
        )

    def search_remote(
        self, connector: str, query: str, role: str = "", limit: int = 20
    ) -> list[Candidate]:
        """Rank the remote mirror for a relink: exact email first, then trigram score."""
        book = self.book()
        role = self._role(connector, role)
        return search_mirror(book, connector, role, query, limit)

    def warnings(self, include_resolved: bool = False) -> list[BookWarning]:
        """Return the open (or all) warnings, newest first."""
        found = [w for w in self.book().warnings.values() if include_resolved or not w.resolved]
        return sorted(found, key=lambda w: (w.last_seen, w.kind), reverse=True)

    def runs(self, limit: int = 50) -> list[RunSummary]:
        """Return the sync history, newest first."""
        return [run_summary(r) for r in reversed(self.book().runs[-limit:])]

    def proposals(self, include_closed: bool = False) -> list[Proposal]:
        """Return the review queue: link proposals first, then held pairs, strongest first."""
        found = [
            proposal_from_dict(p)
            for p in self.book().proposals.values()
            if include_closed or p.get("status", "open") == "open"
        ]
        links = [p for p in found if not p.holds]
        held = sorted((p for p in found if p.holds), key=lambda p: p.strength, reverse=True)
        return links + held

    # ----------------------------------------------------------------- actions
    def link(self, profile_id: str, connector: str, remote_id: str, role: str = "") -> LinkRow:
        """Link a profile to a remote record by hand (method ``manual``)."""
        role = self._role(connector, role)
        with self.writing("link") as book:
            manual_link(book, self.hooks(connector).info, profile_id, role, remote_id)
            remembered.record_link(book, connector, profile_id, remote_id)  # clears not-same/unlink
        return self._row(profile_id, connector, role)

    def unlink(self, profile_id: str, connector: str, role: str = "") -> LinkRow:
        """Clear a profile's link (the seeds' red Unlink button)."""
        role = self._role(connector, role)
        with self.writing("unlink") as book:
            book.profile(profile_id)
            dropped = book.drop_link(profile_id, connector, role)
            if dropped is None:
                raise UsageError(f"{profile_id} has no {connector} {role} link to clear")
            remembered.record_unlink(book, dropped)  # the pair is never relinked automatically
            # "duplicate" here says another record holds the email *besides the linked one*
            resolve_warnings(book, profile_id, connector, ("missing", "misplaced", "duplicate"))
        return self._row(profile_id, connector, role)

    def set_sync_enabled(self, profile_id: str, connector: str, enabled: bool) -> LinkRow:
        """Turn sync off or on for one profile and connector."""
        self._connector(connector)
        with self.writing("sync setting") as book:
            profile = book.profile(profile_id)
            disabled = [c for c in profile.sync_disabled if c != connector]
            profile.sync_disabled = disabled if enabled else [*disabled, connector]
        return self._row(profile_id, connector, self._role(connector, ""))

    def explain(self, profile_id: str, connector: str, limit: int = 3) -> list[Evidence]:
        """The evidence for a profile's link (or its best candidates) in one connector."""
        book = self.book()
        info = self.hooks(connector).info
        settings = self._connector(connector).settings
        profile = book.profile(profile_id)
        counts = name_counts(book, connector)
        found: list[Evidence] = []
        for role in info.roles:
            link = book.link_of(profile_id, connector, role)
            record = book.remote_record(connector, role, link.remote_id) if link else None
            seen = set()
            if record is not None:
                found.append(evidence(book, info, settings, profile, record, counts))
                seen.add(record.remote_id)
            for candidate in search_mirror(book, connector, role, profile.email or profile.name, limit):
                if candidate.remote.remote_id not in seen:
                    found.append(evidence(book, info, settings, profile, candidate.remote, counts))
                    seen.add(candidate.remote.remote_id)
            if profile.email:
                for candidate in search_mirror(book, connector, role, profile.name, limit):
                    if candidate.remote.remote_id not in seen:
                        found.append(evidence(book, info, settings, profile, candidate.remote, counts))
                        seen.add(candidate.remote.remote_id)
        return found

    # ----------------------------------------------------------------- remembered decisions, merges (issue 9)
    def _infos(self) -> dict[str, ConnectorInfo]:
        """The enabled connectors' infos, by name."""
        return {name: self.hooks(name).info for name in self.connectors()}

    def _balance_rules(self) -> dict[str, str]:
        """Each enabled connector's configured ``balance_rule``."""
        return {
            name: str(self._connector(name).settings.get("balance_rule") or "principal")
            for name in self.connectors()
        }

    def reject_pair(
        self, profile_id: str, connector: str, remote_id: str
    ) -> remembered.Decision:
        """"Not the same": a remote record is not this profile; never linked or proposed again."""
        info = self.hooks(self._connector(connector).name).info
        with self.writing("not same") as book:
            return remembered.reject_pair(book, info, profile_id, remote_id)

    def reject_candidates(self, profile_id: str, connector: str) -> list[remembered.Decision]:
        """"None of these is the profile": reject every candidate of its duplicate warnings."""
        info = self.hooks(self._connector(connector).name).info
        with self.writing("not same") as book:
            return remembered.reject_candidates(book, info, profile_id)

    def decisions(self) -> list[remembered.Decision]:
        """Every remembered decision (not-same, manual links, unlinks, reviews, merges)."""
        return remembered.list_decisions(self.book())

    def forget_decision(self, key: str) -> remembered.Decision:
        """Drop one remembered decision; the next sync may link or propose the pair again."""
        with self.writing("forget decision") as book:
            return remembered.forget(book, key)

    def merge_profiles(
        self, survivor: str, other: str, dry_run: bool = False
    ) -> merging.MergeReport:
        """Merge ``other`` into ``survivor`` (``engine/decide/merge``); ``unmerge(other)`` reverses it."""
        if dry_run:
            report = merging.merge_profiles(
                Book.open(self.config.book), survivor, other, self._infos(), self._balance_rules()
            )
            report.dry_run = True
            return report
        with self.writing("merge") as book:
            return merging.merge_profiles(
                book, survivor, other, self._infos(), self._balance_rules()
            )

    def merge_candidates(self, profile_id: str) -> list[merging.MergeCandidate]:
        """Local profiles that may be the same person or business as ``profile_id``."""
        return merging.merge_candidates(self.book(), profile_id, self._infos())

    def unmerge(self, other: str) -> merging.MergeReport:
        """Reverse the merge of ``other`` into another profile."""
        with self.writing("unmerge") as book:
            return merging.unmerge(book, other, self._infos(), self._balance_rules())

    def resolve_conflict(
        self, profile_id: str, connector: str, field: str, take: str, role: str = ""
    ) -> str:
        """Pick one side of a field changed on both sides and sync the connector to write it.

        ``take`` is ``local`` (the book's value goes to the remote) or ``remote``.  When the sync
        fails the choice is kept and the next sync writes it; the error is raised.
        :returns: a one-line account of what was written.
        """
        name = self._connector(connector).name
        info = self.hooks(name).info
        with self.writing("resolve conflict") as book:
            roles = [self._role(name, role)] if role else list(info.roles)
            candidates = [r for r in roles if conflicted(book, info, profile_id, r, field)]
            chosen = (candidates or roles)[0]
            link = baselines.resolve_conflict(book, info, profile_id, chosen, field, take)
            report = self._sync_in(
                book, [name], SyncOptions(sleep=self.sleep, ledgers=self._ledgers())
            )
        if not report.ok:
            raise RemoteError(
                f"kept the {take} {field} of {profile_id}, but the sync failed "
                f"({'; '.join(report.errors.values())}); the next sync writes it"
            )
        target = info.title if take == "local" else "the book"
        return f"{profile_id} {field}: the {take} value was written to {target} ({link.remote_id})"

    def relink_merged(
        self, profile_id: str, connector: str, role: str = "", remote_id: str = ""
    ) -> list[LinkRow]:
        """Relink a profile whose linked record was merged remotely to the surviving record."""
        name = self._connector(connector).name
        role = self._role(name, role) if role else ""
        with self.writing("relink merged") as book:
            links = merged_contacts.relink_merged(
                book, self.hooks(name).info, profile_id, role, remote_id
            )
        return [self._row(profile_id, name, link.role) for link in links]

    def tenants(self, name: str) -> list[Tenant]:
        """Ask a connector which organisations its credentials reach (one network call or two)."""
        conn = self._connector(name)
        ctx, _stats = build_context(
            name, conn.settings, self.tokens.for_connector(name), sleep=self.sleep
        )
        try:
            answer = self.hooks(name).call("loftterm_connector_tenants", ctx=ctx)
        finally:
            close_context(ctx)
        return list(answer or [])

    def decide_proposal(
        self, proposal_id: str, accept: bool, take: dict[str, str] | None = None
    ) -> Proposal:
        """Accept (link and update both sides with the chosen values) or reject (remember) a review.

        Accepting links the pair, sets the chosen values on the profile and runs the sync of the
        proposal's connector and of the profile's ledger connectors (config order) under the same
        write lock, so the values reach both sides now (``engine/decide/review``).  When that sync fails
        the link and values are kept and the next sync pushes them; the error is raised.
        """
        report: SyncReport | None = None
        with self.writing("review") as book:
            stored = book.proposals.get(proposal_id)
            if stored is None or not accept:
                decided = review.reject_proposal(book, proposal_id)
            else:
                info = self.hooks(self._connector(str(stored.get("connector"))).name).info
                decided, affected = review.accept_proposal(
                    book, info, self._ledger_infos(), proposal_id, take or {}
                )
                names = [n for n in self._sync_order() if n in affected]
                report = self._sync_in(
                    book, names, SyncOptions(sleep=self.sleep, ledgers=self._ledgers())
                )
            proposal = proposal_from_dict(decided)
        if report is not None and not report.ok:
            errors = "; ".join(f"{n}: {e}" for n, e in report.errors.items())
            raise RemoteError(
                f"linked {proposal.profile_id} to {proposal.remote_id} and saved the chosen "
                f"values, but pushing them failed ({errors}); the next sync pushes them"
            )
        return proposal

    def override_hold(self, proposal_id: str, kind: str) -> Proposal:
        """Create (``kind="create"``) or import (``"import"``) a held record anyway, now.

        The decision is remembered in the book, then the review's connector syncs under the same
        lock so the record is written at once; when that sync fails the decision is kept and the
        next sync carries it out.
        """
        with self.writing("review") as book:
            proposal = holds.open_hold(book, proposal_id)
            holds.override(book, proposal_id, kind)
            name = str(proposal["connector"])
            report = self._sync_in(book, [name], SyncOptions(sleep=self.sleep))
            decided = proposal_from_dict(book.proposals[proposal_id])
        self._raise_unless_ok(report, f"decided to {kind} it anyway")
        return decided

    def bulk_review(self, rule: BulkReview, apply: bool = False) -> list[Proposal]:
        """The held reviews a bulk action takes; with ``apply``, decide them all, then sync once.

        ``link`` links each pair by hand; ``create`` and ``import`` remember "anyway" for each
        held profile or record.  One sync of each affected connector then writes them.
        """
        if not apply:
            return [proposal_from_dict(p) for p in holds.bulk_select(self.book(), rule)]
        with self.writing("review") as book:
            chosen = holds.bulk_select(book, rule)
            names: list[str] = []
            for proposal in chosen:
                connector = str(proposal["connector"])
                if rule.action == "link":
                    info = self.hooks(self._connector(connector).name).info
                    review.accept_proposal(book, info, self._ledger_infos(), proposal["id"], {})
                else:
                    holds.override(book, str(proposal["id"]), rule.action)
                if connector not in names:
                    names.append(connector)
            order = [n for n in self._sync_order() if n in names]
            report = self._sync_in(book, order, SyncOptions(sleep=self.sleep, ledgers=self._ledgers()))
            decided = [proposal_from_dict(book.proposals[str(p["id"])]) for p in chosen]
        self._raise_unless_ok(report, f"decided {len(decided)} reviews")
        return decided

    @staticmethod
    def _raise_unless_ok(report: SyncReport, done: str) -> None:
        if not report.ok:
            errors = "; ".join(f"{n}: {e}" for n, e in report.errors.items())
            raise RemoteError(f"{done} and kept it, but the sync failed ({errors}); the next sync "
                              "carries it out")

    def push_profile(self, profile_id: str, connector: str, anyway: bool = False) -> LinkRow:
        """Create a profile's contact in a ledger now (SortScape's "Create contact in Xero").

        Contacts that came from (or are only linked to) a field-service app are never created in
        a ledger by a sync; this runs the ledger's sync with the profile added to the creates.
        A create the ledger may already hold is held for review like any other, unless
        ``anyway`` (remembered as "create anyway").
        """
        conn = self._connector(connector)
        info = self.hooks(connector).info
        if info.kind != "ledger":
            raise UsageError(f"{connector} is not a ledger: push creates ledger contacts only")
        role = self._role(connector, "")
        with self.writing("push") as book:
            profile = book.profile(profile_id)
            if profile.archived:
                raise UsageError(f"{profile_id} {profile.name} is archived")
            if not profile.sync_enabled(connector):
                raise UsageError(f"sync to {connector} is off for {profile_id}; enable it first")
            org = paid_through_organization(book, profile)
            if org is not None:
                raise UsageError(
                    f"{profile.name} is paid to {org.name}: push the organization ({org.id})"
                )
            held = [r for r in info.roles if book.link_of(profile_id, connector, r) is not None]
            if held:
                link = book.link_of(profile_id, connector, held[0])
                raise UsageError(
                    f"{profile_id} is already linked to {info.title} {held[0]} "
                    f"{link.remote_id if link else ''}"
                )
            if anyway:
                for each in info.roles:
                    key = holds.create_anyway_key(connector, each, profile_id)
                    remembered.remember(book, key, role=each)
            result = run_connector(
                book,
                self.pm,
                connector,
                conn.settings,
                self.tokens.for_connector(connector),
                SyncOptions(
                    sleep=self.sleep,
                    extra_create_ids=frozenset({profile_id}),
                    ledgers=self._ledgers(),
                ),
            )
        if result.error is not None:
            raise result.error
        row = self._row(profile_id, connector, role)
        if row.state != LinkState.LINKED:
            said = [o for o in result.outcomes if o.profile_id == profile_id and o.reason]
            why = said[0].reason if said else row.explanation
            if said and said[0].status == "held":  # a person's decision, not a remote failure
                raise UsageError(
                    f"{profile_id} was not created in {info.title}: {why}; or create it anyway: "
                    f"loftterm push {profile_id} --connector {connector} --anyway"
                )
            raise RemoteError(f"{profile_id} was not created in {info.title}: {why}")
        return row

    def _sync_order(self) -> list[str]:
        """Every enabled connector, ledgers first (field-service runs read the ledgers' mirror)."""
        names = self.connectors()
        return sorted(names, key=lambda name: self.hooks(name).info.kind == "field")

    def _ledger_infos(self) -> dict[str, ConnectorInfo]:
        """The enabled ledger connectors' infos, by name, in config order."""
        infos = {name: self.hooks(name).info for name in self.connectors()}
        return {name: info for name, info in infos.items() if info.kind == "ledger"}

    def _ledgers(self) -> list[LedgerAccess]:
        """What a field-service run needs to read the enabled ledgers (their products)."""
        return [
            LedgerAccess(
                name,
                self.hooks(name),
                self._connector(name).settings,
                self.tokens.for_connector(name),
            )
            for name in self._ledger_infos()
        ]

    def _row(self, profile_id: str, connector: str, role: str) -> LinkRow:
        book = self.book()
        info = self.hooks(connector).info
        return link_row(
            book, info, book.profile(profile_id), role, open_duplicates(book, connector)
        )

    # ----------------------------------------------------------------- sync
    def sync(
        self,
        connector: str = "",
        dry_run: bool = False,
        on_event: EventCallback | None = None,
        cancel: Event | None = None,
        *,
        full_pull: bool = False,
        repoint: bool = False,
    ) -> SyncReport:
        """Run the sync pipeline for one connector, or every enabled one.

        Ledgers run first, then field-service connectors (they read the ledgers' mirror), each
        group in config order.
        """
        names = [self._connector(connector).name] if connector else self._sync_order()
        if not names:
            raise UsageError("no connector is enabled in the config")
        options = SyncOptions(
            dry_run=dry_run,
            full_pull=full_pull,
            repoint=repoint,
            on_event=on_event or (lambda event: None),
            cancel=cancel,
            sleep=self.sleep,
            ledgers=self._ledgers(),
        )
        if dry_run:
            return self._sync_in(Book.open(self.config.book), names, options)
        with self.writing("sync", save=False) as book:  # each connector's run saves itself
            return self._sync_in(book, names, options)

    def _sync_in(self, book: Book, names: list[str], options: SyncOptions) -> SyncReport:
        """Run each connector in order, then follow up with the earlier ones (push only).

        The follow-up runs when a later connector changed profiles, so a SortScape edit reaches
        Xero in the same sync.
        """
        report = SyncReport(ok=True, dry_run=options.dry_run, connectors={})
        behind: list[str] = []  # connectors that ran before the last change to the profiles
        done: list[str] = []
        for name in names:
            result = self._run_one(book, name, options, report)
            if result.counts.get("updated_local") and result.error is None:
                behind = [n for n in done if n not in report.errors]
            done.append(name)
        follow = dataclasses.replace(options, follow_up=True)
        for name in behind:
            self._run_one(book, name, follow, report)
        return report

    def _run_one(
        self, book: Book, name: str, options: SyncOptions, report: SyncReport
    ) -> RunResult:
        conn = self._connector(name)
        result = run_connector(
            book, self.pm, name, conn.settings, self.tokens.for_connector(name), options
        )
        counts = report.connectors.setdefault(name, {})
        for key, value in result.counts.items():
            if key != "updated_local":
                counts[key] = counts.get(key, 0) + value
        report.plan.extend(result.plan)
        if result.error is not None:
            report.ok = False
            report.errors[name] = str(result.error)
            report.exit_code = max(report.exit_code, result.error.exit_code)
        return result

    # ----------------------------------------------------------------- batches (issue 6)
    def _ledger(self, connector: str) -> str:
        """The ledger a batch posts to: the one named, else the only enabled ledger."""
        if connector:
            name = self._connector(connector).name
            if self.hooks(name).info.kind != "ledger":
                raise UsageError(f"{name} is not a ledger: a batch posts to Xero or QuickBooks Online")
            return name
        ledgers = [n for n in self.connectors() if self.hooks(n).info.kind == "ledger"]
        if len(ledgers) != 1:
            found = ", ".join(ledgers) or "none"
            raise UsageError(f"choose the ledger with --connector (enabled ledgers: {found})")
        return ledgers[0]

    def batch(
        self,
        path: Path,
        connector: str = "",
        dry_run: bool = False,
        on_event: EventCallback | None = None,
        cancel: Event | None = None,
        *,
        chunk: int = 25,
        full_pull: bool = False,
    ) -> BatchResult:
        """Sync one ledger, then post a batch file's documents (a dry run plans and writes nothing).

        The write lock is held for the whole batch; a dry run reads a throwaway copy of the book.
        """
        from loftterm.batchfile import parse_batch
        from loftterm.engine.batch.post import BatchOptions, run_batch

        name = self._ledger(connector)
        options = BatchOptions(
            dry_run=dry_run,
            full_pull=full_pull,
            on_event=on_event or (lambda event: None),
            cancel=cancel,
            sleep=self.sleep,
            chunk=chunk,
        )
        settings = self._connector(name).settings
        tokens = self.tokens.for_connector(name)
        if dry_run:
            book = Book.open(self.config.book)
            batch = parse_batch(Path(path), set(book.profiles))
            return run_batch(book, self.pm, name, settings, tokens, batch, options)
        with self.writing("batch") as book:
            batch = parse_batch(Path(path), set(book.profiles))
            return run_batch(book, self.pm, name, settings, tokens, batch, options)

    def fix_misplaced(self, profile_id: str, connector: str) -> MisplacedFix:
        """The one-key fix of a misplaced link: unlink the own link of an agent paid to an org.

        A link that is plainly the organization's contact moves to the organization; ``todo``
        says what is left (the organization not linked: link it by search, or sync).
        """
        from loftterm.engine.batch.post import fix_misplaced

        info = self.hooks(self._connector(connector).name).info
        with self.writing("fix misplaced") as book:
            fix = fix_misplaced(book, info, profile_id)
        book = self.book()
        duplicates = open_duplicates(book, info.name)
        for pid in (fix.profile_id, fix.organization_id):
            fix.rows.extend(
                link_row(book, info, book.profile(pid), role, duplicates) for role in info.roles
            )
        return fix

    # ----------------------------------------------------------------- plan, apply, undo
    # (issue 9: engine/runs/)
    def _targets(self) -> dict[str, Target]:
        """Every enabled connector as plan, apply and undo need it."""
        return {
            name: Target(
                name, self.hooks(name), self._connector(name).settings,
                self.tokens.for_connector(name),
            )
            for name in self._sync_order()
        }

    def plan(self, connector: str = "", on_event: EventCallback | None = None) -> Plan:
        """Make the plan of a sync (one connector, or every enabled one) without writing.

        The pipeline runs as a dry run on a throwaway copy of the book; the plan lists every
        create, update, link, unlink, import and archive with the remote version it was computed
        against and a fingerprint of each profile (``loftterm --sync --dry-run --plan-out``).
        """
        names = [self._connector(connector).name] if connector else self._sync_order()
        if not names:
            raise UsageError("no connector is enabled in the config")
        targets = self._targets()
        pages: dict[str, int] = {}

        def observe(event: SyncEvent) -> None:
            if event.phase == "pull" and event.done:
                pages[event.connector] = pages.get(event.connector, 0) + 1
            if on_event is not None:
                on_event(event)

        options = SyncOptions(dry_run=True, on_event=observe, sleep=self.sleep,
                              ledgers=self._ledgers())
        real, dry = Book.open(self.config.book), Book.open(self.config.book)
        runs = []
        for name in names:
            target = targets[name]
            result = run_connector(dry, self.pm, name, target.settings, target.tokens, options)
            runs.append(DryRun(target, result, pages.get(name, 0)))
        return build_plan(real, dry, runs)

    def apply(self, plan: Plan) -> ApplyReport:
        """Carry out a plan exactly (``loftterm apply``): skip what moved since, say why."""
        targets = self._targets()
        with self.writing("apply") as book:
            return apply_plan(book, targets, plan, self.sleep)

    def undo(self, run_id: str, profile_id: str = "", dry_run: bool = False) -> UndoReport:
        """Revert a run (or one profile of it) with compensating writes (``loftterm undo``)."""
        targets = self._targets()
        if dry_run:
            return undo_run(Book.open(self.config.book), targets, run_id, profile_id, True)
        with self.writing("undo") as book:
            return undo_run(book, targets, run_id, profile_id, False, self.sleep)
