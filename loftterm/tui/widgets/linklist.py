"""The profiles x connectors list of the Links screen, on :class:`RowList`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from loftterm.models import LinkState
from loftterm.tui.widgets.rowlist import Column, RowList
from loftterm.views import LinkRow

STATE_CLASSES = {str(s): f"linklist--{s}" for s in LinkState}


def _state_class(row: LinkRow) -> str:
    return STATE_CLASSES.get(str(row.state), "")


def _remote(row: LinkRow) -> str:
    if not row.remote_name and not row.remote_id:
        return row.explanation or "-"
    status = f" ({row.remote_status})" if row.remote_status not in ("", "active") else ""
    return f"{row.remote_name or row.remote_id}{status}"


class LinkList(RowList[LinkRow]):
    """Link rows with state, connector and text filters; build it from a list of LinkRow.

    ``LinkList(rows).filter(text="smith", state="missing", connector="xero")`` filters without
    a running app, so benchmarks can time it directly.
    """

    DEFAULT_CSS = """
    LinkList > .linklist--linked { color: $success; }
    LinkList > .linklist--blank { color: $warning; }
    LinkList > .linklist--missing { color: $error; text-style: bold; }
    LinkList > .linklist--archived { color: $secondary; }
    LinkList > .linklist--duplicate { color: $warning; text-style: bold; }
    LinkList > .linklist--disabled { color: $text-muted; }
    LinkList > .linklist--misplaced { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = (
        RowList.COMPONENT_CLASSES | set(STATE_CLASSES.values()))
    EMPTY_TEXT = "No link matches the filter (Esc clears it)."

    _COLUMNS: ClassVar[list[Column[LinkRow]]] = [
        Column("Profile", 0, lambda r: r.name),
        Column("Kind", 8, lambda r: "org" if r.kind == "organization" else r.kind[:8]),
        Column("Connector", 9, lambda r: r.connector),
        Column("Role", 8, lambda r: r.role),
        Column("State", 9, lambda r: str(r.state), _state_class),
        Column("Remote contact", 0, _remote),
    ]

    def __init__(self, rows: Sequence[LinkRow] = (), *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(rows, id=id, classes=classes)

    def columns(self) -> list[Column[LinkRow]]:
        """Profile, kind, connector, role, state (coloured word), remote contact."""
        return self._COLUMNS

    def search_key(self, row: LinkRow) -> str:
        """Profile name and id, remote name and id, and the explanation."""
        return "\t".join((row.name, row.profile_id, row.remote_name, row.remote_id,
                          row.explanation))

    def row_key(self, row: LinkRow) -> object:
        """Profile, connector and role: the cursor stays on the same field across reloads."""
        return (row.profile_id, row.connector, row.role)

    def facet_columns(self, rows: Sequence[LinkRow]) -> dict[str, list[str]]:
        """Exact filters: ``state`` and ``connector``."""
        return {"state": [str(r.state) for r in rows], "connector": [r.connector for r in rows]}
