"""One connector on the dashboard: last sync, link-state counts, pending counter, live progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Label, ProgressBar, Static

from loftterm.models import LinkState
from loftterm.tui.syncing import ConnectorProgress, PhaseProgress
from loftterm.tui.widgets.states import counts_text, short_time, state_markup, status_markup
from loftterm.views import ConnectorStatus, PendingCounter

PENDING_PARTS = (
    ("to_create_remote", "to create remotely"),
    ("to_create_local", "to create locally"),
    ("to_link", "to link"),
    ("to_update", "to update"),
    ("to_archive", "to archive"),
)


def last_sync_markup(status: ConnectorStatus) -> str:
    """Return "last sync <when> <ok|failed> · N calls · counts" as markup."""
    run = status.last_run
    if run is None:
        return "last sync [$text-muted]never[/]"
    result = status_markup("ok" if run.ok else "failed")
    counts = counts_text(run.counts)
    text = f"last sync {short_time(run.started)} {result} · {run.api_calls} calls"
    if counts:
        text += f" · {escape(counts)}"
    if run.error:
        text += f"\n  [$error]{escape(run.error)}[/]"
    return text


def states_markup(counts: dict[str, int]) -> str:
    """Return the link states that have rows, each as its coloured word and count."""
    parts = [f"{state_markup(str(s), bold=False)} {counts[str(s)]:,}"
             for s in LinkState if counts.get(str(s))]
    return "  ".join(parts) if parts else "[$text-muted]no links yet[/]"


def pending_markup(pending: PendingCounter) -> str:
    """Return the pending counter, its non-zero parts and its reasons."""
    parts = [f"{getattr(pending, attr):,} {label}" for attr, label in PENDING_PARTS
             if getattr(pending, attr)]
    parts.append(f"[$text-muted]{pending.to_pull:,} to pull[/]")
    text = f"[b]pending {pending.total:,}[/b]: " + " · ".join(parts)
    for reason in pending.reasons:
        text += f"\n  [$text-muted]why:[/] {escape(reason)}"
    return text


class PhaseRow(Horizontal):
    """One sync phase: its name, a bar and the live count."""

    def __init__(self, progress: PhaseProgress) -> None:
        super().__init__(classes="phase-row")
        self.phase = progress.phase
        self.latest = progress

    def compose(self) -> ComposeResult:
        """Name, bar, count."""
        yield Label(self.phase, classes="phase-name")
        yield ProgressBar(show_eta=False, show_percentage=False, classes="phase-bar")
        yield Label("", classes="phase-count")

    def on_mount(self) -> None:
        """Show the latest event received before the row was ready."""
        self.show(self.latest)

    def show(self, progress: PhaseProgress) -> None:
        """Update the bar and the count from the latest event."""
        self.latest = progress
        bars = self.query(ProgressBar)
        if not bars:
            return
        bar = bars.first()
        bar.update(total=progress.total, progress=progress.done)
        total = "?" if progress.total is None else str(progress.total)
        self.query_one(".phase-count", Label).update(
            f"{progress.done}/{total} {escape(progress.message)}")


class ConnectorPanel(Vertical, can_focus=True):
    """A dashboard card for one connector; focus it and press ``s`` to sync it."""

    def __init__(self, status: ConnectorStatus) -> None:
        super().__init__(id=f"connector-{status.name}", classes="connector-panel")
        self.status = status
        self.border_title = f"{status.title} · {status.organisation}"

    def compose(self) -> ComposeResult:
        """Last sync, states, pending, then a slot for phase rows."""
        yield Static(id="last-sync", classes="panel-line")
        yield Static(id="states", classes="panel-line")
        yield Static(id="pending", classes="panel-line")
        yield Vertical(id="phases")

    def on_mount(self) -> None:
        """Fill in the lines."""
        self.update_status(self.status)

    def update_status(self, status: ConnectorStatus, countdown: str = "") -> None:
        """Redraw from a fresh status."""
        self.status = status
        self.border_title = f"{status.title} · {status.organisation}"
        line = last_sync_markup(status)
        if countdown:
            line += f" · [$text-muted]{countdown}[/]"
        self.query_one("#last-sync", Static).update(line)
        self.query_one("#states", Static).update(states_markup(status.state_counts))
        self.query_one("#pending", Static).update(pending_markup(status.pending))

    def show_countdown(self, countdown: str) -> None:
        """Redraw the last-sync line with the auto-sync countdown."""
        self.update_status(self.status, countdown)

    def show_progress(self, progress: ConnectorProgress) -> None:
        """Show one row per phase seen so far, each with its bar and count."""
        self.add_class("-syncing")
        box = self.query_one("#phases", Vertical)
        rows = {row.phase: row for row in box.query(PhaseRow)}
        for phase in progress.ordered():
            row = rows.get(phase.phase)
            if row is None:
                box.mount(PhaseRow(phase))
            else:
                row.show(phase)

    def clear_progress(self) -> None:
        """Remove the phase rows after a sync."""
        self.remove_class("-syncing")
        self.query_one("#phases", Vertical).remove_children()
