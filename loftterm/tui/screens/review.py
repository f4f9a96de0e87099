"""Review: SortScape's 'link customers to existing contacts', one proposal at a time."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.link_field import connector_title
from loftterm.tui.widgets.review_table import ReviewTable
from loftterm.views import ProfileView, Proposal


def ledger_title(proposal: Proposal, profile: ProfileView | None) -> str:
    """The ledger the left column stands for: the profile's linked ledger contact ("Xero")."""
    named = str(getattr(proposal, "ledger", "") or "")
    if named:
        return connector_title(named)
    if profile is not None:
        for row in profile.links:
            if row.connector != proposal.connector and row.remote_id:
                return connector_title(row.connector)
    return "ledger"


class ReviewScreen(LofttermScreen):
    """Three columns per proposal; accept values and link, or say they are not the same."""

    TITLE_TEXT = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", id="review.accept",
                tooltip="Accept the middle values and link the two contacts"),
        Binding("x", "reject", "Not same", id="review.reject",
                tooltip="Remember that these are different contacts"),
        Binding("n", "step(1)", "Next", id="review.next", tooltip="Next proposal"),
        Binding("p", "step(-1)", "Previous", id="review.previous", show=False,
                tooltip="Previous proposal"),
        Binding("escape", "back", "Back", id="review.back", show=False,
                tooltip="Leave the review"),
    ]

    def __init__(self, proposals: list[Proposal], start: str = "") -> None:
        super().__init__()
        self.proposals = proposals
        self.index = next((i for i, p in enumerate(proposals) if p.id == start), 0)

    def compose(self) -> ComposeResult:
        """Heading, the three-column table, help text."""
        yield Header()
        yield Static(id="review-heading")
        yield ReviewTable("ledger", "SortScape", id="review-table")
        yield Static(id="review-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the first proposal."""
        super().on_mount()
        self._show()
        self.query_one(ReviewTable).focus()

    @property
    def current(self) -> Proposal | None:
        """The proposal on screen."""
        return self.proposals[self.index] if self.proposals else None

    def _show(self) -> None:
        proposal = self.current
        heading = self.query_one("#review-heading", Static)
        if proposal is None:
            heading.update("Nothing left to review.")
            return
        title = connector_title(proposal.connector)
        profile = self.loft.safe(lambda: self.loft.core.profile(proposal.profile_id), None)
        name = profile.profile.name if profile is not None else proposal.profile_id
        ledger = ledger_title(proposal, profile)
        heading.update(
            f"[b]{self.index + 1}/{len(self.proposals)}[/b] Is {escape(title)} contact "
            f"[b]{escape(proposal.remote_id)}[/b] the same as [b]{escape(name)}[/b] "
            f"({escape(ledger)})?\n[$text-muted]{escape(proposal.reason)}[/]")
        self.query_one(ReviewTable).show(proposal, ledger, title)
        self.query_one("#review-help", Static).update(
            f"left: the {escape(ledger)} contact · middle: what both get · right: the "
            f"{escape(title)} contact\n[b]←[/]/h take {escape(ledger)}'s value · [b]→[/]/l take "
            f"{escape(title)}'s value · [b]a[/] accept · [b]x[/] not the same")

    def action_step(self, delta: int) -> None:
        """Show the next or previous proposal."""
        if self.proposals:
            self.index = (self.index + delta) % len(self.proposals)
            self._show()

    def action_accept(self) -> None:
        """Accept the middle values and link."""
        proposal = self.current
        if proposal is None:
            return
        take = dict(self.query_one(ReviewTable).take)
        self.loft.run_write(
            f"Linked {proposal.remote_id} to {proposal.profile_id}",
            lambda: self.loft.core.decide_proposal(proposal.id, True, take=take),
            lambda _: self._decided(proposal))

    def action_reject(self) -> None:
        """Remember the two contacts are different."""
        proposal = self.current
        if proposal is None:
            return
        self.loft.run_write(
            f"Kept {proposal.remote_id} and {proposal.profile_id} apart",
            lambda: self.loft.core.decide_proposal(proposal.id, False),
            lambda _: self._decided(proposal))

    def _decided(self, proposal: Proposal) -> None:
        self.proposals = [p for p in self.proposals if p.id != proposal.id]
        if not self.proposals:
            self.dismiss()
            return
        self.index %= len(self.proposals)
        self._show()

    def action_back(self) -> None:
        """Leave the review."""
        self.dismiss()
