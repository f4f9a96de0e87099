"""Explain: why a profile is (or is not) linked to each plausible remote record of a connector.

The evidence is the engine's own (``Console.explain``, the same as ``loftterm explain``): email
equal or not, the name score against the threshold, phone, billing address, the organization the
profile is paid to, and the common-name penalty that keeps two "David Smith"s with different
emails apart.  Every fact is a word (yes/no, passes/below), never a colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from loftterm.console import Evidence
from loftterm.tui.widgets.link_field import connector_title
from loftterm.words import counted

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp


def _yes(flag: bool, yes: str = "yes", no: str = "no") -> str:
    return f"[$success]{yes}[/]" if flag else f"[$text-muted]{no}[/]"


def verdict_colour(item: Evidence) -> str:
    """Green when the evidence links, amber when a name matched but was held back, else muted."""
    if item.verdict.endswith(": links"):
        return "$success"
    if "common" in item.verdict:
        return "$warning"
    return "$text-muted"


def evidence_markup(item: Evidence) -> str:
    """One remote record's evidence as a few short lines."""
    linked = f" [b $accent]linked ({escape(item.linked_by)})[/]" if item.linked_by else ""
    score = (f"{item.name_score:.0%} ({escape(item.name_rule)}) vs {item.threshold:.0%}: "
             + _yes(item.name_passes, "passes", "below"))
    common = _yes(item.common_name)
    if item.penalised:
        common += " [$warning](penalised: both emails known and different)[/]"
    lines = [
        f"[b]{escape(item.remote_name or '?')}[/b] [$text-muted]{escape(item.remote_id)}[/]{linked}",
        f"  [{verdict_colour(item)}]{escape(item.verdict)}[/]",
        f"  email equal {_yes(item.email_equal)} · name {score}",
        f"  phone equal {_yes(item.phone_equal)} · address equal {_yes(item.address_equal)}"
        f" · common name {common}",
    ]
    if item.organization:
        lines.append(f"  paid to {escape(item.organization)}")
    lines += [f"  [$warning]{escape(note)}[/]" for note in item.notes]
    return "\n".join(lines)


def plausible(item: Evidence) -> bool:
    """Worth showing: linked, same email, or a name within half the threshold."""
    return bool(item.linked_by) or item.email_equal or item.name_score >= item.threshold / 2


def explain_markup(found: list[Evidence], title: str, state: str = "", why: str = "") -> str:
    """The field's state, then every plausible record's evidence, the linked one first."""
    head = f"[b]{escape(state)}[/b]: {escape(why)}\n\n" if state else ""
    shown = sorted((e for e in found if plausible(e)), key=lambda e: not e.linked_by)
    hidden = len(found) - len(shown)
    tail = (f"\n\n[$text-muted]not shown: {counted(hidden, f'other {escape(title)} record')} "
            "below half the threshold[/]" if hidden else "")
    if not shown:
        return (f"{head}No {escape(title)} record comes close (by email or name) in the last "
                f"pull: sync, or search with / to relink by hand.{tail}")
    return head + "\n\n".join(evidence_markup(item) for item in shown) + tail


class ExplainScreen(ModalScreen[None]):
    """The evidence for one profile in one connector; Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,e,q", "close", "Close", id="explain.close", tooltip="Back to the profile"),
    ]

    def __init__(self, profile_id: str, name: str, connector: str, *, state: str = "",
                 why: str = "") -> None:
        super().__init__()
        self.profile_id = profile_id
        self.profile_name = name
        self.connector = connector
        self.state, self.why = state, why
        self.evidence: list[Evidence] | None = None

    def compose(self) -> ComposeResult:
        """A framed box with the evidence, scrollable."""
        with Vertical(id="explain-box") as box:
            box.border_title = escape(
                f"Why: {self.profile_name} in {connector_title(self.connector)}")
            with VerticalScroll(id="explain-body"):
                yield Static("weighing the evidence…", id="explain-text")
        yield Footer()

    def on_mount(self) -> None:
        """Read the evidence in a worker (it searches the mirror)."""
        self.query_one("#explain-body").focus()
        self._load()

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False)
    def _load(self) -> None:
        app = cast("LofttermApp", self.app)
        try:
            found = app.core.explain(self.profile_id, self.connector)
        except Exception as err:  # shown as a notification
            app.call_from_thread(app.show_error, err)
            app.call_from_thread(self.dismiss)
            return
        app.call_from_thread(self._show, found)

    def _show(self, found: list[Evidence]) -> None:
        self.evidence = found
        text = explain_markup(found, connector_title(self.connector), self.state, self.why)
        self.query_one("#explain-text", Static).update(text)

    def action_close(self) -> None:
        """Back to the profile."""
        self.dismiss()
