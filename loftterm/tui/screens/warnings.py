"""Warnings: duplicates, archived duplicates, missing, misplaced, clashes, deferrals, failures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Footer, Header, Input, Label, Static

from loftterm.models import Warning as BookWarning
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.rowlist import Column, RowList
from loftterm.views import Proposal

SEVERE = {"missing", "misplaced", "push-failed", "conflict", "archived-duplicate"}
#: Warnings whose remote candidates "not the same" (n) rejects all at once.
DUPLICATE_KINDS = ("duplicate", "archived-duplicate")


@dataclass(frozen=True)
class WarningEntry:
    """A warning, or an open review shown among the warnings."""

    kind: str
    connector: str
    profile_id: str
    message: str
    proposal_id: str = ""
    remote_ids: tuple[str, ...] = ()

    @classmethod
    def of_warning(cls, w: BookWarning) -> WarningEntry:
        """Wrap a book warning."""
        return cls(w.kind, w.connector, w.profile_id, w.message, "", tuple(w.remote_ids))

    @classmethod
    def of_proposal(cls, p: Proposal) -> WarningEntry:
        """Wrap an open 'link to existing contact' review."""
        return cls("review", p.connector, p.profile_id, p.reason, p.id)


def _kind_class(entry: WarningEntry) -> str:
    return "warnlist--severe" if entry.kind in SEVERE else "warnlist--mild"


class WarningList(RowList[WarningEntry]):
    """The warnings as a fast list (a big book can hold thousands)."""

    DEFAULT_CSS = """
    WarningList > .warnlist--severe { color: $error; text-style: bold; }
    WarningList > .warnlist--mild { color: $warning; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | {
        "warnlist--severe", "warnlist--mild"}
    EMPTY_TEXT = "No open warning."
    _COLUMNS: ClassVar[list[Column[WarningEntry]]] = [
        Column("Kind", 18, lambda e: e.kind, _kind_class),
        Column("Connector", 9, lambda e: e.connector),
        Column("What", 0, lambda e: e.message),
    ]

    def columns(self) -> list[Column[WarningEntry]]:
        """Kind (coloured word), connector, message."""
        return self._COLUMNS

    def search_key(self, row: WarningEntry) -> str:
        """Kind, connector, profile id and message."""
        return f"{row.kind}\t{row.connector}\t{row.profile_id}\t{row.message}"


class WarningsScreen(LofttermScreen):
    """Open warnings and reviews; Enter opens the profile (or the review)."""

    TITLE_TEXT = "Warnings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash,f", "focus_filter", "Filter", id="warnings.filter",
                tooltip="Type to filter the warnings"),
        Binding("escape", "clear", "Clear", id="warnings.clear", tooltip="Clear the filter"),
        Binding("n", "not_same", "Not the same", id="warnings.not_same",
                tooltip="None of the records this warning names is the profile: never again"),
        Binding("m", "merge", "Merge", id="warnings.merge",
                tooltip="Merge the profile with a local duplicate (previewed first)"),
        Binding("l", "take('local')", "Keep the book's", id="warnings.take_local", show=False,
                tooltip="On a conflict: the book's value wins and is written remotely"),
        Binding("r", "take('remote')", "Keep the remote", id="warnings.take_remote", show=False,
                tooltip="On a conflict: the remote value wins and is written to the book"),
    ]

    def compose(self) -> ComposeResult:
        """Filter, list, footer."""
        yield Header()
        with Horizontal(id="warnings-bar"):
            yield Input(placeholder="/ filter warnings", id="warnings-text")
            yield Label("", id="warnings-count")
        yield WarningList(id="warnings-list")
        yield Static(id="warning-detail")
        yield Footer()

    def on_mount(self) -> None:
        """Load and focus the list."""
        super().on_mount()
        self.query_one(WarningList).focus()

    def reload(self) -> None:
        """Read the open warnings and the open reviews (in a worker)."""
        self._load()

    @work(thread=True, exclusive=True, group="warnings-load", exit_on_error=False)
    def _load(self) -> None:
        core = self.loft.core
        try:
            proposals = core.proposals()
            warnings = core.warnings()
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            return
        entries = [WarningEntry.of_proposal(p) for p in proposals]
        entries += [WarningEntry.of_warning(w) for w in warnings]
        self.app.call_from_thread(self._install, entries)

    def _install(self, entries: list[WarningEntry]) -> None:
        if self.is_attached:
            self.query_one(WarningList).set_rows(entries)
            self._count()

    def _count(self) -> None:
        wl = self.query_one(WarningList)
        self.query_one("#warnings-count", Label).update(f"{wl.match_count}/{wl.row_count}")

    @on(Input.Changed, "#warnings-text")
    def _filter(self, event: Input.Changed) -> None:
        self.query_one(WarningList).filter(event.value)
        self._count()

    @on(Input.Submitted, "#warnings-text")
    def _submitted(self) -> None:
        self.query_one(WarningList).focus()

    def action_focus_filter(self) -> None:
        """Put the cursor in the filter."""
        self.query_one("#warnings-text", Input).focus()

    def action_clear(self) -> None:
        """Clear the filter."""
        self.query_one("#warnings-text", Input).value = ""
        self.query_one(WarningList).focus()

    @on(RowList.Highlighted, "#warnings-list")
    def _detail(self, event: RowList.Highlighted) -> None:
        entry = event.row
        if isinstance(entry, WarningEntry):
            action = "Enter: review it" if entry.proposal_id else "Enter: open the profile"
            if entry.kind in (*DUPLICATE_KINDS, "suggested"):
                action += " · n: not the same · m: merge local duplicates"
            elif entry.kind == "merged":
                action += " · m: merge the two profiles"
            elif entry.kind == "conflict":
                action += f" · l: keep the book's value · r: keep {entry.connector}'s"
            self.query_one("#warning-detail", Static).update(
                f"[b]{escape(entry.kind)}[/b] {escape(entry.connector)} "
                f"{escape(entry.profile_id)}: {escape(entry.message)} [dim]({action})[/]")

    @on(RowList.Chosen, "#warnings-list")
    def _open(self, event: RowList.Chosen) -> None:
        entry = event.row
        if not isinstance(entry, WarningEntry):
            return
        if entry.proposal_id:
            self.loft.action_review(entry.proposal_id)
        else:
            self.loft.open_profile(entry.profile_id, entry.connector)

    def _highlighted(self) -> WarningEntry | None:
        entry = self.query_one(WarningList).highlighted
        if entry is None:
            self.notify("No warning is highlighted.", severity="warning")
        return entry

    def action_not_same(self) -> None:
        """Remember that the records a duplicate (or suggested) warning names are not the profile."""
        entry = self._highlighted()
        if entry is None:
            return
        core = self.loft.core
        if entry.kind in DUPLICATE_KINDS:
            label = f"Not the same: {entry.profile_id} and the {entry.connector} records named"
            self.loft.run_write(label, lambda: core.reject_candidates(entry.profile_id,
                                                                      entry.connector),
                                lambda _: self._after_write())
        elif entry.kind == "suggested" and entry.remote_ids:
            rid = entry.remote_ids[0]
            self.loft.run_write(f"Not the same: {entry.profile_id} and {entry.connector} {rid}",
                                lambda: core.reject_pair(entry.profile_id, entry.connector, rid),
                                lambda _: self._after_write())
        else:
            self.notify("n (not the same) answers duplicate and suggested warnings; open the "
                        "profile (Enter) for the others.", severity="warning")

    def action_take(self, side: str) -> None:
        """On a conflict warning: keep one side's value and sync to write it to the other."""
        entry = self._highlighted()
        if entry is None:
            return
        if entry.kind != "conflict":
            self.notify("l and r answer conflict warnings.", severity="warning")
            return
        field = entry.message.split(" ", 1)[0]  # "<field> changed on both sides ..."
        core = self.loft.core
        self.loft.run_write(
            f"Keep the {side} {field} of {entry.profile_id}",
            lambda: core.resolve_conflict(entry.profile_id, entry.connector, field, side),
            lambda _: self._after_write())

    def action_merge(self) -> None:
        """Merge the warning's profile with a local duplicate (the merge screen previews it)."""
        entry = self._highlighted()
        if entry is None:
            return
        self.loft.merge_duplicate(entry.profile_id, "", lambda _: self._after_write())

    def _after_write(self) -> None:
        if self.is_attached:
            self._loaded_version = self.loft.data_version
            self.reload()
