"""Relink: a modal search of one connector's remote mirror, for one profile's field and role.

The query is on top, the ranked results below (exact email first, then trigram score), the
highlighted result's full details under them, and -- when several contacts could each be the
profile -- what to do in the remote app.  Enter in the query moves to the results; Enter on a
result dismisses the screen with that :class:`~loftterm.views.Candidate` (the profile screen
links it); Esc dismisses with ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from loftterm.tui.widgets.link_field import connector_title
from loftterm.tui.widgets.states import STATUS_COLOURS, status_markup
from loftterm.views import Candidate

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp

PLAUSIBLE = 0.6

#: Result columns: name, email, status, match (score or "email"); "linked to" takes the rest.
WIDTHS = (21, 23, 8, 5)

SEVERAL_ADVICE = (
    "In {title}, search this contact in both the All and the Archived tabs. Restore the "
    "archived duplicate, remove its email, merge the duplicates into one, then sync {title} "
    "here (S). Or link the right one above (Enter)."
)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def match_text(c: Candidate) -> str:
    """``email`` for an exact email match, else the name score as a percentage."""
    return "email" if c.by_email else f"{c.score:.0%}"


def linked_text(c: Candidate, profile_id: str) -> str:
    """Who already holds the contact: ``-``, ``this profile`` or the profile id."""
    if not c.linked_to:
        return "-"
    return "this profile" if c.linked_to == profile_id else c.linked_to


def results_header() -> str:
    """The column titles above the results."""
    name, email, status, match = WIDTHS
    return (f"{'Name':<{name}} {'Email':<{email}} {'Status':<{status}} {'Match':<{match}} "
            "Linked to")


def candidate_prompt(c: Candidate, profile_id: str = "") -> str:
    """One result line in fixed columns: name, email, status word, match, linked to."""
    name, email, status, match = WIDTHS
    word = c.remote.status or "-"
    colour = STATUS_COLOURS.get(word, "$text")
    held = escape(linked_text(c, profile_id))
    if c.linked_to and c.linked_to != profile_id:
        held = f"[$warning]{held}[/]"
    return (f"{escape(_fit(c.remote.name or '?', name))} "
            f"{escape(_fit(c.remote.email or '-', email))} "
            f"[{colour}]{escape(_fit(word, status))}[/] "
            f"{escape(_fit(match_text(c), match))} {held}")


def candidate_detail(c: Candidate, profile_id: str = "") -> str:
    """The highlighted result in full: id, name, email, status, match and holder."""
    email = f" <{escape(c.remote.email)}>" if c.remote.email else " (no email)"
    held = ""
    if c.linked_to and c.linked_to != profile_id:
        held = f" · [$warning]linked to {escape(c.linked_to)}: unlink it there first[/]"
    elif c.linked_to:
        held = " · already linked to this profile"
    how = "exact email" if c.by_email else f"name {c.score:.0%}"
    return (f"[b]{escape(c.remote.remote_id)}[/b] {escape(c.remote.name)}{email} "
            f"{status_markup(c.remote.status)} · {how}{held}")


def plausible(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates that could each be the profile (email match or score >= 60%)."""
    return [c for c in candidates if c.by_email or c.score >= PLAUSIBLE]


class RelinkScreen(ModalScreen[Candidate | None]):
    """Search and pick the remote contact for one profile, connector and role."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="relink.close", tooltip="Close without linking"),
        Binding("down", "results", "Results", show=False, id="relink.results",
                tooltip="Move from the query to the results"),
        Binding("slash", "query", "Search", show=False, id="relink.query",
                tooltip="Back to the query"),
    ]

    def __init__(self, profile_id: str, profile_name: str, connector: str, role: str,
                 query: str) -> None:
        super().__init__()
        self.profile_id = profile_id
        self.profile_name = profile_name
        self.connector = connector
        self.role = role
        self.first_query = query
        self.candidates: list[Candidate] = []

    @property
    def title_text(self) -> str:
        """E.g. ``Relink Tom Baker: QuickBooks Online vendor``."""
        return f"Relink {self.profile_name}: {connector_title(self.connector)} {self.role}"

    def compose(self) -> ComposeResult:
        """Query, column titles, results, the highlighted result, the warning; the footer."""
        with Vertical(id="relink-box") as box:
            box.border_title = escape(self.title_text)
            box.border_subtitle = "Enter: to results, then link · Esc: close"
            yield Input(placeholder="name, or an exact email", id="relink-query", compact=True)
            yield Static(results_header(), id="relink-header")
            yield OptionList(id="relink-results", compact=True)
            yield Static(id="relink-detail")
            yield Static(id="relink-warning")
        yield Footer()

    def on_mount(self) -> None:
        """Start with the first query (the profile's name)."""
        self.query_one("#relink-warning", Static).display = False
        box = self.query_one("#relink-query", Input)
        box.value = self.first_query
        box.focus()
        if not self.first_query:
            self._search("")

    # -- searching ----------------------------------------------------------------------------

    @on(Input.Changed, "#relink-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="relink-search", exit_on_error=False)
    def _search(self, query: str) -> None:
        app = cast("LofttermApp", self.app)
        try:
            found = app.core.search_remote(self.connector, query, self.role)
        except Exception as err:  # shown as a notification
            app.call_from_thread(app.show_error, err)
            return
        app.call_from_thread(self.show_results, found)

    def show_results(self, candidates: list[Candidate]) -> None:
        """Fill the list and say what to do when several contacts could be the one."""
        if not self.is_attached:
            return
        self.candidates = candidates
        results = self.query_one("#relink-results", OptionList)
        results.clear_options()
        results.add_options(Option(candidate_prompt(c, self.profile_id), id=c.remote.key)
                            for c in candidates)
        if not candidates:
            title = connector_title(self.connector)
            results.add_option(Option(
                f"No match in the {escape(title)} mirror: a contact made in {escape(title)} "
                "since the last sync needs a sync first (S).", disabled=True))
        else:
            results.highlighted = 0
        self._show_detail(0 if candidates else None)
        warning = self.query_one("#relink-warning", Static)
        several = plausible(candidates)
        if len(several) > 1:
            title = escape(connector_title(self.connector))
            warning.update(f"[b $warning]{len(several)} contacts could be this profile.[/] "
                           + SEVERAL_ADVICE.format(title=title))
            warning.display = True
        else:
            warning.display = False

    def _show_detail(self, index: int | None) -> None:
        chosen = self.chosen(index) if index is not None else None
        self.query_one("#relink-detail", Static).update(
            candidate_detail(chosen, self.profile_id) if chosen is not None else "")

    def chosen(self, index: int) -> Candidate | None:
        """Return the candidate at a result index."""
        return self.candidates[index] if 0 <= index < len(self.candidates) else None

    # -- moving and picking -------------------------------------------------------------------

    @on(Input.Submitted, "#relink-query")
    def _query_submitted(self) -> None:
        self.action_results()

    def action_results(self) -> None:
        """Move from the query to the results (first one highlighted)."""
        results = self.query_one("#relink-results", OptionList)
        if not self.candidates:
            return
        results.focus()
        if results.highlighted is None:
            results.highlighted = 0

    def action_query(self) -> None:
        """Back to the query."""
        self.query_one("#relink-query", Input).focus()

    @on(OptionList.OptionHighlighted, "#relink-results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_detail(event.option_index)

    @on(OptionList.OptionSelected, "#relink-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        candidate = self.chosen(event.option_index)
        if candidate is not None:
            self.dismiss(candidate)

    def action_close(self) -> None:
        """Close without linking."""
        self.dismiss(None)
