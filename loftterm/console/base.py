"""The console over a real book: reading and writing it, connectors' hooks, syncs in order.

Reads come from the book alone.  Every write takes the book's write lock for as long as it lasts
(a sync, a link, an unlink), so the TUI and a cron ``--sync`` on the same book never write at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pluggy

from loftterm.book import Book, journal_parts
from loftterm.book.lock import BookLock
from loftterm.config import Config, ConnectorConfig
from loftterm.connector import ConnectorInfo
from loftterm.console.facade import Console
from loftterm.engine.decide.states import link_row, open_duplicates
from loftterm.engine.pipeline.materials import LedgerAccess
from loftterm.engine.pipeline.sync import RunResult, SyncOptions, run_connector
from loftterm.errors import RemoteError, UsageError
from loftterm.http.tokens import TokenFile
from loftterm.plugins import ConnectorHooks
from loftterm.views import LinkRow, PendingCounter, SyncReport


class ConsoleBase(Console):
    """The book, its config and the installed connectors, shared by the console's parts."""

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
        self._digest_stamp: tuple[int, int] | None = None  # reading.py: the kept status's book

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
            journal_parts.release(book)  # saved: later runs append without holding every run's
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

    def _infos(self) -> dict[str, ConnectorInfo]:
        """The enabled connectors' infos, by name."""
        return {name: self.hooks(name).info for name in self.connectors()}

    def _balance_rules(self) -> dict[str, str]:
        """Each enabled connector's configured ``balance_rule``."""
        return {
            name: str(self._connector(name).settings.get("balance_rule") or "principal")
            for name in self.connectors()
        }

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

    @staticmethod
    def _raise_unless_ok(report: SyncReport, done: str) -> None:
        if not report.ok:
            errors = "; ".join(f"{n}: {e}" for n, e in report.errors.items())
            raise RemoteError(f"{done} and kept it, but the sync failed ({errors}); the next sync "
                              "carries it out")
