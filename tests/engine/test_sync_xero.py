"""The whole pipeline against the Xero sandbox over loopback, driven through the console."""

from __future__ import annotations

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.errors import EXIT_REMOTE, UsageError
from loftterm.models import LinkState
from tests.engine.conftest import FastSleep

WRITES = ("POST", "PUT")


def states(console: BookConsole) -> dict[str, LinkState]:
    return {
        row.profile_id: row.state
        for row in console.link_rows("xero")
        if row.profile_id.startswith("P0")
    }


def remote_writes(xero: XeroSandbox) -> int:
    return sum(len(xero.calls(method, r"/api\.xro/")) for method in WRITES)


def test_full_sync_links_creates_and_diagnoses(console: BookConsole, xero: XeroSandbox) -> None:
    report = console.sync("xero")
    counts = report.connectors["xero"]
    assert report.ok and report.exit_code == 0
    assert counts["pulled"] == len(xero.contacts) - 1  # the created one is not pulled
    assert counts["created_remote"] == 1
    created = xero.contact_by_name("Marcus Whitfield")
    assert created is not None and created["ContactNumber"] == "P004"
    seen = states(console)
    assert seen["P002"] == LinkState.LINKED  # exact email
    assert seen["P003"] == LinkState.LINKED  # near name
    assert seen["P005"] == LinkState.MISSING
    assert seen["P008"] == LinkState.ARCHIVED
    assert seen["P009"] == LinkState.DISABLED
    assert seen["P013"] == LinkState.MISPLACED
    assert seen["P001"] == LinkState.BLANK  # paid to Harbour Realty, which is linked
    kinds = {(w.kind, w.profile_id) for w in console.warnings()}
    assert ("missing", "P005") in kinds
    assert ("misplaced", "P013") in kinds
    assert ("archived-duplicate", "P006") in kinds
    assert ("duplicate", "P007") in kinds  # two active contacts hold Daniel's email


def test_link_methods_and_scores_are_stored(console: BookConsole) -> None:
    console.sync("xero")
    rows = {r.profile_id: r for r in console.link_rows("xero")}
    assert rows["P002"].method == "email" and rows["P002"].score == 1.0
    assert rows["P003"].method == "name" and 0.6 <= rows["P003"].score < 1.0
    assert rows["P004"].method == "created"


def test_rerun_with_nothing_changed_writes_nothing(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    before = remote_writes(xero)
    report = console.sync("xero")
    counts = report.connectors["xero"]
    assert remote_writes(xero) == before
    assert counts["created_remote"] == counts["updated_remote"] == counts["linked"] == 0
    assert counts["created_local"] == 0


def test_dry_run_writes_nothing_anywhere(console: BookConsole, xero: XeroSandbox) -> None:
    book_before = console.config.book.read_bytes()
    report = console.sync("xero", dry_run=True)
    assert report.dry_run and report.connectors["xero"]["created_remote"] == 1
    assert any("Marcus Whitfield" in line for line in report.plan)
    assert remote_writes(xero) == 0
    assert console.config.book.read_bytes() == book_before


def test_second_pull_is_incremental(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    gets = xero.calls("GET", r"/Contacts$")
    assert "if-modified-since" not in gets[0].headers
    xero.edit_contact(
        xero.contact_by_name("Bluewater Cafe")["ContactID"], EmailAddress="hello@bluewater.example"
    )
    console.sync("xero")
    pulls = [c for c in xero.calls("GET", r"/Contacts$") if "IDs" not in c.query]  # not balances
    last = pulls[-1]
    assert last.headers.get("if-modified-since")
    profile = next(r for r in console.link_rows("xero", text="Bluewater"))
    assert console.profile(profile.profile_id).profile.email == "hello@bluewater.example"


def test_local_change_is_pushed_remote_change_is_pulled(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")
    with console.writing() as book:
        tom = book.profile("P002")
        tom.fields = tom.fields.__class__.from_dict(
            {**tom.fields.to_dict(), "email": "tom.baker@example.com"}
        )
        book.touch_profile(tom)
    report = console.sync("xero")
    assert report.connectors["xero"]["updated_remote"] == 1
    assert xero.contact_by_name("Tom Baker")["EmailAddress"] == "tom.baker@example.com"


def test_minute_rate_limit_waits_then_succeeds(
    console: BookConsole, xero: XeroSandbox, sleeper: FastSleep
) -> None:
    xero.rate_limit_minute(times=2, retry_after=7)
    report = console.sync("xero")
    assert report.ok
    assert sleeper.waits.count(7) == 2


def test_daily_rate_limit_stops_with_exit_3_and_resumes(
    console: BookConsole, xero: XeroSandbox
) -> None:
    xero.rate_limit_day(times=1)
    report = console.sync("xero")
    assert not report.ok and report.exit_code == EXIT_REMOTE
    assert "daily" in report.errors["xero"]
    assert console.runs()[0].ok is False
    again = console.sync("xero")
    assert again.ok and again.connectors["xero"]["created_remote"] == 1


def test_expired_token_refreshes_once(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    issued = xero.issuer.issued
    xero.expire_token()
    assert console.sync("xero").ok
    assert xero.issuer.issued == issued + 1


def test_unlink_then_relink_by_search(console: BookConsole) -> None:
    console.sync("xero")
    row = console.unlink("P005", "xero")
    assert row.state == LinkState.BLANK
    found = console.search_remote("xero", "Jordan Lee")
    assert found and found[0].remote.name.startswith("Jordan Lee")
    archived = [c for c in found if c.remote.status == "archived"]
    assert archived, "the relink search shows archived contacts too"


def test_manual_link_refuses_agent_paid_to_organization(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")
    harbour = xero.contact_by_name("Harbour Realty Ltd")["ContactID"]
    with pytest.raises(UsageError, match="must stay blank"):
        console.link("P001", "xero", harbour)


def test_manual_link_of_a_missing_profile(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    console.unlink("P005", "xero")
    target = console.search_remote("xero", "Daniel Okafor.")[0].remote.remote_id
    holder = console.book().linked_profile("xero", "contact", target)
    if holder:
        console.unlink(holder, "xero")
    row = console.link("P005", "xero", target)
    assert row.state == LinkState.LINKED and row.method == "manual"
    assert not [w for w in console.warnings() if w.kind == "missing" and w.profile_id == "P005"]


def test_tenant_pinning_refuses_another_organisation(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")
    with console.writing() as book:
        book.connector_meta("xero")["tenant_id"] = "another-org"
    report = console.sync("xero")
    assert not report.ok and "pinned" in report.errors["xero"]
    assert console.sync("xero", repoint=True).ok


def test_remote_address_change_is_pulled_into_the_profile(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    harbour = xero.contact_by_name("Harbour Realty Ltd")
    street = {"AddressType": "STREET", "AddressLine1": "9 New Quay", "City": "Sydney"}
    others = [a for a in harbour.get("Addresses", []) if a.get("AddressType") != "STREET"]
    xero.edit_contact(harbour["ContactID"], Addresses=[*others, street])
    report = console.sync("xero")
    assert report.ok, report.errors
    assert console.profile("P010").profile.fields.shipping.line1 == "9 New Quay"


def test_merged_contact_is_relinked_to_its_survivor(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    tom = next(r for r in console.link_rows("xero") if r.profile_id == "P002")
    survivor = xero.contact_by_name("Bluewater Cafe")["ContactID"]
    holder = console.book().linked_profile("xero", "contact", survivor)
    console.unlink(holder, "xero")
    xero.merge_contacts(tom.remote_id, survivor)
    report = console.sync("xero", full_pull=True)
    assert report.ok
    row = next(r for r in console.link_rows("xero") if r.profile_id == "P002")
    assert row.remote_id == survivor and row.method == "merged"
    assert any("merged into" in o.reason for o in console.runs()[0].outcomes)
