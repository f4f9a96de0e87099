"""One connector on the dashboard: three one-line summaries, live progress, and the full "why".

A panel is four terminal lines (its title on the top border, last sync, states, pending with the
top reason) so three connectors fit 80x24; the dashboard shows every reason and the full counts
of the highlighted connector only (:func:`detail_markup`).
"""

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


def last_sync_markup(status: ConnectorStatus, countdown: str = "") -> str:
    """Return one line: "last sync <when> <ok|failed> · N calls · countdown · counts or error"."""
    run = status.last_run
    auto = f" · [$text-muted]{escape(countdown)}[/]" if countdown else ""
    if run is None:
        return f"last sync [$text-muted]never[/]{auto}"
    result = status_markup("ok" if run.ok else "failed")
    text = f"last sync {short_time(run.started)} {result} · {run.api_calls} calls{auto}"
    if run.error:
        return text + f" · [$error]{escape(run.error)}[/]"
    counts = counts_text(run.counts)
    return text + (f" · {escape(counts)}" if counts else "")


def states_markup(counts: dict[str, int]) -> str:
    """Return the link states that have rows, each as its coloured word and count."""
    parts = [f"{state_markup(str(s), bold=False)} {counts[str(s)]:,}"
             for s in LinkState if counts.get(str(s))]
    return "  ".join(parts) if parts else "[$text-muted]no links yet[/]"


def top_reason(pending: PendingCounter) -> str:
    """The reason that explains the counter best: the first one about a write, if any.

    The engine lists what will be pulled first; when something will be written, the first reason
    about that write is the interesting one.
    """
    reasons = pending.reasons
    if not reasons:
        return ""
    if pending.total:
        writes = [r for r in reasons if "pulled" not in r]
        if writes:
            return writes[0]
    return reasons[0]


def pending_markup(pending: PendingCounter, *, why: bool = True) -> str:
    """Return the pending counter and its non-zero parts (and the top reason) on one line."""
    parts = [f"{getattr(pending, attr):,} {label}" for attr, label in PENDING_PARTS
             if getattr(pending, attr)]
    if pending.first_pull:  # nothing pulled yet: each create may still find its match
        parts = [f"up to {part}" if "create remotely" in part else part for part in parts]
        parts.append("[$text-muted]all to pull (first sync)[/]")
    else:
        parts.append(f"[$text-muted]{pending.to_pull:,} to pull[/]")
    if pending.held:  # written by nobody until a person decides: shown apart, in warning colour
        parts.append(f"[$warning]{pending.held:,} held for review (5)[/]")
    total = f"up to {pending.total:,}" if pending.first_pull and pending.total else f"{pending.total:,}"
    text = f"[b]pending {total}[/b]: " + " · ".join(parts)
    reason = top_reason(pending) if why else ""
    if reason:
        text += f" · [$text-muted]why:[/] {escape(reason)}"
    return text


def detail_markup(status: ConnectorStatus) -> str:
    """Everything the one-line summaries cut: the full last run, the error and every reason."""
    lines = []
    run = status.last_run
    if run is not None:
        counts = counts_text(run.counts) or "no changes"
        lines.append(f"[b]last run[/b] {short_time(run.started)} "
                     f"{status_markup('ok' if run.ok else 'failed')}: {escape(counts)}")
        if run.error:
            lines.append(f"[$error]{escape(run.error)}[/]")
    lines.append(pending_markup(status.pending, why=False))
    lines += [f"• {escape(reason)}" for reason in status.pending.reasons]
    return "\n".join(lines)


FINISHED = {"done": "synced", "error": "sync failed"}


class PhaseRow(Horizontal):
    """The running phase of a sync: its name, a bar and the live count."""

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
        """Show a phase (the same or the next one) from its latest event."""
        self.latest = progress
        self.phase = progress.phase
        bars = self.query(ProgressBar)
        if not bars:
            return
        name = FINISHED.get(progress.phase, f"syncing {progress.phase}")
        self.query_one(".phase-name", Label).update(escape(name))
        bars.first().update(total=progress.total, progress=progress.done)
        total = "?" if progress.total is None else str(progress.total)
        count = "" if progress.phase in FINISHED else f"{progress.done}/{total} "
        self.query_one(".phase-count", Label).update(count + escape(progress.message))


class ConnectorPanel(Vertical, can_focus=True):
    """A dashboard card for one connector; focus it and press ``s`` to sync it."""

    def __init__(self, status: ConnectorStatus) -> None:
        super().__init__(id=f"connector-{status.name}", classes="connector-panel")
        self.status = status
        self.countdown = ""
        self.progress: ConnectorProgress | None = None  # of the running sync, shown on mount
        self.border_title = escape(f"{status.title} · {status.organisation}")

    def compose(self) -> ComposeResult:
        """Last sync (or the running phase), states, pending."""
        yield Static(id="last-sync", classes="panel-line")
        yield Vertical(id="phases")
        yield Static(id="states", classes="panel-line")
        yield Static(id="pending", classes="panel-line")

    @property
    def composed(self) -> bool:
        """True once the panel has its lines: a panel mounted this instant has none yet.

        A sync's first event or a countdown tick can reach it then (a dashboard reload).
        """
        return bool(self.children)

    def on_mount(self) -> None:
        """Fill in the lines (and the progress of a sync that began while mounting)."""
        self.update_status(self.status)
        if self.progress is not None:
            self.show_progress(self.progress)

    def update_status(self, status: ConnectorStatus, countdown: str | None = None) -> None:
        """Redraw from a fresh status."""
        self.status = status
        if countdown is not None:
            self.countdown = countdown
        self.border_title = escape(f"{status.title} · {status.organisation}")
        if not self.composed:
            return  # on_mount draws this status
        self.query_one("#last-sync", Static).update(last_sync_markup(status, self.countdown))
        self.query_one("#states", Static).update(states_markup(status.state_counts))
        self.query_one("#pending", Static).update(pending_markup(status.pending))

    def show_countdown(self, countdown: str) -> None:
        """Redraw the last-sync line with the auto-sync countdown."""
        if countdown != self.countdown:
            self.countdown = countdown
            if self.composed:
                self.query_one("#last-sync", Static).update(last_sync_markup(self.status, countdown))

    def show_progress(self, progress: ConnectorProgress) -> None:
        """Show the running phase in place of the last-sync line (the panel keeps its height)."""
        phases = progress.ordered()
        if not phases:
            return
        current = progress.phases.get(progress.current, phases[-1])
        if progress.finished:
            current = PhaseProgress(progress.current, 1, 1, "")
        self.progress = progress
        if not self.composed:
            return  # on_mount shows it
        self.add_class("-syncing")
        box = self.query_one("#phases", Vertical)
        rows = list(box.query(PhaseRow))
        if rows:
            rows[0].show(current)
        else:
            box.mount(PhaseRow(current))

    def clear_progress(self) -> None:
        """Remove the phase row after a sync."""
        self.progress = None
        self.remove_class("-syncing")
        if self.composed:
            self.query_one("#phases", Vertical).remove_children()
