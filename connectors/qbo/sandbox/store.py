"""The sandbox's records: one table per entity, generated rows built lazily, one name index.

Rows are kept in Id order: seeded rows, then generated rows (benchmarks: built on demand so
100,000 contacts cost a name index, not 100,000 dicts), then rows created through the API.
DisplayName is one namespace across Customer, Vendor and Employee, inactive records included.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

NAME_LISTS = ("Customer", "Vendor", "Employee")
LISTS = (*NAME_LISTS, "Item", "Account")
"""Entities that hide inactive records unless a query asks for them."""
ENTITIES = (*LISTS, "Bill", "VendorCredit", "Invoice", "CreditMemo", "Payment", "BillPayment",
            "JournalEntry")
#: Transactions the sandbox lists (CDC, queries) but never writes.
READ_ONLY_TRANSACTIONS = ("Payment", "BillPayment", "JournalEntry")
COMPANY_TZ = timezone(timedelta(hours=10))
"""QBO stamps times in the company's zone; the sandbox company is in Sydney (AEST)."""

Record = dict[str, Any]


def stamp(moment: datetime) -> str:
    """Return a QBO timestamp with milliseconds in the company's zone."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def now() -> datetime:
    """Return the current time in the company's zone."""
    return datetime.now(COMPANY_TZ)


def name_key(name: str) -> str:
    """Return the namespace key of a DisplayName (case and surrounding space ignored)."""
    return " ".join(name.split()).casefold()


@dataclass
class Generated:
    """Rows built on demand from their index (deterministic), for benchmarks."""

    count: int
    first_id: int
    step: int
    build: Callable[[int], Record]
    name: Callable[[int], str]

    def id_of(self, index: int) -> str:
        """Return the Id of the row at an index."""
        return str(self.first_id + index * self.step)

    def index_of(self, rid: str) -> int | None:
        """Return the index of a generated Id, or None when the Id is not generated."""
        if not rid.isdigit():
            return None
        offset = int(rid) - self.first_id
        if offset < 0 or offset % self.step:
            return None
        index = offset // self.step
        return index if index < self.count else None


class Table:
    """The records of one entity in Id order."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.head: dict[str, Record] = {}
        self.tail: dict[str, Record] = {}
        self.generated: Generated | None = None
        self.overrides: dict[str, Record] = {}
        self.version = 0
        self._head_list: list[Record] | None = None
        self._tail_list: list[Record] | None = None

    def __len__(self) -> int:
        return len(self.head) + len(self.tail) + (self.generated.count if self.generated else 0)

    def get(self, rid: str) -> Record | None:
        """Return a copy of one record, or None."""
        found = self.head.get(rid) or self.tail.get(rid) or self.overrides.get(rid)
        if found is not None:
            return copy.deepcopy(found)
        if self.generated is not None:
            index = self.generated.index_of(rid)
            if index is not None:
                return self.generated.build(index)
        return None

    def put(self, record: Record) -> None:
        """Store a record (new or changed) under its Id."""
        rid = str(record["Id"])
        if rid in self.head:
            self.head[rid] = record
            self._head_list = None
        elif self.generated is not None and self.generated.index_of(rid) is not None:
            self.overrides[rid] = record
        else:
            self.tail[rid] = record
            self._tail_list = None
        self.version += 1

    def seed(self, record: Record) -> None:
        """Store a seeded record (before any generated rows)."""
        self.head[str(record["Id"])] = record
        self._head_list = None
        self.version += 1

    def _lists(self) -> tuple[list[Record], list[Record]]:
        if self._head_list is None:
            self._head_list = list(self.head.values())
        if self._tail_list is None:
            self._tail_list = list(self.tail.values())
        return self._head_list, self._tail_list

    def _generated_row(self, index: int) -> Record:
        assert self.generated is not None
        rid = self.generated.id_of(index)
        found = self.overrides.get(rid)
        return found if found is not None else self.generated.build(index)

    def window(self, offset: int, size: int) -> list[Record]:
        """Return ``size`` records from position ``offset`` (0-based) without building the rest."""
        head, tail = self._lists()
        gen_count = self.generated.count if self.generated else 0
        out: list[Record] = []
        position = offset
        while len(out) < size:
            if position < len(head):
                out.append(head[position])
            elif position < len(head) + gen_count:
                out.append(self._generated_row(position - len(head)))
            elif position < len(head) + gen_count + len(tail):
                out.append(tail[position - len(head) - gen_count])
            else:
                break
            position += 1
        return out

    def __iter__(self) -> Iterator[Record]:
        head, tail = self._lists()
        yield from head
        if self.generated is not None:
            for index in range(self.generated.count):
                yield self._generated_row(index)
        yield from tail

    def touched(self) -> Iterator[Record]:
        """Yield the records that may have changed since seeding.

        Generated rows change only when written, and then they live in ``overrides``.
        """
        yield from self.head.values()
        yield from self.overrides.values()
        yield from self.tail.values()


class Store:
    """Every table, the DisplayName index and the Id sequences."""

    def __init__(self) -> None:
        self.tables = {entity: Table(entity) for entity in ENTITIES}
        self.names: dict[str, tuple[str, str]] = {}
        self.item_names: dict[str, str] = {}
        self.next_name_id = 1
        self.next_item_id = 1
        self.next_account_id = 1
        self.next_txn_id = 1
        self.generated_names: Callable[[str], tuple[str, str] | None] | None = None

    def table(self, entity: str) -> Table:
        """Return the table of an entity (case-insensitive name)."""
        for name, table in self.tables.items():
            if name.lower() == entity.lower():
                return table
        raise KeyError(entity)

    def new_id(self, entity: str) -> str:
        """Return the next Id of an entity's sequence (name lists share one, as in QBO)."""
        if entity in NAME_LISTS:
            rid, self.next_name_id = self.next_name_id, self.next_name_id + 1
        elif entity == "Item":
            rid, self.next_item_id = self.next_item_id, self.next_item_id + 1
        elif entity == "Account":
            rid, self.next_account_id = self.next_account_id, self.next_account_id + 1
        else:
            rid, self.next_txn_id = self.next_txn_id, self.next_txn_id + 1
        return str(rid)

    def name_holder(self, display: str) -> tuple[str, str] | None:
        """Return ``(entity, id)`` of the Customer/Vendor/Employee holding a DisplayName."""
        key = name_key(display)
        found = self.names.get(key)
        if found is None and self.generated_names is not None:
            found = self.generated_names(key)
        if found is None:
            return None
        record = self.tables[found[0]].get(found[1])
        if record is None or name_key(str(record.get("DisplayName") or "")) != key:
            return None
        return found

    def index_name(self, entity: str, record: Record, old: str = "") -> None:
        """Point the name index at a record (and drop its old name)."""
        if entity not in NAME_LISTS:
            return
        if old and self.names.get(name_key(old)) == (entity, str(record["Id"])):
            del self.names[name_key(old)]
        self.names[name_key(str(record.get("DisplayName") or ""))] = (entity, str(record["Id"]))
