"""A fast keyboard list on Textual's Line API: only the visible lines are ever rendered.

``DataTable`` needs tens of seconds to paint 100k rows; :class:`RowList` paints in constant time
and filters with one list comprehension over pre-lowercased keys, narrowing the previous matches
when the filter text grows (each keystroke of a typed word).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column: a title, a width (0 = takes the remaining space) and how to read a row.

    :param style: returns a component class name (``rowlist--...``) for the cell, or "".
    """

    title: str
    width: int
    value: Callable[[RowT], str]
    style: Callable[[RowT], str] | None = None


@dataclass
class RowIndex(Generic[RowT]):
    """Rows with their exact-match facet columns and (once built) lower-cased search keys.

    ``keys`` is None until :meth:`RowList.build_keys` has run: the first frame never waits for
    100k search keys, which only a text filter needs.
    """

    rows: list[RowT]
    facets: dict[str, list[str]]
    keys: list[str] | None = None


@dataclass(frozen=True)
class _Filter:
    text: str
    facets: tuple[tuple[str, str], ...]


class RowList(ScrollView, Generic[RowT], can_focus=True):
    """A header line plus one line per row, with a cursor; Enter posts :class:`RowList.Chosen`."""

    DEFAULT_CSS = """
    RowList { overflow-x: hidden; scrollbar-size-vertical: 1; height: 1fr; }
    RowList > .rowlist--header { text-style: bold; background: $panel; }
    RowList > .rowlist--cursor { background: $surface-lighten-2; }
    RowList:focus > .rowlist--cursor { background: $accent 50%; text-style: bold; }
    RowList > .rowlist--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--header", "rowlist--cursor", "rowlist--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="list.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="list.last"),
        Binding("enter", "choose", "Open", id="list.open", tooltip="Open the row under the cursor"),
    ]
    EMPTY_TEXT = "Nothing matches."

    cursor: reactive[int] = reactive(0, init=False, always_update=True)

    class Chosen(Message):
        """Enter (or a click) on a row."""

        def __init__(self, row_list: RowList[Any], row: object) -> None:
            super().__init__()
            self.row_list = row_list
            self.row = row

        @property
        def control(self) -> RowList[Any]:
            """The list the row belongs to."""
            return self.row_list

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, row_list: RowList[Any], row: object) -> None:
            super().__init__()
            self.row_list = row_list
            self.row = row

        @property
        def control(self) -> RowList[Any]:
            """The list the row belongs to."""
            return self.row_list

    def __init__(self, rows: Sequence[RowT] = (), *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[RowT] = []
        self._keys: list[str] | None = []
        self._stale_keys: set[int] = set()
        self._facets: dict[str, list[str]] = {}
        self._facet_cache: tuple[tuple[tuple[str, str], ...], list[int]] | None = None
        self._matches: list[int] = []
        self._filter = _Filter("", ())
        self.set_rows(rows)

    # -- data ---------------------------------------------------------------------------------

    def columns(self) -> list[Column[RowT]]:
        """Return the columns to show (override)."""
        return [Column("Row", 0, str)]

    def search_key(self, row: RowT) -> str:
        """Return the text the filter searches in (override; lower-cased once per row)."""
        return str(row)

    def facet_columns(self, rows: Sequence[RowT]) -> dict[str, list[str]]:
        """Return exact-match facets (e.g. state, connector), one column per facet (override).

        A column holds one value per row, in order; ``{}`` means the list has no facets.
        """
        return {}

    def row_key(self, row: RowT) -> object:
        """Return what identifies a row across reloads (override; None: the cursor goes home)."""
        return None

    def build_index(self, rows: Sequence[RowT], *, keys: bool = True) -> RowIndex[RowT]:
        """Index ``rows`` for filtering (safe in a worker thread).

        ``keys=False`` skips the search keys (the costly part); :meth:`set_keys` or the first
        text filter adds them later.
        """
        items = list(rows)
        return RowIndex(items, self.facet_columns(items), self.build_keys(items) if keys else None)

    def build_keys(self, rows: Sequence[RowT]) -> list[str]:
        """Return the lower-cased search key of every row (safe in a worker thread)."""
        key = self.search_key
        return [key(r).lower() for r in rows]

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace every row, rebuild the search index and re-apply the current filter."""
        self.set_index(self.build_index(rows))

    def set_index(self, index: RowIndex[RowT]) -> None:
        """Install rows indexed by :meth:`build_index` and re-apply the current filter."""
        was = self.highlighted
        keep = self.row_key(was) if was is not None else None
        self._rows, self._keys, self._facets = index.rows, index.keys, index.facets
        self._stale_keys = set()
        self._facet_cache = None
        current = self._filter
        self._filter = _Filter("", ())
        self._matches = list(range(len(self._rows)))
        self.cursor = 0
        self.filter(current.text, **dict(current.facets))
        if keep is not None:
            at = next((i for i, m in enumerate(self._matches)
                       if self.row_key(self._rows[m]) == keep), None)
            if at is not None:
                self.cursor = at

    def set_keys(self, rows: list[RowT], keys: list[str]) -> bool:
        """Install search keys built in the background for ``rows``; False if rows changed since.

        ``rows`` must be the very list installed with :meth:`set_index` (keys for an older load
        are dropped, never shown against newer rows).
        """
        if rows is not self._rows or self._keys is not None:
            return False
        for i in self._stale_keys:  # rows replaced while the keys were being built
            keys[i] = self.search_key(rows[i]).lower()
        self._keys, self._stale_keys = keys, set()
        return True

    def _search_keys(self) -> list[str]:
        if self._keys is None:  # a text filter before the background keys arrived
            self._keys = self.build_keys(self._rows)
        return self._keys

    def replace_where(self, match: Callable[[RowT], bool], row: RowT) -> bool:
        """Replace the first row for which ``match`` is true (after a write); keep the filter."""
        for i, old in enumerate(self._rows):
            if match(old):
                self._rows[i] = row
                if self._keys is not None:
                    self._keys[i] = self.search_key(row).lower()
                else:
                    self._stale_keys.add(i)
                for name, column in self.facet_columns([row]).items():
                    if name in self._facets:
                        self._facets[name][i] = column[0]
                self._facet_cache = None
                self.refresh()
                return True
        return False

    def filter(self, text: str = "", **facets: str) -> int:
        """Show only rows whose key contains ``text`` and whose facets equal the given values.

        Empty values mean "any".  Returns the number of matching rows.
        """
        text = text.lower().strip()
        wanted = tuple(sorted((k, v) for k, v in facets.items() if v))
        previous = self._matches[self.cursor] if 0 <= self.cursor < len(self._matches) else None
        if wanted == self._filter.facets and text.startswith(self._filter.text):
            base = self._matches
        else:
            base = self._facet_base(wanted)
        if text:
            keys = self._search_keys()
            self._matches = [i for i in base if text in keys[i]]
        else:
            self._matches = list(base)
        self._filter = _Filter(text, wanted)
        self._after_change(previous)
        return len(self._matches)

    def _facet_base(self, wanted: tuple[tuple[str, str], ...]) -> list[int]:
        if self._facet_cache is not None and self._facet_cache[0] == wanted:
            return self._facet_cache[1]
        if not wanted:
            base = list(range(len(self._rows)))
        else:
            first, *rest = wanted
            column = self._facets.get(first[0]) or [""] * len(self._rows)
            base = [i for i, value in enumerate(column) if value == first[1]]
            for name, wanted_value in rest:
                column = self._facets.get(name) or [""] * len(self._rows)
                base = [i for i in base if column[i] == wanted_value]
        self._facet_cache = (wanted, base)
        return base

    def _after_change(self, previous: int | None) -> None:
        """Resize the scroll area and keep the cursor on the same row when it still shows."""
        self.virtual_size = Size(max(self.size.width, 1), len(self._matches) + 1)
        keep = 0
        if previous is not None:
            pos = bisect_left(self._matches, previous)
            if pos < len(self._matches) and self._matches[pos] == previous:
                keep = pos
        self.cursor = keep
        self.refresh()

    @property
    def row_count(self) -> int:
        """The number of rows loaded (before filtering)."""
        return len(self._rows)

    @property
    def match_count(self) -> int:
        """The number of rows the current filter shows."""
        return len(self._matches)

    @property
    def visible_rows(self) -> list[RowT]:
        """The rows the current filter shows, in order."""
        return [self._rows[i] for i in self._matches]

    @property
    def highlighted(self) -> RowT | None:
        """The row under the cursor, if any."""
        if 0 <= self.cursor < len(self._matches):
            return self._rows[self._matches[self.cursor]]
        return None

    # -- cursor -------------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        """Keep the cursor on a row."""
        return max(0, min(value, len(self._matches) - 1))

    def watch_cursor(self, value: int) -> None:
        """Scroll so the cursor is visible and announce the highlighted row."""
        if not self.is_mounted:
            return
        page = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if value < top:
            self.scroll_to(y=value, animate=False, immediate=True)
        elif value >= top + page:
            self.scroll_to(y=value - page + 1, animate=False, immediate=True)
        self.refresh()
        row = self.highlighted
        if row is not None:
            self.post_message(self.Highlighted(self, row))

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        """Move the cursor by one screenful."""
        self.cursor += direction * max(self.size.height - 2, 1)

    def action_jump(self, where: int) -> None:
        """Jump to the first (0) or last (-1) row."""
        self.cursor = 0 if where == 0 else len(self._matches) - 1

    def action_choose(self) -> None:
        """Post :class:`Chosen` for the row under the cursor."""
        row = self.highlighted
        if row is not None:
            self.post_message(self.Chosen(self, row))

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to the clicked row (mouse is optional, never required)."""
        if event.y >= 1:
            self.cursor = int(self.scroll_y) + event.y - 1

    def on_resize(self, event: events.Resize) -> None:
        """Keep the virtual size in step with the width."""
        self.virtual_size = Size(max(event.size.width, 1), len(self._matches) + 1)

    # -- rendering ----------------------------------------------------------------------------

    def _widths(self, width: int, columns: list[Column[RowT]]) -> list[int]:
        fixed = sum(c.width for c in columns) + len(columns) - 1
        flexible = [c for c in columns if c.width == 0]
        spare = max(width - fixed, len(flexible) * 4)
        share = spare // max(len(flexible), 1)
        return [c.width or share for c in columns]

    def render_line(self, y: int) -> Strip:
        """Render one screen line: the header, a row, or blank."""
        width = self.size.width
        base = self.rich_style
        columns = self.columns()
        widths = self._widths(width, columns)
        if y == 0:
            header = base + self.get_component_rich_style("rowlist--header")
            text = " ".join(c.title.ljust(w)[:w] for c, w in zip(columns, widths, strict=True))
            return Strip([Segment(text.ljust(width)[:width], header)], width)
        pos = int(self.scroll_y) + y - 1
        if not self._matches and y == 1:
            empty = base + self.get_component_rich_style("rowlist--empty")
            return Strip([Segment(self.EMPTY_TEXT.ljust(width)[:width], empty)], width)
        if pos >= len(self._matches):
            return Strip.blank(width, base)
        row = self._rows[self._matches[pos]]
        line_style = base
        if pos == self.cursor:
            line_style = base + self.get_component_rich_style("rowlist--cursor")
        segments: list[Segment] = []
        for i, (col, w) in enumerate(zip(columns, widths, strict=True)):
            style: Style = line_style
            if col.style is not None and (name := col.style(row)):
                style = line_style + self.get_component_rich_style(name, partial=True)
            segments.append(Segment(_fit(col.value(row), w), style))
            if i < len(columns) - 1:
                segments.append(Segment(" ", line_style))
        used = sum(widths) + len(columns) - 1
        if used < width:
            segments.append(Segment(" " * (width - used), line_style))
        return Strip(segments).crop(0, width)


def _fit(text: str, width: int) -> str:
    """Pad or cut ``text`` to ``width`` cells, marking a cut with an ellipsis."""
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(width - 1, 0)] + "…"
