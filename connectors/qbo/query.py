r"""Builds statements in the QuickBooks Online query language.

The grammar is ``SELECT * | COUNT(*) FROM Entity [WHERE ...] [ORDERBY ...] [STARTPOSITION n]
[MAXRESULTS n]``.  Strings in WHERE are single-quoted with ``\\`` and ``'`` escaped by a backslash
(an unescaped apostrophe, as in ``O'Leary``, is a parse error, code 4000).  Pure functions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

MAX_RESULTS = 1000
"""The most records one query answer may hold."""

Literal = str | bool | int | Decimal


def quote(value: str) -> str:
    r"""Return a string literal for a WHERE clause: ``O'Leary`` -> ``'O\\'Leary'``."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def literal(value: Literal) -> str:
    """Return a WHERE literal for a string, boolean or number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return quote(value)


def eq(field: str, value: Literal) -> str:
    """Return the condition ``field = value``."""
    return f"{field} = {literal(value)}"


def in_(field: str, values: Iterable[Literal]) -> str:
    """Return the condition ``field IN (v1, v2, ...)``."""
    items = ", ".join(literal(v) for v in values)
    if not items:
        raise ValueError(f"IN needs at least one value for {field}")
    return f"{field} IN ({items})"


def like(field: str, pattern: str) -> str:
    """Return the condition ``field LIKE 'pattern'`` (``%`` is the wildcard)."""
    return f"{field} LIKE {quote(pattern)}"


ANY_ACTIVE = in_("Active", (True, False))
"""Name lists hide inactive records unless the query asks for them."""


@dataclass(frozen=True)
class Query:
    """One QBO query statement; build it with :func:`select` and the chaining methods."""

    entity: str
    count: bool = False
    conditions: tuple[str, ...] = ()
    order: str = ""
    start: int = 0
    max_results: int = 0
    fields: tuple[str, ...] = ()

    def where(self, *conditions: str) -> Query:
        """Return the query with more conditions joined by AND."""
        return replace(self, conditions=self.conditions + tuple(conditions))

    def orderby(self, field: str, descending: bool = False) -> Query:
        """Return the query ordered by one field."""
        return replace(self, order=f"{field} {'DESC' if descending else 'ASC'}")

    def page(self, start: int, max_results: int) -> Query:
        """Return the query limited to one page (``start`` counts from 1; at most 1000 rows)."""
        if start < 1:
            raise ValueError("STARTPOSITION counts from 1")
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"MAXRESULTS must be between 1 and {MAX_RESULTS}")
        return replace(self, start=start, max_results=max_results)

    def render(self) -> str:
        """Return the statement text sent as the ``query`` parameter."""
        shown = "COUNT(*)" if self.count else ", ".join(self.fields) or "*"
        parts = [f"SELECT {shown} FROM {self.entity}"]
        if self.conditions:
            parts.append("WHERE " + " AND ".join(self.conditions))
        if self.order:
            parts.append(f"ORDERBY {self.order}")
        if self.start:
            parts.append(f"STARTPOSITION {self.start}")
        if self.max_results:
            parts.append(f"MAXRESULTS {self.max_results}")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.render()


def select(entity: str, *fields: str) -> Query:
    """Start a ``SELECT *`` query of one entity (``SELECT Id, Balance`` with ``fields``)."""
    return Query(entity, fields=tuple(fields))


def count(entity: str) -> Query:
    """Start a ``SELECT COUNT(*)`` query of one entity."""
    return Query(entity, count=True)
