"""Runs: the sync history, and each run's per-record outcomes (filterable)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Footer, Header, Input, Label, Static

from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.rowlist import Column, RowList
from loftterm.tui.widgets.states import short_time
from loftterm.views import OutcomeRow, RunSummary

OUTCOME_CLASSES = {"failed": "outcomes--bad", "deferred": "outcomes--warn",
                   "skipped": "outcomes--muted"}


def _result(run: RunSummary) -> str:
    if run.dry_run:
        return "dry-run" if run.ok else "failed"
    return "ok" if run.ok else "failed"


class RunList(RowList[RunSummary]):
    """One line per run, newest first."""

    DEFAULT_CSS = """
    RunList > .runs--ok { color: $success; }
    RunList > .runs--bad { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | {"runs--ok", "runs--bad"}
    EMPTY_TEXT = "No sync has run yet."
    _COLUMNS: ClassVar[list[Column[RunSummary]]] = [
        Column("Started", 16, lambda r: short_time(r.started)),
        Column("Connector", 9, lambda r: r.connector),
        Column("Result", 7, _result, lambda r: "runs--ok" if r.ok else "runs--bad"),
        Column("Calls", 5, lambda r: str(r.api_calls)),
        Column("Counts", 0, lambda r: r.error or " ".join(f"{k} {v}" for k, v in r.counts.items())),
    ]

    def columns(self) -> list[Column[RunSummary]]:
        """Show started, connector, result word, API calls, counts (or the error)."""
        return self._COLUMNS

    def search_key(self, row: RunSummary) -> str:
        """Id, connector and error."""
        return f"{row.id}\t{row.connector}\t{row.error}"


class OutcomeList(RowList[OutcomeRow]):
    """What each record went through in the selected run."""

    DEFAULT_CSS = """
    OutcomeList > .outcomes--bad { color: $error; text-style: bold; }
    OutcomeList > .outcomes--warn { color: $warning; }
    OutcomeList > .outcomes--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = (
        RowList.COMPONENT_CLASSES | set(OUTCOME_CLASSES.values()))
    EMPTY_TEXT = "No record outcome (filter?)."
    _COLUMNS: ClassVar[list[Column[OutcomeRow]]] = [
        Column("Profile", 0, lambda o: o.name),
        Column("Action", 8, lambda o: o.action),
        Column("Status", 8, lambda o: o.status, lambda o: OUTCOME_CLASSES.get(o.status, "")),
        Column("Remote", 8, lambda o: o.remote_id),
        Column("Reason", 0, lambda o: o.reason),
    ]

    def columns(self) -> list[Column[OutcomeRow]]:
        """Profile, action, status word, remote id, reason."""
        return self._COLUMNS

    def search_key(self, row: OutcomeRow) -> str:
        """Every field."""
        return "\t".join((row.profile_id, row.name, row.action, row.status, row.remote_id,
                          row.reason))


class RunsScreen(LofttermScreen):
    """Run history on top, the highlighted run's outcomes below."""

    TITLE_TEXT = "Runs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash,f", "focus_filter", "Filter outcomes", id="runs.filter",
                tooltip="Filter the outcomes by name, status or reason"),
        Binding("tab", "switch_list", "Runs/outcomes", id="runs.switch", show=False),
        Binding("escape", "clear", "Clear", id="runs.clear", tooltip="Clear the outcome filter"),
    ]

    def compose(self) -> ComposeResult:
        """Lay out the runs, the outcome filter and the outcomes."""
        yield Header()
        yield RunList(id="runs-list")
        yield Static(id="run-notes")
        with Horizontal(id="outcomes-bar"):
            yield Input(placeholder="/ filter outcomes", id="outcomes-text")
            yield Label("", id="outcomes-count")
        yield OutcomeList(id="outcomes-list")
        yield Footer()

    def on_mount(self) -> None:
        """Load and focus the runs."""
        super().on_mount()
        self.query_one(RunList).focus()

    def reload(self) -> None:
        """Read the history."""
        runs: list[RunSummary] = self.loft.safe(self.loft.core.runs, [])
        self.query_one(RunList).set_rows(runs)
        self._show_outcomes(runs[0] if runs else None)

    def _show_outcomes(self, run: RunSummary | None) -> None:
        notes = self.query_one("#run-notes", Static)
        notes.display = bool(run and run.notes)
        notes.update("\n".join(f"note: {escape(n)}" for n in run.notes) if run else "")
        outcomes = self.query_one(OutcomeList)
        outcomes.set_rows(run.outcomes if run else [])
        self._count()

    def _count(self) -> None:
        outcomes = self.query_one(OutcomeList)
        self.query_one("#outcomes-count", Label).update(
            f"{outcomes.match_count}/{outcomes.row_count} outcomes")

    @on(RowList.Highlighted, "#runs-list")
    def _run_highlighted(self, event: RowList.Highlighted) -> None:
        if isinstance(event.row, RunSummary):
            self._show_outcomes(event.row)

    @on(RowList.Chosen, "#runs-list")
    def _run_chosen(self) -> None:
        self.query_one(OutcomeList).focus()

    @on(RowList.Chosen, "#outcomes-list")
    def _outcome_chosen(self, event: RowList.Chosen) -> None:
        if isinstance(event.row, OutcomeRow):
            self.loft.open_profile(event.row.profile_id)

    @on(Input.Changed, "#outcomes-text")
    def _filter(self, event: Input.Changed) -> None:
        self.query_one(OutcomeList).filter(event.value)
        self._count()

    @on(Input.Submitted, "#outcomes-text")
    def _submitted(self) -> None:
        self.query_one(OutcomeList).focus()

    def action_focus_filter(self) -> None:
        """Put the cursor in the outcome filter."""
        self.query_one("#outcomes-text", Input).focus()

    def action_switch_list(self) -> None:
        """Move between the runs and the outcomes."""
        runs = self.query_one(RunList)
        (self.query_one(OutcomeList) if runs.has_focus else runs).focus()

    def action_clear(self) -> None:
        """Clear the outcome filter."""
        self.query_one("#outcomes-text", Input).value = ""
        self.query_one(RunList).focus()
