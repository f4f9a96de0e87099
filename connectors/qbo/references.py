"""Turning a batch file's account and item codes into the Ids QBO references take.

A QBO reference (``AccountRef``, ``ItemRef``) holds the entity's ``Id``; people write account
numbers (``AcctNum``) or names, item SKUs or names.  The chart of accounts and the item list are
each read once per run (every record, active or not) and a code is looked up in them:

- an account code matches an Account whose ``AcctNum`` equals it, or whose ``Name`` or
  ``FullyQualifiedName`` equals it ignoring case;
- an item code matches an Item whose ``Sku`` or ``Name`` (or ``FullyQualifiedName``) equals it
  ignoring case.

No active match is an unknown code; two or more active matches are ambiguous; a code matching
only inactive records names them.  Each case is a :class:`ReferenceProblem` whose text names the
code and the batch line, and the document fails before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from loftterm.api import DocumentLine, DocumentRequest

from .client import QboClient
from .query import ANY_ACTIVE, select

EXPENSE_KINDS = ("bill", "credit_note")
"""Documents whose lines without an item post to an expense account."""


class ReferenceProblem(Exception):
    """A code that does not name exactly one active Account or Item."""


@dataclass(frozen=True)
class Resolved:
    """A code and the record it names."""

    code: str
    entity: str
    id: str
    name: str
    source: str = ""

    def describe(self) -> str:
        """Return ``account 310 -> Id 41 (Agent Commissions)`` for plans and outcomes."""
        origin = f" ({self.source})" if self.source else ""
        return f"{self.entity.lower()} {self.code}{origin} -> Id {self.id} ({self.name})"


@dataclass(frozen=True)
class ResolvedLine:
    """One document line with its references resolved."""

    line: DocumentLine
    account: Resolved | None = None
    item: Resolved | None = None


def _fold(text: object) -> str:
    return " ".join(str(text or "").split()).casefold()


def _label(row: Mapping[str, Any], code_field: str) -> str:
    code = str(row.get(code_field) or "")
    name = str(row.get("FullyQualifiedName") or row.get("Name") or "")
    return f"{name} (Id {row.get('Id')}" + (f", {code_field} {code})" if code else ")")


class Catalogue:
    """One entity's records (Accounts or Items), matched by a code field or by name."""

    def __init__(self, entity: str, code_field: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self.entity = entity
        self.code_field = code_field
        self.rows = [dict(r) for r in rows if r.get("Id")]

    def matches(self, code: str) -> list[dict[str, Any]]:
        """Return every record the code names, by its code field first, then by name."""
        wanted = _fold(code)
        if not wanted:
            return []
        found = [r for r in self.rows if _fold(r.get(self.code_field)) == wanted]
        seen = {str(r["Id"]) for r in found}
        found += [r for r in self.rows if str(r["Id"]) not in seen and wanted in
                  (_fold(r.get("Name")), _fold(r.get("FullyQualifiedName")))]
        return found

    def resolve(self, code: str, where: str, source: str = "") -> Resolved:
        """Return the one active record the code names, or raise :class:`ReferenceProblem`."""
        kind = self.entity.lower()
        found = self.matches(code)
        active = [r for r in found if r.get("Active", True) is not False]
        if len(active) == 1:
            row = active[0]
            name = str(row.get("FullyQualifiedName") or row.get("Name") or "")
            return Resolved(code, self.entity, str(row["Id"]), name, source)
        named = f"{kind} {code!r}" + (f" ({source})" if source else "")
        if len(active) > 1:
            shown = "; ".join(_label(r, self.code_field) for r in active)
            raise ReferenceProblem(f"{named}{where} is ambiguous in QuickBooks Online: it names "
                                   f"{shown}; use the {self.code_field} or the full name")
        if found:
            shown = "; ".join(_label(r, self.code_field) for r in found)
            raise ReferenceProblem(f"{named}{where} is inactive in QuickBooks Online: {shown}")
        by = "number or name" if self.entity == "Account" else "SKU or name"
        raise ReferenceProblem(f"{named}{where}: no QuickBooks Online {kind} has that {by}")


class References:
    """Resolves a run's codes; each list is read at most once per run."""

    def __init__(self, client: QboClient, default_account: str = "") -> None:
        self.client = client
        self.default_account = default_account.strip()
        self._lists: dict[str, Catalogue] = {}

    def catalogue(self, entity: str) -> Catalogue:
        """Return every Account or Item of the company, read on first use."""
        found = self._lists.get(entity)
        if found is None:
            code_field = "AcctNum" if entity == "Account" else "Sku"
            found = Catalogue(entity, code_field, self._read(entity))
            self._lists[entity] = found
        return found

    def _read(self, entity: str) -> list[dict[str, Any]]:
        size = self.client.settings.page_size
        rows: list[dict[str, Any]] = []
        start = 1
        while True:
            page = self.client.rows(select(entity).where(ANY_ACTIVE).page(start, size), entity)
            rows.extend(page)
            if len(page) < size:
                return rows
            start += size

    def resolve_line(self, kind: str, line: DocumentLine) -> ResolvedLine:
        """Resolve one line's item and account, or raise :class:`ReferenceProblem`."""
        where = f" on batch line {line.line}" if line.line else ""
        item = account = None
        if line.item_code:
            item = self.catalogue("Item").resolve(line.item_code, where)
        if line.account_code:
            account = self.catalogue("Account").resolve(line.account_code, where)
        elif kind in EXPENSE_KINDS and not line.item_code:
            if not self.default_account:
                raise ReferenceProblem(
                    f"the line {line.description!r}{where} has no account and "
                    "connectors.qbo.default_expense_account is not set: give the line an "
                    "account, or set a default expense account")
            account = self.catalogue("Account").resolve(
                self.default_account, where, source="default_expense_account")
        return ResolvedLine(line, account, item)

    def resolve(self, doc: DocumentRequest) -> list[ResolvedLine]:
        """Resolve every line of a document, or raise :class:`ReferenceProblem`."""
        return [self.resolve_line(doc.kind, line) for line in doc.lines]


def describe(lines: Iterable[ResolvedLine]) -> tuple[str, ...]:
    """Return one text per distinct resolved reference of a document, in order."""
    out: list[str] = []
    for resolved in lines:
        for ref in (resolved.account, resolved.item):
            if ref is not None and ref.describe() not in out:
                out.append(ref.describe())
    return tuple(out)
