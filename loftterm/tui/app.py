"""The loftterm Textual app and its factory (used by the CLI and by the snapshot tests).

Screens never talk to a remote: every sync and write runs in a thread worker that calls the
headless :class:`~loftterm.console.Console` and posts typed messages back
(:mod:`loftterm.tui.messages`).  Errors a user can act on (:class:`~loftterm.errors.LofttermError`)
become notifications; the app keeps running.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, ScreenStackError
from textual.binding import Binding, BindingType
from textual.timer import Timer

from loftterm.connector import SyncEvent
from loftterm.console import Console
from loftterm.errors import LofttermError
from loftterm.tui.commands import LofttermCommands
from loftterm.tui.messages import (
    ActionDone,
    KeyHandled,
    SyncFinished,
    SyncProgress,
    SyncStarted,
)
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.screens.dashboard import DashboardScreen
from loftterm.tui.screens.help import HelpScreen, known_binding_ids
from loftterm.tui.screens.links import LinksScreen
from loftterm.tui.screens.merge import MergeScreen
from loftterm.tui.screens.plan import PlanScreen
from loftterm.tui.screens.profile import ProfileScreen
from loftterm.tui.screens.review import ReviewScreen
from loftterm.tui.screens.runs import RunsScreen
from loftterm.tui.screens.warnings import WarningsScreen
from loftterm.tui.syncing import AutoSync, ConnectorProgress
from loftterm.tui.widgets.states import counts_text
from loftterm.views import ConnectorStatus, LinkRow, Proposal

TYPEAHEAD_POLL_S = 0.005
"""How often keys typed ahead of a mounting screen check whether it is there."""
KEY_HANDLED_TIMEOUT_S = 1.0
"""Hand on the next key anyway when a key's :class:`KeyHandled` is lost (its widget went away)."""


@dataclass(frozen=True)
class Changed:
    """The link rows a write changed; ``everything`` when other profiles' rows may follow."""

    rows: list[LinkRow]
    everything: bool = False


class LofttermApp(App[None]):
    """The support console: dashboard, links, profile, warnings, review, runs and help."""

    CSS_PATH = "app.tcss"
    TITLE = "loftterm"
    COMMANDS = App.COMMANDS | {LofttermCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "go('dashboard')", "Dashboard", id="go.dashboard", show=False,
                tooltip="Connectors, pending counters and syncs"),
        Binding("2", "go('links')", "Links", id="go.links", show=False, tooltip="Every profile's links"),
        Binding("3", "go('warnings')", "Warnings", id="go.warnings", show=False, tooltip="Open warnings"),
        Binding("4", "go('runs')", "Runs", id="go.runs", show=False, tooltip="Sync history"),
        Binding("5", "review", "Review", id="go.review", show=False,
                tooltip="SortScape: link to existing contacts"),
        Binding("S", "sync", "Sync all", id="sync.all", show=False, tooltip="Sync every enabled connector"),
        Binding("P", "plan", "Plan all", id="plan.all", show=False,
                tooltip="Show what a sync of every connector would do, then apply it (a)"),
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Every key binding"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave loftterm"),
    ]

    def __init__(self, core: Console, *, every_minutes: float = 0,
                 keymap: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.core = core
        self.every_minutes = every_minutes
        self.user_keymap = dict(keymap or {})
        self.clock = clock
        self.data_version = 0
        self.sync_running = ""
        self.sync_progress: dict[str, ConnectorProgress] = {}
        self.auto = AutoSync({}, clock)
        self._cancel = threading.Event()
        self._auto_configured = False
        self._typeahead: list[events.Key] = []
        self._key_busy = False
        self._key_timer: Timer | None = None
        self.dashboard = DashboardScreen()
        self.links = LinksScreen()
        self.add_mode("dashboard", lambda: self.dashboard)
        self.add_mode("links", lambda: self.links)
        self.add_mode("warnings", WarningsScreen)
        self.add_mode("runs", RunsScreen)

    # -- start-up -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Apply the keymap, schedule auto-sync and show the dashboard."""
        if self.user_keymap:
            unknown = sorted(set(self.user_keymap) - known_binding_ids())
            if unknown:
                self.notify(f"keymap: unknown binding id(s): {', '.join(unknown)}",
                            title="Keymap", severity="warning")
            self.set_keymap(self.user_keymap)
        self.switch_mode("dashboard")
        self.set_interval(1.0, self.tick)

    def configure_auto_sync(self, statuses: list[ConnectorStatus]) -> None:
        """Start the auto-sync schedule from the first status read (once)."""
        if not self._auto_configured:
            self._auto_configured = True
            intervals = {s.name: self.every_minutes or s.sync_every_minutes for s in statuses}
            self.auto = AutoSync(intervals, self.clock)

    @property
    def connector_names(self) -> list[str]:
        """The enabled connectors, in config order."""
        names: list[str] = self.safe(self.core.connectors, [])
        return names

    # -- errors and writes --------------------------------------------------------------------

    def show_error(self, err: Exception) -> None:
        """Show an error as a notification (never a traceback)."""
        if isinstance(err, LofttermError):
            self.notify(err.message, title=err.title, severity="error", timeout=10)
        else:
            self.notify(f"{type(err).__name__}: {err}", title="Unexpected error",
                        severity="error", timeout=10)

    def safe(self, call: Callable[[], Any], default: Any) -> Any:
        """Run a quick read on the book; on a LofttermError notify and return ``default``."""
        try:
            return call()
        except LofttermError as err:
            self.show_error(err)
            return default

    def run_write(self, label: str, call: Callable[[], Any],
                  done: Callable[[Any], None] | None = None, *,
                  failed: Callable[[], None] | None = None) -> None:
        """Run a write in a thread worker; ``done(result)`` runs on the UI thread after.

        A failure is a notification; ``failed()`` then runs on the UI thread.
        """
        self._action_worker(label, call, done, failed)

    @work(thread=True, group="action", exit_on_error=False)
    def _action_worker(self, label: str, call: Callable[[], Any],
                       done: Callable[[Any], None] | None,
                       failed: Callable[[], None] | None) -> None:
        try:
            result = call()
        except Exception as err:  # every failure becomes a notification
            self.call_from_thread(self.show_error, err)
            if failed is not None:
                self.call_from_thread(failed)
            self.post_message(ActionDone(label, False))
            return
        changed = self._changed_rows(result)
        self.call_from_thread(self._after_action, label, result, done, changed)
        self.post_message(ActionDone(label, True))

    def _changed_rows(self, result: Any) -> Changed | None:
        """After a write on a profile: every row of that profile (all connectors and roles).

        Runs in the action worker.  An organization's link decides its payees' states (an agent
        paid to it is ``misplaced`` while it has no link), so the Links screen then reloads.
        """
        if not isinstance(result, LinkRow):
            return None
        try:
            view = self.core.profile(result.profile_id)
        except LofttermError:
            return Changed([result], everything=True)
        return Changed(view.links, everything=view.profile.kind == "organization")

    def _after_action(self, label: str, result: Any, done: Callable[[Any], None] | None,
                      changed: Changed | None) -> None:
        self.data_version += 1
        if changed is not None:
            self.links.absorb(changed.rows, self.data_version, everything=changed.everything)
        if done is not None:
            done(result)
        self.notify(label, title="Done", timeout=3)

    # -- syncing ------------------------------------------------------------------------------

    def action_sync(self, connector: str = "") -> None:
        """Sync one connector, or every enabled one."""
        if self.sync_running:
            self.notify(f"A sync of {self.sync_running} is already running.", severity="warning")
            return
        self.sync_running = connector or "all"
        self._cancel = threading.Event()
        for name in [connector] if connector else self.connector_names:
            self.sync_progress[name] = ConnectorProgress()
        self.post_message(SyncStarted(connector))
        self._sync_worker(connector, self._cancel)

    def action_plan(self, connector: str = "") -> None:
        """Show what a sync of one connector (or every one) would do; apply it from there."""
        if self.sync_running:
            self.notify(f"A sync of {self.sync_running} is running: plan after it ends.",
                        severity="warning")
            return
        self.push_screen(PlanScreen(connector))

    def action_cancel_sync(self) -> None:
        """Ask the running sync to stop at the next record."""
        if self.sync_running:
            self._cancel.set()
            self.notify("Cancelling the sync…", timeout=3)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_worker(self, connector: str, cancel: threading.Event) -> None:
        def on_event(event: SyncEvent) -> None:
            self.post_message(SyncProgress(event))

        try:
            report = self.core.sync(connector, on_event=on_event, cancel=cancel)
        except Exception as err:  # reported, never raised into the UI
            self.call_from_thread(self.show_error, err)
            self.post_message(SyncFinished(connector, None, str(err), cancel.is_set()))
            return
        self.post_message(SyncFinished(connector, report, cancelled=cancel.is_set()))

    def on_sync_progress(self, message: SyncProgress) -> None:
        """Record the progress and show it on the dashboard."""
        event = message.event
        self.sync_progress.setdefault(event.connector, ConnectorProgress()).apply(event)
        self.dashboard.show_progress(event.connector)

    def on_sync_finished(self, message: SyncFinished) -> None:
        """Summarise the run, reschedule auto-sync and reload what is on screen."""
        names = [message.connector] if message.connector else self.connector_names
        self.sync_running = ""
        self.auto.reschedule(names)
        for name in names:
            self.sync_progress.pop(name, None)
        report = message.report
        if message.cancelled:
            self.notify("Sync cancelled.", title="Sync", severity="warning")
        elif report is not None:
            for name, error in report.errors.items():
                self.notify(f"{name}: {error}", title="Sync failed", severity="error", timeout=10)
            if report.ok:
                done = "\n".join(f"{n}: {counts_text(c) or 'no changes'}"
                                  for n, c in report.connectors.items())
                self.notify(done or "Nothing to do.", title="Sync finished", timeout=5)
        self.data_version += 1
        screen = self.screen
        if isinstance(screen, LofttermScreen):
            screen.reload_if_stale()
        self.dashboard.sync_ended()

    def tick(self) -> None:
        """Once a second: refresh the countdowns and start due auto-syncs."""
        if not self.sync_running:
            due = self.auto.due_now()
            if due:
                everything = set(due) >= set(self.auto.intervals) and len(due) > 1
                self.action_sync("" if everything else due[0])
        self.dashboard.show_countdowns()

    # -- type-ahead ---------------------------------------------------------------------------
    # Over a slow link a whole burst (``2ttt``) arrives in one read.  Textual hands every key to
    # the focused widget at once, so the ``t`` keys went to the dashboard before ``2`` had
    # switched to Links (which then still had to mount).  Keys are handed on one at a time
    # instead: the next once the previous one is handled and the screen it led to is mounted.

    async def on_event(self, event: events.Event) -> None:
        """Queue typed keys; hand them on one at a time (see :meth:`_next_key`)."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typeahead.append(event)
            if not self._key_busy:
                await self._next_key()
            return
        await super().on_event(event)

    def _screen_ready(self) -> bool:
        try:
            return self.screen.is_mounted
        except ScreenStackError:  # before the first screen
            return False

    async def _next_key(self) -> None:
        """Hand the next queued key to the app's usual key handling, then wait for it."""
        if self._key_busy or not self._typeahead:
            return
        self._key_busy = True
        if not self._screen_ready():
            self.run_worker(self._when_mounted(), group="typeahead", exit_on_error=False)
            return
        event = self._typeahead.pop(0)
        await super().on_event(event)
        target = self.focused or self.screen
        self._key_timer = self.set_timer(KEY_HANDLED_TIMEOUT_S, self._key_released)
        target.post_message(KeyHandled())

    async def _when_mounted(self) -> None:
        while not self._screen_ready():
            await asyncio.sleep(TYPEAHEAD_POLL_S)
        self._key_released()

    def on_key_handled(self, message: KeyHandled) -> None:
        """The previous key is handled: hand on the next (after what its binding queued)."""
        message.stop()
        if self._key_timer is not None:
            self._key_timer.stop()
        self._key_released()

    def _key_released(self) -> None:
        self._key_timer = None
        self._key_busy = False
        self.call_later(self._next_key)

    # -- navigation ---------------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        """Switch to the dashboard, links, warnings or runs."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        elif len(self.screen_stack) > 1 and not isinstance(self.screen, HelpScreen):
            self.pop_screen()

    def action_help(self) -> None:
        """Show every key binding."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_review(self, proposal_id: str = "") -> None:
        """Open the SortScape review of open proposals (from ``proposal_id`` if given)."""
        proposals: list[Proposal] = self.safe(self.core.proposals, [])
        if not proposals:
            self.notify("No contact is waiting for review.", title="Review")
            return
        self.push_screen(ReviewScreen(proposals, proposal_id))

    def filter_links(self, *, state: str | None = None, connector: str | None = None,
                     text: str | None = None) -> None:
        """Show the Links screen with the given filters."""
        if self.current_mode != "links":
            self.switch_mode("links")
        self.links.set_filters(state=state, connector=connector, text=text)

    def open_profile(self, profile_id: str, connector: str = "", role: str = "") -> None:
        """Show one profile, focusing the given connector's link field."""
        self.push_screen(ProfileScreen(profile_id, connector, role))

    def merge_duplicate(self, profile_id: str, name: str,
                        done: Callable[[Any], None] | None = None) -> None:
        """Pick a local duplicate of a profile, preview the merge, merge on Enter."""

        def chosen(pair: tuple[str, str] | None) -> None:
            if pair is None:
                return
            survivor, other = pair
            self.run_write(f"Merged {other} into {survivor} (m on {other}'s profile unmerges it)",
                           lambda: self.core.merge_profiles(survivor, other), done)

        self.push_screen(MergeScreen(profile_id, name), chosen)


def make_app(console: Console, *, every_minutes: float = 0,
             keymap: Mapping[str, str] | None = None,
             clock: Callable[[], float] | None = None) -> LofttermApp:
    """Build the TUI over a console; the CLI calls ``make_app(console).run()``.

    :param every_minutes: auto-sync interval for every connector (0 = each connector's own).
    :param keymap: binding id -> keys (``{"sync.all": "ctrl+y"}``), e.g. from the config file.
    :param clock: a monotonic clock for auto-sync countdowns (tests pass a frozen one).
    """
    return LofttermApp(console, every_minutes=every_minutes, keymap=keymap,
                       clock=clock or time.monotonic)
