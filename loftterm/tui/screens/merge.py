"""Merge: pick the local profile that duplicates this one, see what would move, merge.

Candidates come from ``Console.merge_candidates`` (a link to a record this profile's warnings
name, the same email, the same name).  The highlighted candidate's merge is previewed as a dry
run (``Console.merge_profiles(..., dry_run=True)``: links, fields filled, warnings, reviews,
payees and balances that would move, or the one line saying why the merge is refused).  ``s``
swaps which profile survives (by default the one holding more links, then more fields); Enter
dismisses with ``(survivor, other)`` and the caller merges.
Unlike the ledgers' own merges this one is journalled: ``loftterm unmerge OTHER`` reverses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from loftterm.console import MergeCandidate, MergeReport
from loftterm.tui.widgets.rowlist import Column, RowList

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp


class CandidateList(RowList[MergeCandidate]):
    """Local profiles that may be the same: name, kind, id, the strongest reason."""

    EMPTY_TEXT = "No other profile shares this one's email, name or remote records."
    _COLUMNS: ClassVar[list[Column[MergeCandidate]]] = [
        Column("Profile", 22, lambda c: c.name),
        Column("Kind", 8, lambda c: c.kind),
        Column("Id", 8, lambda c: c.profile_id),
        Column("Why", 0, lambda c: "; ".join(c.reasons)),
    ]

    def columns(self) -> list[Column[MergeCandidate]]:
        """Profile, kind, id, why."""
        return self._COLUMNS


class MergeScreen(ModalScreen[tuple[str, str] | None]):
    """Choose the duplicate profile and the survivor; Enter merges, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "merge", "Merge", id="merge.confirm", priority=True,
                tooltip="Merge as the preview says (loftterm unmerge reverses it)"),
        Binding("s", "swap", "Swap survivor", id="merge.swap",
                tooltip="Keep the other profile of the pair instead"),
        Binding("escape", "cancel", "Cancel", id="merge.cancel", tooltip="Merge nothing"),
    ]

    def __init__(self, profile_id: str, name: str = "") -> None:
        super().__init__()
        self.profile_id = profile_id
        self.profile_name = name or profile_id
        self.swapped: set[str] = set()  # candidates whose suggested survivor the user swapped
        self.preview: MergeReport | None = None
        self.refusal = ""

    @property
    def loft(self) -> LofttermApp:
        """The running app."""
        return cast("LofttermApp", self.app)

    def compose(self) -> ComposeResult:
        """The candidates, then the preview of the highlighted one's merge."""
        with Vertical(id="merge-box") as box:
            box.border_title = escape(f"Merge a duplicate of {self.profile_name}")
            yield CandidateList(id="merge-list")
            yield Static("looking for duplicates…", id="merge-preview")
        yield Footer()

    def on_mount(self) -> None:
        """Find the candidates in a worker."""
        self.query_one(CandidateList).focus()
        self._candidates()

    @work(thread=True, exclusive=True, group="merge-candidates", exit_on_error=False)
    def _candidates(self) -> None:
        core = self.loft.core
        try:
            name = core.profile(self.profile_id).profile.name
            found = core.merge_candidates(self.profile_id)
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            self.app.call_from_thread(self.dismiss, None)
            return
        self.app.call_from_thread(self._install, name, found)

    def _install(self, name: str, found: list[MergeCandidate]) -> None:
        self.profile_name = name
        self.query_one("#merge-box").border_title = escape(f"Merge a duplicate of {name}")
        candidates = self.query_one(CandidateList)
        candidates.set_rows(found)
        candidates.display = bool(found)
        if not found:
            self.query_one("#merge-preview", Static).update(
                "Nothing to merge with. Duplicates on the remote side are merged there "
                "(then sync); here only two local profiles merge.")
            return
        self._preview_highlighted()

    def _pair(self) -> tuple[str, str] | None:
        chosen = self.query_one(CandidateList).highlighted
        if chosen is None:
            return None
        keep_other = chosen.keep != (chosen.profile_id in self.swapped)
        if keep_other:
            return chosen.profile_id, self.profile_id
        return self.profile_id, chosen.profile_id

    @on(RowList.Highlighted, "#merge-list")
    def _moved(self) -> None:
        self._preview_highlighted()

    def _preview_highlighted(self) -> None:
        pair = self._pair()
        if pair is None:
            return
        self.preview, self.refusal = None, ""
        self.query_one("#merge-preview", Static).update("working out what would move…")
        self._preview(*pair)

    @work(thread=True, exclusive=True, group="merge-preview", exit_on_error=False)
    def _preview(self, survivor: str, other: str) -> None:
        try:
            report = self.loft.core.merge_profiles(survivor, other, dry_run=True)
        except Exception as err:  # a refusal (conflicting links...) is the preview
            self.app.call_from_thread(self._show_refusal, (survivor, other), str(err))
            return
        self.app.call_from_thread(self._show_preview, (survivor, other), report)

    def _show_preview(self, pair: tuple[str, str], report: MergeReport) -> None:
        if pair != self._pair():
            return  # the cursor moved on
        self.preview = report
        lines = "\n".join(escape(line) for line in report.lines())
        self.query_one("#merge-preview", Static).update(
            f"{lines}\n[$text-muted]Enter merges · s keeps {escape(pair[1])} instead · "
            f"loftterm unmerge {escape(pair[1])} reverses it[/]")

    def _show_refusal(self, pair: tuple[str, str], reason: str) -> None:
        if pair != self._pair():
            return
        self.refusal = reason
        self.query_one("#merge-preview", Static).update(
            f"[$error]Cannot merge:[/] {escape(reason)}")

    def action_swap(self) -> None:
        """Keep the other profile of the pair instead (or back)."""
        chosen = self.query_one(CandidateList).highlighted
        if chosen is None:
            return
        self.swapped ^= {chosen.profile_id}
        self._preview_highlighted()

    def action_merge(self) -> None:
        """Dismiss with (survivor, other) once the preview says the merge can go ahead."""
        pair = self._pair()
        if pair is None:
            self.notify("No profile to merge with.", severity="warning")
            return
        if self.refusal:
            self.notify(self.refusal, title="Cannot merge", severity="error", timeout=8)
            return
        if self.preview is None:
            self.notify("Still working out what would move…", severity="warning")
            return
        self.dismiss(pair)

    def action_cancel(self) -> None:
        """Merge nothing."""
        self.dismiss(None)
