"""SortScape's 'link to existing contacts' review as three columns: ledger, proposed, SortScape.

A proposal field's ``left`` is the ledger side (the profile as its ledger contact -- Xero or
QuickBooks Online -- knows it), ``right`` the SortScape contact's value, ``proposed`` the middle
(the field-service sync proposes it); ``take`` maps a field to the side the user chose.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.markup import escape
from textual.reactive import reactive
from textual.widget import Widget

from loftterm.views import Proposal, ProposalField


def _fit(text: str, width: int) -> str:
    text = text or "-"
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


#: Cells outside the three value columns: mark 2, field 10, space, arrow, " │ " twice, arrow.
FIXED = 2 + 10 + 1 + 1 + 3 + 3 + 1


class ReviewTable(Widget, can_focus=True):
    """The fields of one proposal; left/right take that side's value into the middle."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="review.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="review.down"),
        Binding("left,h", "take('left')", "Take left", id="review.take_left",
                tooltip="Use the left column's value: the ledger (Xero/QuickBooks) contact's"),
        Binding("right,l", "take('right')", "Take right", id="review.take_right",
                tooltip="Use the right column's value: the SortScape contact's"),
    ]

    row: reactive[int] = reactive(0)

    def __init__(self, left_title: str, right_title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.left_title, self.right_title = left_title, right_title
        self.fields: list[ProposalField] = []
        self.take: dict[str, str] = {}

    def show(self, proposal: Proposal, left_title: str, right_title: str) -> None:
        """Show a proposal with nothing taken yet."""
        self.fields = list(proposal.fields)
        self.left_title, self.right_title = left_title, right_title
        self.take = {}
        self.row = 0
        self.refresh(layout=True)

    def value(self, field: ProposalField) -> str:
        """Return the middle value after the user's choices."""
        side = self.take.get(field.field)
        return field.left if side == "left" else field.right if side == "right" else field.proposed

    def validate_row(self, value: int) -> int:
        """Stay on a field."""
        return max(0, min(value, len(self.fields) - 1))

    def action_move(self, delta: int) -> None:
        """Move to another field."""
        self.row += delta

    def action_take(self, side: str) -> None:
        """Take the left (ledger) or right (SortScape) value of the current field."""
        if not self.fields:
            return
        field = self.fields[self.row]
        if not field.differs:
            self.notify(f"{field.field}: both sides agree.", timeout=2)
            return
        self.take[field.field] = side
        self.refresh()

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """Header plus one line per field."""
        return len(self.fields) + 1

    def _col(self) -> int:
        return max((self.size.width - FIXED) // 3, 8)

    def render(self) -> Content:
        """Field | ◀ left | proposed | ▶ right, the current field highlighted."""
        col = self._col()
        lines = [f"[b]  {'field':<10}  {escape(_fit(self.left_title, col))}   "
                 f"{_fit('proposed', col)}    {escape(_fit(self.right_title, col))}[/b]"]
        for i, f in enumerate(self.fields):
            mark = "▸ " if i == self.row else "  "
            arrow_l = "◀" if f.differs else " "
            arrow_r = "▶" if f.differs else " "
            side = self.take.get(f.field)
            middle = escape(_fit(self.value(f), col))
            middle = f"[b $accent]{middle}[/]" if side else middle
            left = escape(_fit(f.left, col))
            right = escape(_fit(f.right, col))
            if f.differs:
                left, right = f"[$warning]{left}[/]", f"[$warning]{right}[/]"
            line = (f"{mark}{escape(_fit(f.field, 10))} {arrow_l}{left} │ {middle} │ "
                    f"{arrow_r}{right}")
            if i == self.row and self.has_focus:
                line = f"[reverse]{line}[/reverse]"
            elif i == self.row:
                line = f"[b]{line}[/b]"
            lines.append(line)
        return Content.from_markup("\n".join(lines))

    def on_focus(self) -> None:
        """Highlight the current field."""
        self.refresh()

    def on_blur(self) -> None:
        """Dim the current field."""
        self.refresh()
