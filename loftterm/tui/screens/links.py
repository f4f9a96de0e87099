"""Links: every profile x connector x role, filtered by state, connector and text."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Label
from textual.worker import get_current_worker

from loftterm.models import LinkState
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.linklist import LinkList
from loftterm.tui.widgets.rowlist import RowIndex, RowList
from loftterm.tui.widgets.states import state_markup
from loftterm.views import LinkRow

STATES = ("", *(str(s) for s in LinkState))
FIRST_ROWS = 2000
"""Rows painted before the rest are derived: several screenfuls, a few milliseconds' work."""


def _same_field(new: LinkRow, old: LinkRow) -> bool:
    return (old.profile_id, old.connector, old.role) == (new.profile_id, new.connector, new.role)


def _cycle(options: list[str] | tuple[str, ...], current: str, step: int = 1) -> str:
    index = options.index(current) if current in options else 0
    return options[(index + step) % len(options)]


class LinksScreen(LofttermScreen):
    """The link list with its filters; Enter opens the profile."""

    TITLE_TEXT = "Links"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash,f", "focus_filter", "Filter", id="links.filter",
                tooltip="Type to filter by name, email or id"),
        Binding("t", "cycle_state", "State", id="links.state",
                tooltip="Cycle the state filter (all, linked, blank, missing…)"),
        Binding("T", "cycle_state(-1)", "State back", id="links.state_back", show=False),
        Binding("c", "cycle_connector", "Connector", id="links.connector",
                tooltip="Cycle the connector filter"),
        Binding("r", "reload", "Reload", id="links.reload", show=False,
                tooltip="Read every link row again"),
        Binding("escape", "clear", "Clear", id="links.clear", tooltip="Clear every filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state_filter = ""
        self.connector_filter = ""
        self._pending_text: str | None = None
        self._loading = False

    def compose(self) -> ComposeResult:
        """Filter bar, list, footer."""
        yield Header()
        with Horizontal(id="links-bar"):
            yield Input(placeholder="/ filter: name, id, remote…", id="links-text")
            yield Label("", id="links-facets")
        yield LinkList(id="links-list")
        yield Footer()

    def on_mount(self) -> None:
        """Load rows, then focus the list."""
        super().on_mount()
        self.set_filters()
        self.query_one(LinkList).focus()

    def reload(self) -> None:
        """Load every link row in a worker (100k rows never block the UI)."""
        self.query_one("#links-facets", Label).update("loading…")
        self._load(self.query_one(LinkList))

    @work(thread=True, exclusive=True, group="links-load", exit_on_error=False)
    def _load(self, linklist: LinkList) -> None:
        # Deriving 100k link states takes seconds: the first rows are painted as soon as they
        # are known, the rest when all are; search keys come last (a filter typed before they
        # arrive builds them itself).
        worker = get_current_worker()
        rows: list[LinkRow] = []
        try:
            for row in self.loft.core.iter_link_rows():
                rows.append(row)
                if len(rows) == FIRST_ROWS:
                    first = linklist.build_index(rows.copy(), keys=False)
                    self.app.call_from_thread(self._install, first, loading=True)
                if worker.is_cancelled:
                    return
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            self.app.call_from_thread(self._load_failed)
            return
        index = linklist.build_index(rows, keys=False)
        self.app.call_from_thread(self._install, index)
        if not worker.is_cancelled:
            keys = linklist.build_keys(index.rows)
            self.app.call_from_thread(linklist.set_keys, index.rows, keys)

    def _load_failed(self) -> None:
        self._loading = False
        self._show_facets()

    def _install(self, index: RowIndex[LinkRow], *, loading: bool = False) -> None:
        self._loading = loading
        self.query_one(LinkList).set_index(index)
        self._show_facets()

    def apply_filters(self) -> None:
        """Re-filter the list from the text box and the state and connector filters."""
        text = self.query_one("#links-text", Input).value
        self.query_one(LinkList).filter(text, state=self.state_filter,
                                        connector=self.connector_filter)
        self._show_facets()

    def set_filters(self, *, state: str | None = None, connector: str | None = None,
                    text: str | None = None) -> None:
        """Set any of the filters programmatically (palette commands, dashboard)."""
        if state is not None:
            self.state_filter = state
        if connector is not None:
            self.connector_filter = connector
        if text is not None:
            self._pending_text = text
        if not self.is_mounted:
            return
        if self._pending_text is not None:
            self.query_one("#links-text", Input).value = self._pending_text
            self._pending_text = None
        self.apply_filters()

    def _show_facets(self) -> None:
        linklist = self.query_one(LinkList)
        state = state_markup(self.state_filter) if self.state_filter else "all"
        connector = self.connector_filter or "all"
        total = f"{linklist.row_count:,}" + ("+ loading…" if self._loading else "")
        self.query_one("#links-facets", Label).update(
            f"[dim]t[/] state {state} [dim]c[/] {connector} {linklist.match_count:,}/{total}")

    @on(Input.Changed, "#links-text")
    def _text_changed(self) -> None:
        self.apply_filters()

    @on(Input.Submitted, "#links-text")
    def _text_done(self) -> None:
        self.query_one(LinkList).focus()

    def action_focus_filter(self) -> None:
        """Put the cursor in the text filter."""
        self.query_one("#links-text", Input).focus()

    def action_cycle_state(self, step: int = 1) -> None:
        """Show the next link state (or all)."""
        self.state_filter = _cycle(STATES, self.state_filter, step)
        self.apply_filters()

    def action_cycle_connector(self) -> None:
        """Show the next connector (or all)."""
        self.connector_filter = _cycle(["", *self.loft.connector_names], self.connector_filter)
        self.apply_filters()

    def action_clear(self) -> None:
        """Clear every filter and go back to the list."""
        self.state_filter = self.connector_filter = ""
        self.query_one("#links-text", Input).value = ""
        self.apply_filters()
        self.query_one(LinkList).focus()

    @on(RowList.Chosen, "#links-list")
    def _open(self, event: RowList.Chosen) -> None:
        row = event.row
        if isinstance(row, LinkRow):
            self.loft.open_profile(row.profile_id, row.connector, row.role)

    def absorb(self, rows: list[LinkRow], version: int, *, everything: bool = False) -> None:
        """Show the rows a write changed without reloading 100k rows (``r`` reloads all).

        ``everything``: other profiles' rows may have changed too (an organization's link decides
        its payees' states), so every row is read again in the background, keeping the cursor.
        """
        if not self.is_mounted or self._loaded_version != version - 1:
            return
        linklist = self.query_one(LinkList)
        for row in rows:
            linklist.replace_where(partial(_same_field, row), row)
        self._loaded_version = version
        if everything:
            self._load(linklist)

    def action_reload(self) -> None:
        """Read every link row again."""
        self._loaded_version = self.loft.data_version
        self.reload()
