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
from loftterm.views import Proposal


class ReviewScreen(LofttermScreen):
    """Three columns per proposal; accept values and link, or say they are not the same."""

    TITLE_TEXT = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept & link", id="review.accept",
                tooltip="Accept the middle values and link the two contacts"),
        Binding("x", "reject", "Not the same", id="review.reject",
                tooltip="Remember that these are different contacts"),
        Binding("n", "step(1)", "Next", id="review.next", tooltip="Next proposal"),
        Binding("p", "step(-1)", "Previous", id="review.previous", show=False),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    def __init__(self, proposals: list[Proposal], start: str = "") -> None:
        super().__init__()
        self.proposals = proposals
        self.index = next((i for i, p in enumerate(proposals) if p.id == start), 0)

    def compose(self) -> ComposeResult:
        """Heading, the three-column table, help text."""
        yield Header()
        yield Static(id="review-heading")
        yield ReviewTable("remote", "local", id="review-table")
        yield Static("[dim]←/→[/] take the remote or local value into the middle · "
                     "[dim]a[/] accept values and link · [dim]x[/] not the same",
                     id="review-help")
        yield Footer()

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
        heading.update(
            f"[b]{self.index + 1}/{len(self.proposals)}[/b] Is {title} contact "
            f"[b]{escape(proposal.remote_id)}[/b] the same as local [b]{escape(name)}[/b]?\n"
            f"[$text-muted]{escape(proposal.reason)}[/]")
        self.query_one(ReviewTable).show(proposal, f"{title} (remote)", "Loft (local)")

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
