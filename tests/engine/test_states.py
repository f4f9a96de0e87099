"""Link states derived from a book built in memory (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine.decide.states import link_row, open_duplicates
from loftterm.models import ContactFields, Link, LinkState, Profile, RemoteContact, Warning

XERO = ConnectorInfo("xero", "Xero")


@pytest.fixture
def book(tmp_path: Path) -> Book:
    book = Book.open(tmp_path / "b.json")
    book.connector_meta("xero")["last_full_pull"] = "2026-11-01T00:00:00+00:00"
    book.put_profile(Profile("ORG", "organization", ContactFields(name="Harbour Realty")))
    book.put_profile(Profile("AG", "agent", ContactFields(name="Siobhan"), payable_to="ORG"))
    book.put_profile(Profile("C", "contact", ContactFields(name="Elena")))
    book.put_remote("xero", [RemoteContact("R-ORG", fields=ContactFields(name="Harbour Realty")),
                             RemoteContact("R-OLD", fields=ContactFields(name="Elena"), status="archived")])
    return book


def state(book: Book, pid: str) -> LinkState:
    return link_row(book, XERO, book.profile(pid), "contact", open_duplicates(book, "xero")).state


def test_blank_then_linked(book: Book) -> None:
    assert state(book, "ORG") == LinkState.BLANK
    book.put_link(Link("ORG", "xero", "contact", "R-ORG", "email"))
    assert state(book, "ORG") == LinkState.LINKED


def test_missing_only_after_a_full_pull(book: Book) -> None:
    book.put_link(Link("C", "xero", "contact", "GONE", "manual"))
    assert state(book, "C") == LinkState.MISSING
    del book.connector_meta("xero")["last_full_pull"]
    assert state(book, "C") == LinkState.LINKED  # not verified yet


def test_archived(book: Book) -> None:
    book.put_link(Link("C", "xero", "contact", "R-OLD", "manual"))
    assert state(book, "C") == LinkState.ARCHIVED


def test_duplicate_from_open_warning(book: Book) -> None:
    warning = Warning("duplicate", "xero", "C", "two match", ["R1", "R2"])
    book.warnings[warning.key] = warning
    row = link_row(book, XERO, book.profile("C"), "contact", open_duplicates(book, "xero"))
    assert row.state == LinkState.DUPLICATE and row.candidates == ("R1", "R2")


def test_disabled_wins_even_when_linked(book: Book) -> None:
    book.put_link(Link("ORG", "xero", "contact", "R-ORG", "email"))
    book.profile("ORG").sync_disabled.append("xero")
    row = link_row(book, XERO, book.profile("ORG"), "contact", {})
    assert row.state == LinkState.DISABLED and "balances" in row.explanation


def test_agent_paid_to_org_misplaced_both_ways(book: Book) -> None:
    assert state(book, "AG") == LinkState.MISPLACED  # organization not linked
    book.put_link(Link("ORG", "xero", "contact", "R-ORG", "email"))
    assert state(book, "AG") == LinkState.BLANK  # blank is correct
    book.put_link(Link("AG", "xero", "contact", "R-ORG2", "manual"))
    assert state(book, "AG") == LinkState.MISPLACED  # its own link must be blank


def test_field_connector_has_no_misplaced_rule(book: Book) -> None:
    field = ConnectorInfo("sortscape", "SortScape", kind="field")
    assert link_row(book, field, book.profile("AG"), "contact", {}).state == LinkState.BLANK
