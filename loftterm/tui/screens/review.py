"""Review: the one queue of possible duplicates, one pair at a time in three columns.

Two kinds of review share the queue: SortScape's "link customers to existing contacts"
proposals, and creates or imports held because the other side may already hold the person
(``holds``: ``create``, ``import`` or both).  The list at the top is the queue, strongest
evidence first (``f`` filters by kind); the table below shows the current pair: the book or
ledger on the left, the remote record on the right, what both get in the middle.  Every way out
is one key and remembered: ``a`` link, ``x`` not the same, ``c`` create anyway, ``i`` import
anyway; ``B`` decides many at once after showing how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.screens.bulk_review import BulkReviewScreen
from loftterm.tui.widgets.link_field import connector_title
from loftterm.tui.widgets.review_table import ReviewTable
from loftterm.tui.widgets.rowlist import Column, RowList
from loftterm.views import ProfileView, Proposal

#: What the kind filter cycles through: all, SortScape link proposals, held creates, held imports.
KINDS = ("", "link", "create", "import")


def ledger_title(proposal: Proposal, profile: ProfileView | None) -> str:
    """The left column's title: "book" for a held pair, else the profile's ledger ("Xero")."""
    if proposal.holds:
        return "book"
    named = str(getattr(proposal, "ledger", "") or "")
    if named:
        return connector_title(named)
    if profile is not None:
        for row in profile.links:
            if row.connector != proposal.connector and row.remote_id:
                return connector_title(row.connector)
    return "ledger"


def side_name(proposal: Proposal, side: str) -> str:
    """The name on one side of a pair (``left`` or ``right``)."""
    for f in proposal.fields:
        if f.field == "name":
            return f.left if side == "left" else f.right
    return ""


def waits(proposal: Proposal) -> str:
    """What the review holds back: ``create``, ``import``, ``both`` or ``link`` (a proposal)."""
    if not proposal.holds:
        return "link"
    return "both" if len(proposal.holds) > 1 else proposal.holds[0]


class ReviewList(RowList[Proposal]):
    """The queue: what waits, connector, the book's side, the remote side, the evidence."""

    EMPTY_TEXT = "Nothing of this kind waits (f: next kind)."
    _COLUMNS: ClassVar[list[Column[Proposal]]] = [
        Column("Waits", 6, waits),
        Column("In", 9, lambda p: p.connector),
        Column("Book", 18, lambda p: f"{p.profile_id} {side_name(p, 'left')}"),
        Column("Remote", 18, lambda p: side_name(p, "right") or p.remote_id),
        Column("Evidence", 0, lambda p: p.reason),
    ]

    def columns(self) -> list[Column[Proposal]]:
        """Waits, connector, book, remote, evidence."""
        return self._COLUMNS

    def search_key(self, row: Proposal) -> str:
        """Ids, both names and the evidence."""
        return "\t".join((row.id, side_name(row, "left"), side_name(row, "right"), row.reason))

    def facet_columns(self, rows: Sequence[Proposal]) -> dict[str, list[str]]:
        """One yes/no facet per kind: ``link`` (a proposal), ``create`` and ``import`` (held)."""
        return {
            kind: ["y" if (kind in p.holds if kind != "link" else not p.holds) else "n"
                   for p in rows]
            for kind in KINDS[1:]
        }

    def row_key(self, row: Proposal) -> object:
        """Reviews keep their place across reloads by id."""
        return row.id


class ReviewScreen(LofttermScreen):
    """The queue on top, the current pair in three columns; one key per way out."""

    TITLE_TEXT = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Link", id="review.accept",
                tooltip="Link the two records, with the middle values on both sides"),
        Binding("x", "reject", "Not same", id="review.reject",
                tooltip="Remember that these are different contacts"),
        Binding("c", "anyway('create')", "Create anyway", id="review.create",
                tooltip="Create the held profile remotely in spite of its candidates"),
        Binding("i", "anyway('import')", "Import anyway", id="review.import",
                tooltip="Import the held remote record as a new profile"),
        Binding("n", "step(1)", "Next", id="review.next", tooltip="Next review"),
        Binding("p", "step(-1)", "Previous", id="review.previous", show=False,
                tooltip="Previous review"),
        Binding("f", "kind", "Kind", id="review.kind",
                tooltip="Show all reviews, link proposals, held creates or held imports"),
        Binding("B", "bulk", "Bulk", id="review.bulk",
                tooltip="Decide many held reviews at once (shows the count first)"),
        Binding("escape", "back", "Back", id="review.back", show=False,
                tooltip="Leave the review"),
    ]

    def __init__(self, proposals: list[Proposal], start: str = "") -> None:
        super().__init__()
        self.proposals = proposals
        self.kind = ""
        self.index = next((i for i, p in enumerate(proposals) if p.id == start), 0)

    def compose(self) -> ComposeResult:
        """Queue, heading, the three-column table, help text."""
        yield Header()
        yield ReviewList(id="review-list")
        yield Static(id="review-heading")
        yield ReviewTable("ledger", "SortScape", id="review-table")
        yield Static(id="review-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the queue and the first review."""
        super().on_mount()
        queue = self.query_one(ReviewList)
        queue.set_rows(self.proposals)
        self._show()
        self.query_one(ReviewTable).focus()

    @property
    def shown(self) -> list[Proposal]:
        """The reviews the kind filter lets through, in queue order."""
        return self.query_one(ReviewList).visible_rows

    @property
    def current(self) -> Proposal | None:
        """The review on screen."""
        shown = self.shown
        return shown[self.index] if shown else None

    def _show(self) -> None:
        shown = self.shown
        heading = self.query_one("#review-heading", Static)
        help_ = self.query_one("#review-help", Static)
        if not shown:
            self.query_one(ReviewTable).show(Proposal("", "", "", "", "", []), "", "")
            heading.update("Nothing left to review." if not self.proposals else
                           f"No {self.kind or 'review'} waits; f shows another kind.")
            help_.update("")
            return
        self.index %= len(shown)
        queue = self.query_one(ReviewList)
        if queue.cursor != self.index:
            queue.cursor = self.index
        proposal = shown[self.index]
        title = connector_title(proposal.connector)
        profile = self.loft.safe(lambda: self.loft.core.profile(proposal.profile_id), None)
        name = profile.profile.name if profile is not None else proposal.profile_id
        left = ledger_title(proposal, profile)
        count = f"[b]{self.index + 1}/{len(shown)}[/b]"
        remote = side_name(proposal, "right") or proposal.remote_id
        if proposal.holds:
            held = {
                "create": f"{escape(name)} is not created in {escape(title)}",
                "import": f"the {escape(title)} record is not imported",
            }
            waiting = " and ".join(held[k] for k in proposal.holds if k in held)
            heading.update(
                f"{count} Is {escape(title)} [b]{escape(remote)}[/b] the same as "
                f"[b]{escape(name)}[/b] ({escape(proposal.profile_id)})? {waiting} until you "
                f"decide.\n[$text-muted]{escape(proposal.reason)}, name {proposal.score:.0%}"
                + (f"; {escape(proposal.note)}" if proposal.note else "") + "[/]")
        else:
            heading.update(
                f"{count} Is {escape(title)} contact [b]{escape(proposal.remote_id)}[/b] the "
                f"same as [b]{escape(name)}[/b] ({escape(left)})?\n"
                f"[$text-muted]{escape(proposal.reason)}[/]")
        self.query_one(ReviewTable).show(proposal, left, title)
        keys = "[b]a[/] link · [b]x[/] not the same"
        keys += "".join(f" · [b]{k[0]}[/] {k} anyway" for k in proposal.holds)
        help_.update(
            f"[b]←[/]/h take {escape(left)}'s value · [b]→[/]/l take {escape(title)}'s value · "
            f"{keys}\n[b]n[/]/[b]p[/] next/previous · [b]f[/] kind: {self.kind or 'all'} · "
            "[b]B[/] bulk · Tab: the queue")

    @on(RowList.Highlighted, "#review-list")
    def _picked(self, event: RowList.Highlighted) -> None:
        queue = self.query_one(ReviewList)
        if queue.has_focus and queue.cursor != self.index:
            self.index = queue.cursor
            self._show()

    def action_step(self, delta: int) -> None:
        """Show the next or previous review."""
        if self.shown:
            self.index = (self.index + delta) % len(self.shown)
            self._show()

    def action_kind(self) -> None:
        """Cycle the kind filter: all, link proposals, held creates, held imports."""
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self._filter()

    def _filter(self) -> None:
        self.query_one(ReviewList).filter(**({self.kind: "y"} if self.kind else {}))
        self.index = 0
        self._show()

    def action_accept(self) -> None:
        """Link the pair with the middle values."""
        proposal = self.current
        if proposal is None:
            return
        take = dict(self.query_one(ReviewTable).take)
        self.loft.run_write(
            f"Linked {proposal.remote_id} to {proposal.profile_id}",
            lambda: self.loft.core.decide_proposal(proposal.id, True, take=take),
            lambda _: self._decided(proposal))

    def action_reject(self) -> None:
        """Remember the two records are different."""
        proposal = self.current
        if proposal is None:
            return
        self.loft.run_write(
            f"Kept {proposal.remote_id} and {proposal.profile_id} apart",
            lambda: self.loft.core.decide_proposal(proposal.id, False),
            lambda _: self._decided(proposal))

    def action_anyway(self, kind: str) -> None:
        """Create (or import) the held record anyway."""
        proposal = self.current
        if proposal is None:
            return
        if kind not in proposal.holds:
            what = "its profile's create" if kind == "create" else "its record's import"
            self.notify(f"This review does not hold {what}.", title="Review", severity="warning")
            return
        label = (f"Created {proposal.profile_id} anyway" if kind == "create"
                 else f"Imported {proposal.remote_id} anyway")
        self.loft.run_write(label, lambda: self.loft.core.override_hold(proposal.id, kind),
                            lambda _: self._reload_queue(proposal))

    def action_bulk(self) -> None:
        """Decide many held reviews at once, after seeing how many."""

        def done(decided: int | None) -> None:
            if decided:
                self._reload_queue(None)

        self.app.push_screen(BulkReviewScreen(), done)

    def _decided(self, proposal: Proposal) -> None:
        self._reload_queue(proposal)

    def _reload_queue(self, proposal: Proposal | None) -> None:
        fresh = self.loft.safe(self.loft.core.proposals, [])
        if proposal is not None:
            fresh = [p for p in fresh if p.id != proposal.id]
        self.proposals = fresh
        if not self.proposals:
            self.dismiss()
            return
        self.query_one(ReviewList).set_rows(self.proposals)
        self._show()

    def action_back(self) -> None:
        """Leave the review."""
        self.dismiss()
