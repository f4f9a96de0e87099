"""Archive-following, pinning to one SortScape account, and explicit ledger creation."""

from __future__ import annotations

import pytest

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.sortscape.sandbox.seed import GREENLEAF, MARGARET_ELLIS
from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.config import config_from_mapping
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.errors import UsageError
from loftterm.models import ContactFields, LinkMethod, LinkState, Profile
from loftterm.plugins import make_plugin_manager
from tests.engine.conftest import FastSleep
from tests.fieldsync.conftest import profile_named, sortscape_link, writes


def test_archive_waits_for_pending_jobs_then_follows(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    console.link("P008", "sortscape", GREENLEAF)  # Greenleaf is archived in Xero
    report = console.sync()
    assert report.connectors["sortscape"]["archived"] == 0
    assert sortscape.contact(GREENLEAF)["status"] == "active"
    [deferred] = [w for w in console.warnings() if w.kind == "archive-deferred"]
    assert deferred.profile_id == "P008"
    for job in ("J-104", "J-107", "J-105"):
        assert job in deferred.message
    console.sync()  # retried on every sync, still waiting
    assert [w.kind for w in console.warnings()].count("archive-deferred") == 1
    sortscape.clear_blockers(GREENLEAF)
    report = console.sync()
    assert report.connectors["sortscape"]["archived"] == 1
    contact = sortscape.contact(GREENLEAF)
    assert contact["status"] == "archived"
    assert all(p["status"] == "archived" for p in contact["properties"])
    assert not [w for w in console.warnings() if w.kind == "archive-deferred"]


def test_archived_ledger_customer_is_archived_at_once_without_jobs(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    pid = profile_named(console, "Sunrise Bakery")
    remote_id = sortscape_link(console, pid)
    xero_link = console.book().link_of(pid, "xero", "contact")
    assert xero_link is not None
    assert not xero.edit_contact(xero_link.remote_id, ContactStatus="ARCHIVED")
    report = console.sync()
    assert report.connectors["sortscape"]["archived"] == 1
    assert sortscape.contact(remote_id)["status"] == "archived"


def test_archiving_in_sortscape_never_touches_the_ledger(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    pid = profile_named(console, "Coral Bay Holiday Lets")
    sortscape.archive_contact(sortscape_link(console, pid))
    before = (writes(xero), len(sortscape.contacts()))
    console.sync()
    xero_link = console.book().link_of(pid, "xero", "contact")
    assert xero_link is not None
    assert xero.contacts[xero_link.remote_id]["ContactStatus"] == "ACTIVE"
    assert (writes(xero), len(sortscape.contacts())) == before  # not re-created either
    assert not console.book().profile(pid).archived


def test_another_sortscape_account_is_refused(console: BookConsole, demo: DemoEnvironment) -> None:
    assert console.sync("sortscape").ok
    other = SortScapeSandbox()
    other.store.account = {**other.store.account, "id": "ACC-9999", "name": "Other Gardens"}
    other.start()
    try:
        section = {"enabled": True, **other.connector_settings()}
        config = config_from_mapping(
            {"book": str(demo.config.book), "connectors": {"sortscape": section}},
            make_plugin_manager(),
            base_dir=demo.workdir,
            source="<test>",
        )
        moved = BookConsole(config, make_plugin_manager(), sleep=FastSleep())
        report = moved.sync("sortscape")
        assert not report.ok
        assert "pinned" in report.errors["sortscape"] and "ACC-9999" in report.errors["sortscape"]
        assert not other.calls("POST") and not other.calls("PATCH")
    finally:
        other.stop()


def add_sortscape_customer(console: BookConsole) -> str:
    """A profile that exists only because of SortScape (linked to Margaret Ellis only)."""
    with console.writing("test") as book:
        profile = Profile(
            id=book.new_profile_id(),
            kind="customer",
            origin="sortscape",
            fields=ContactFields(name="Margaret Ellis", email="margaret.ellis@example.net"),
        )
        book.put_profile(profile)
    console.link(profile.id, "sortscape", MARGARET_ELLIS)
    return profile.id


def test_sortscape_contacts_are_not_exported_but_can_be_pushed(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync()
    pid = add_sortscape_customer(console)
    console.sync()
    assert xero.contact_by_name("Margaret Ellis") is None  # never exported by a sync
    row = console.push_profile(pid, "xero")
    assert row.state == LinkState.LINKED and row.method == LinkMethod.CREATED
    created = xero.contact_by_name("Margaret Ellis")
    assert created is not None and created["ContactNumber"] == pid
    with pytest.raises(UsageError, match="already linked"):
        console.push_profile(pid, "xero")
    with pytest.raises(UsageError, match="not a ledger"):
        console.push_profile(pid, "sortscape")


def test_push_refuses_an_agent_paid_to_an_organization(console: BookConsole) -> None:
    with pytest.raises(UsageError, match="push the organization"):
        console.push_profile("P001", "xero")


def test_book_keeps_item_links_and_decisions(console: BookConsole) -> None:
    console.sync()
    console.decide_proposal(
        next(p.id for p in console.proposals() if p.profile_id == "P009"), False
    )
    book = Book.open(console.config.book)
    assert book.items and all(doc["connector"] == "sortscape" for doc in book.items.values())
    assert any(key.startswith("reject|sortscape|") for key in book.decisions)
    statuses = {p.profile_id: p.status for p in console.proposals(include_closed=True)}
    assert statuses["P009"] == "rejected"
