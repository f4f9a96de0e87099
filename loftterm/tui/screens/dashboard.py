"""The dashboard: every connector with its last sync, link states, pending counter and syncs."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.syncing import countdown
from loftterm.tui.widgets.connector_panel import ConnectorPanel
from loftterm.views import ConnectorStatus


class DashboardScreen(LofttermScreen):
    """Connectors, pending counters and live sync progress."""

    TITLE_TEXT = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync_selected", "Sync this", id="sync.selected",
                tooltip="Sync the highlighted connector"),
        Binding("a", "sync_all", "Sync all", id="dashboard.sync_all", show=False,
                tooltip="Sync every enabled connector"),
        Binding("c", "cancel", "Cancel sync", id="sync.cancel", tooltip="Stop the running sync"),
        Binding("down,j", "focus_next", "Next", show=False, id="dashboard.next"),
        Binding("up,k", "focus_previous", "Previous", show=False, id="dashboard.previous"),
        Binding("enter", "links", "Links", id="dashboard.links",
                tooltip="Show the highlighted connector's links"),
    ]

    def compose(self) -> ComposeResult:
        """Summary line and one panel per connector."""
        yield Header()
        yield Static(id="dashboard-summary")
        yield VerticalScroll(id="panels", can_focus=False)
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
        self.query_one("#dashboard-summary", Static).update(
            f"[$warning]{warnings} warnings[/] [dim]3[/] · {reviews} to review [dim]5[/] · "
            "[dim]2[/] links [dim]4[/] runs [dim]S[/] sync all")
        self.call_after_refresh(self.show_countdowns)

    def _focus_first(self) -> None:
        if not isinstance(self.focused, ConnectorPanel):
            panels = list(self.query(ConnectorPanel))
            if panels:
                panels[0].focus()

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

    def action_sync_selected(self) -> None:
        """Sync the highlighted connector (all when none is highlighted)."""
        self.loft.action_sync(self._selected())

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
