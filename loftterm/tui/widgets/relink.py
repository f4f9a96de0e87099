"""The relink search: the remote mirror ranked (exact email first, then trigram score)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from loftterm.tui.widgets.link_field import DUPLICATE_ADVICE, connector_title
from loftterm.tui.widgets.states import status_markup
from loftterm.views import Candidate

PLAUSIBLE = 0.6


def candidate_prompt(c: Candidate) -> str:
    """One result line: name, email, status word, score and who already holds it."""
    score = "email" if c.by_email else f"{c.score:.0%}"
    email = f" <{escape(c.remote.email)}>" if c.remote.email else ""
    held = f" [$warning]linked to {escape(c.linked_to)}[/]" if c.linked_to else ""
    return (f"{escape(c.remote.name)}{email} {status_markup(c.remote.status)} "
            f"[$text-muted]{escape(c.remote.remote_id)} {score}[/]{held}")


def plausible(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates that could each be the profile (email match or score >= 60%)."""
    return [c for c in candidates if c.by_email or c.score >= PLAUSIBLE]


class RelinkPanel(Vertical):
    """Search box, ranked results and the 'several candidates' warning for one link field."""

    def __init__(self) -> None:
        super().__init__(id="relink")
        self.connector = ""
        self.role = ""
        self.candidates: list[Candidate] = []

    def compose(self) -> ComposeResult:
        """Title, query, results, warning."""
        yield Static(id="relink-title")
        yield Input(placeholder="search name or exact email", id="relink-query")
        yield OptionList(id="relink-results")
        yield Static(id="relink-warning")

    def open(self, connector: str, role: str, query: str) -> None:
        """Show the panel for a connector and role, with a first query."""
        self.connector, self.role = connector, role
        self.display = True
        self.query_one("#relink-title", Static).update(
            f"Relink to a {escape(connector_title(connector))} {escape(role)}: "
            "Enter picks · Esc closes")
        box = self.query_one("#relink-query", Input)
        box.value = query
        box.focus()

    def show_results(self, candidates: list[Candidate]) -> None:
        """Fill the list and say what to do when several contacts could be the one."""
        self.candidates = candidates
        results = self.query_one("#relink-results", OptionList)
        results.clear_options()
        results.add_options(Option(candidate_prompt(c), id=c.remote.key) for c in candidates)
        if not candidates:
            results.add_option(Option("No match in the mirror: sync first if the contact is new.",
                                      disabled=True))
        warning = self.query_one("#relink-warning", Static)
        several = plausible(candidates)
        if len(several) > 1:
            title = connector_title(self.connector)
            warning.update(f"[b $warning]{len(several)} contacts could be this profile.[/] "
                           + DUPLICATE_ADVICE.format(title=escape(title)))
            warning.display = True
        else:
            warning.display = False

    def chosen(self, index: int) -> Candidate | None:
        """Return the candidate at a result index."""
        return self.candidates[index] if 0 <= index < len(self.candidates) else None
