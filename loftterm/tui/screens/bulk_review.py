"""Bulk review: decide many held reviews at once, after seeing exactly how many.

A first sync of a big book can hold thousands of creates and imports.  This modal picks a rule
-- create (or import) every held one whose best candidate scores below X and shares no email or
phone, or link every unambiguous pair scoring at least Y that shares the chosen evidence -- and
shows the count live (``Console.bulk_review(rule)``) before Enter carries it out in one write
and one sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, RadioButton, RadioSet, Static

from loftterm.views import BulkReview
from loftterm.words import counted

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp

ACTIONS = ("create", "import", "link")
SAME = ("email", "phone", "name")


class BulkReviewScreen(ModalScreen[int | None]):
    """Choose a rule, see the count, Enter decides them all; Esc decides nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Decide them", id="bulk.apply", priority=True,
                tooltip="Carry out the rule for every review counted"),
        Binding("escape", "cancel", "Cancel", id="bulk.cancel", tooltip="Decide nothing"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.count: int | None = None

    @property
    def loft(self) -> LofttermApp:
        """The running app."""
        return cast("LofttermApp", self.app)

    def compose(self) -> ComposeResult:
        """The rule (action, score, evidence), then the live count."""
        with Vertical(id="bulk-box") as box:
            box.border_title = "Decide many held reviews"
            with RadioSet(id="bulk-action"):
                yield RadioButton("create anyway: held profiles, best candidate below the score",
                                  value=True)
                yield RadioButton("import anyway: held records, best candidate below the score")
                yield RadioButton("link: pairs at or above the score sharing what is ticked")
            with Horizontal(id="bulk-score-row"):
                yield Static("score ", classes="bulk-label")
                yield Input("0.5", placeholder="0..1", id="bulk-score")
            with Horizontal(id="bulk-same"):
                yield Static("link only if ", classes="bulk-label")
                for same in SAME:
                    yield Checkbox(f"same {same}", id=f"bulk-same-{same}")
            yield Static("counting…", id="bulk-count")
            yield Static("Tab: next field · Space: choose · Enter: decide · Esc: cancel",
                         id="bulk-help")
        yield Footer()

    def on_mount(self) -> None:
        """Count for the default rule."""
        self.query_one(RadioSet).focus()
        self._recount()

    def rule(self) -> BulkReview | None:
        """The rule as the widgets say, or None while the score is not a number in 0..1."""
        action = ACTIONS[max(self.query_one(RadioSet).pressed_index, 0)]
        try:
            score = float(self.query_one("#bulk-score", Input).value)
        except ValueError:
            return None
        if not 0 <= score <= 1:
            return None
        same = tuple(s for s in SAME if self.query_one(f"#bulk-same-{s}", Checkbox).value)
        if action == "link":
            return BulkReview(action, above=score, same=same)
        return BulkReview(action, below=score)

    @on(RadioSet.Changed)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _recount(self) -> None:
        rule = self.rule()
        self.count = None
        label = self.query_one("#bulk-count", Static)
        if rule is None:
            label.update("[$error]the score is a number from 0 to 1[/]")
            return
        label.update("counting…")
        self._count(rule)

    @work(thread=True, exclusive=True, group="bulk-count", exit_on_error=False)
    def _count(self, rule: BulkReview) -> None:
        try:
            found = self.loft.core.bulk_review(rule)
        except Exception as err:  # shown in place of the count
            self.app.call_from_thread(self._show_count, rule, -1, str(err))
            return
        self.app.call_from_thread(self._show_count, rule, len(found), "")

    def _show_count(self, rule: BulkReview, count: int, error: str) -> None:
        if rule != self.rule():
            return  # the user changed the rule meanwhile: a newer count is coming
        label = self.query_one("#bulk-count", Static)
        if error:
            label.update(f"[$error]{error}[/]")
            return
        self.count = count
        verb = {"create": "created anyway", "import": "imported anyway", "link": "linked"}
        label.update(f"[b]{counted(count, 'review')}[/b] would be {verb[rule.action]} · Enter "
                     "does it · Esc cancels")

    def action_apply(self) -> None:
        """Carry out the rule for the counted reviews."""
        rule = self.rule()
        if rule is None or not self.count:
            self.notify("Nothing to decide with this rule.", title="Bulk review")
            return
        count = self.count

        def done(decided: list[object]) -> None:
            self.dismiss(len(decided))

        self.loft.run_write(f"Decided {count:,} reviews",
                            lambda: self.loft.core.bulk_review(rule, apply=True), done)

    def action_cancel(self) -> None:
        """Decide nothing."""
        self.dismiss(None)
