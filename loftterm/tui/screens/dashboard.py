"""The dashboard: every connector with its last sync, link states, pending counter and syncs."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.syncing import countdown
from loftterm.tui.widgets.connector_panel import ConnectorPanel, detail_markup
from loftterm.views import ConnectorStatus


def _key(key: str) -> str:
    return f"[b]\\[{key}][/b]"


def summary_markup(warnings: int, reviews: int) -> str:
    """The navigation line: each key in brackets, then what it shows (and how many)."""
    warned = f"[$warning]({warnings:,})[/]" if warnings else "(0)"
    reviewed = f"[$warning]({reviews:,})[/]" if reviews else "(0)"
    return (f"{_key('2')} Links  {_key('3')} Warnings {warned}  {_key('4')} Runs  "
            f"{_key('5')} Review {reviewed}  {_key('S')} Sync all  {_key('P')} Plan")


class DashboardScreen(LofttermScreen):
    """Connectors, pending counters and live sync progress."""

    TITLE_TEXT = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync_selected", "Sync this", id="sync.selected",
                tooltip="Sync the highlighted connector"),
        Binding("a", "sync_all", "Sync all", id="dashboard.sync_all", show=False,
                tooltip="Sync every enabled connector"),
        Binding("p", "plan_selected", "Plan", id="plan.selected",
                tooltip="Show what syncing the highlighted connector would do; apply it there"),
        Binding("c", "cancel", "Cancel sync", id="sync.cancel", tooltip="Stop the running sync"),
        Binding("down,j", "next_panel(1)", "Next", show=False, id="dashboard.next",
                tooltip="Highlight the next connector", priority=True),
        Binding("up,k", "next_panel(-1)", "Previous", show=False, id="dashboard.previous",
                tooltip="Highlight the previous connector", priority=True),
        Binding("enter", "links", "Links", id="dashboard.links",
                tooltip="Show the highlighted connector's links"),
    ]

    def compose(self) -> ComposeResult:
        """Navigation line, one panel per connector, the highlighted connector's detail."""
        yield Header()
        yield Static("reading the book…", id="dashboard-summary")
        yield VerticalScroll(id="panels", can_focus=False)
        with VerticalScroll(id="connector-detail", can_focus=False):
            yield Static(id="connector-why")
        yield Footer()

    def reload(self) -> None:
        """Read every connector's status and the open warnings and reviews, in a worker."""
        self._load()

    @work(thread=True, exclusive=True, group="dashboard-load", exit_on_error=False)
    def _load(self) -> None:
        core = self.loft.core
        try:
            statuses = core.status()
            warnings, reviews = len(core.warnings()), len(core.proposals())
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            return
        self.app.call_from_thread(self._show, statuses, warnings, reviews)

    def _show(self, statuses: list[ConnectorStatus], warnings: int, reviews: int) -> None:
        self.loft.configure_auto_sync(statuses)
        box = self.query_one("#panels", VerticalScroll)
        panels = {p.status.name: p for p in box.query(ConnectorPanel)}
        if set(panels) == {s.name for s in statuses}:
            for status in statuses:
                panels[status.name].update_status(status)
        else:
            box.remove_children()
            box.mount_all(ConnectorPanel(s) for s in statuses)
            if statuses:
                self.call_after_refresh(self._focus_first)
        self.query_one("#dashboard-summary", Static).update(summary_markup(warnings, reviews))
        self.show_detail()
        self.call_after_refresh(self.show_countdowns)

    def _focus_first(self) -> None:
        if not isinstance(self.focused, ConnectorPanel):
            panels = list(self.query(ConnectorPanel))
            if panels:
                panels[0].focus()

    @on(events.DescendantFocus)
    def _focus_moved(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """Show every reason and the full last run of the highlighted connector."""
        focused = self.focused
        box = self.query_one("#connector-detail", VerticalScroll)
        if not isinstance(focused, ConnectorPanel):
            box.display = False
            return
        status = focused.status
        box.display = True
        box.border_title = escape(f"{status.title}: why")
        self.query_one("#connector-why", Static).update(detail_markup(status))

    def show_progress(self, connector: str) -> None:
        """Show the live progress of a connector's running sync."""
        if not self.is_mounted:
            return
        progress = self.loft.sync_progress.get(connector)
        for panel in self.query(ConnectorPanel):
            if panel.status.name == connector and progress is not None:
                panel.show_progress(progress)

    def sync_ended(self) -> None:
        """Drop the progress rows (the fresh status shows the result)."""
        if self.is_mounted:
            for panel in self.query(ConnectorPanel):
                panel.clear_progress()

    def show_countdowns(self) -> None:
        """Refresh each connector's auto-sync countdown."""
        if not self.is_mounted:
            return
        for panel in self.query(ConnectorPanel):
            left = self.loft.auto.seconds_left(panel.status.name)
            panel.show_countdown(countdown(left) if left is not None else "")

    def _selected(self) -> str:
        focused = self.focused
        return focused.status.name if isinstance(focused, ConnectorPanel) else ""

    def action_next_panel(self, step: int) -> None:
        """Highlight the next (or previous) connector."""
        panels = list(self.query(ConnectorPanel))
        if not panels:
            return
        focused = self.focused
        at = panels.index(focused) if isinstance(focused, ConnectorPanel) else -step
        panels[(at + step) % len(panels)].focus()

    def action_sync_selected(self) -> None:
        """Sync the highlighted connector (all when none is highlighted)."""
        self.loft.action_sync(self._selected())

    def action_plan_selected(self) -> None:
        """Plan a sync of the highlighted connector (all when none is highlighted)."""
        self.loft.action_plan(self._selected())

    def action_sync_all(self) -> None:
        """Sync every enabled connector."""
        self.loft.action_sync("")

    def action_cancel(self) -> None:
        """Cancel the running sync."""
        self.loft.action_cancel_sync()

    def action_links(self) -> None:
        """Open the Links screen filtered to the highlighted connector."""
        name = self._selected()
        self.loft.filter_links(connector=name)
