"""The console's runs: syncs, batches, plans applied, undo, and asking a connector its tenants."""

from __future__ import annotations

from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

from loftterm.book import Book
from loftterm.connector import SyncEvent, Tenant
from loftterm.console.base import ConsoleBase
from loftterm.console.facade import EventCallback
from loftterm.engine.context import build_context, close_context
from loftterm.engine.pipeline.sync import SyncOptions, run_connector
from loftterm.engine.runs.apply import ApplyReport, apply_plan
from loftterm.engine.runs.openrun import Target
from loftterm.engine.runs.plan import Plan
from loftterm.engine.runs.planning import DryRun, build_plan
from loftterm.engine.runs.undo import UndoReport, undo_run
from loftterm.errors import UsageError
from loftterm.views import SyncReport

if TYPE_CHECKING:
    from loftterm.engine.batch.results import BatchResult


class Runs(ConsoleBase):
    """Syncs, batches, plan and apply, undo: runs over the connectors."""

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
