"""Help: every key binding with its id (for the keymap), its keys and what it does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from loftterm.tui.screens.dashboard import DashboardScreen
from loftterm.tui.screens.links import LinksScreen
from loftterm.tui.screens.profile import ProfileScreen
from loftterm.tui.screens.relink import RelinkScreen
from loftterm.tui.screens.review import ReviewScreen
from loftterm.tui.screens.runs import RunsScreen
from loftterm.tui.screens.warnings import WarningsScreen
from loftterm.tui.widgets.review_table import ReviewTable
from loftterm.tui.widgets.rowlist import Column, RowList

SCOPES: tuple[tuple[str, type[DOMNode]], ...] = (
    ("dashboard", DashboardScreen),
    ("links", LinksScreen),
    ("profile", ProfileScreen),
    ("relink", RelinkScreen),
    ("warnings", WarningsScreen),
    ("review", ReviewScreen),
    ("review", ReviewTable),
    ("runs", RunsScreen),
    ("lists", RowList),
)


@dataclass(frozen=True)
class HelpRow:
    """One binding as the help lists it."""

    scope: str
    keys: str
    id: str
    description: str


def _bindings(node: type[DOMNode]) -> list[Binding]:
    return [b for b in node.BINDINGS if isinstance(b, Binding)]


def binding_rows(app_class: type[DOMNode], keymap: dict[str, str]) -> list[HelpRow]:
    """Return every binding of the app and its screens, with the keys the keymap gives it."""
    rows = []
    for scope, node in (("global", app_class), *SCOPES):
        for b in _bindings(node):
            if b.id is None:
                continue
            keys = keymap.get(b.id, b.key)
            shown = ", ".join(format_key(k.strip()) for k in keys.split(","))
            rows.append(HelpRow(scope, shown, b.id, b.tooltip or b.description))
    return rows


def known_binding_ids() -> set[str]:
    """Every binding id a keymap may remap (app-level ids are added by the app)."""
    from loftterm.tui.app import LofttermApp  # the app imports this module

    return {row.id for row in binding_rows(LofttermApp, {})}


class HelpList(RowList[HelpRow]):
    """The bindings, filterable like every other list."""

    _COLUMNS: ClassVar[list[Column[HelpRow]]] = [
        Column("Where", 9, lambda r: r.scope),
        Column("Keys", 11, lambda r: r.keys),
        Column("Id (keymap)", 19, lambda r: r.id),
        Column("What it does", 0, lambda r: r.description),
    ]

    def columns(self) -> list[Column[HelpRow]]:
        """Scope, keys, id, description."""
        return self._COLUMNS

    def search_key(self, row: HelpRow) -> str:
        """Every field."""
        return f"{row.scope}\t{row.keys}\t{row.id}\t{row.description}"


class HelpScreen(ModalScreen[None]):
    """Every binding; remap any of them by id in the config's keymap."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close",
                tooltip="Close the help"),
    ]

    def compose(self) -> ComposeResult:
        """Title, list, footer."""
        yield Static("[b]Keys[/b] · remap an id in the config keymap · ctrl+p commands",
                     id="help-title")
        keymap = dict(getattr(self.app, "user_keymap", {}))
        yield HelpList(binding_rows(type(self.app), keymap), id="help-list")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one(HelpList).focus()
