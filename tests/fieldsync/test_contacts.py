"""Ledger customers flow into SortScape; duplicates become proposals; decisions stick."""

from __future__ import annotations

import pytest

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.sortscape.sandbox.seed import HARBOUR_REALTY, TOM_B, TOM_B_PHONE, W_ZHANG
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import HARBOUR_REALTY_ID, THOMAS_BAKER_ID
from loftterm.console import BookConsole
from loftterm.errors import UsageError
from loftterm.models import LinkMethod
from tests.fieldsync.conftest import (
    profile_named,
    sortscape_link,
    ss_by_ref,
    ss_named,
    writes,
)

HARBOUR = f"sortscape:P010:{HARBOUR_REALTY}"
WEI = f"sortscape:P009:{W_ZHANG}"


def test_sync_runs_ledgers_before_field_service(console: BookConsole) -> None:
    report = console.sync()
    assert list(report.connectors) == ["xero", "sortscape"]
    assert report.ok, report.errors


def test_customer_becomes_contact_with_shipping_else_billing_property(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    report = console.sync()
    assert report.connectors["sortscape"]["created_remote"] >= 5
    bluewater = profile_named(console, "Bluewater Cafe")  # street (shipping) and PO box
    [contact] = ss_by_ref(sortscape, bluewater)
    assert contact["name"] == "Bluewater Cafe" and contact["email"] == "hello@bluewatercafe.example"
    assert contact["phone"]  # the ledger's phone travels too
    [prop] = contact["properties"]
    assert prop["source"] == "shipping" and prop["address"]["line1"] == "3 Wharf Road"
    pinnacle = profile_named(console, "Pinnacle Strata Management")  # PO box only
    [prop] = ss_by_ref(sortscape, pinnacle)[0]["properties"]
    assert prop["source"] == "billing" and prop["address"]["line1"] == "PO Box 5521"
    link = console.book().link_of(bluewater, "sortscape", "contact")
    assert link is not None and link.method == LinkMethod.CREATED
    assert link.remote_id == contact["id"]


def test_suppliers_and_archived_ledger_contacts_do_not_flow(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    for supplier in ("Sparks & Co Electrical", "Brightline Signage Ltd", "Oakridge Landscaping"):
        assert not ss_named(sortscape, supplier)
    assert not ss_by_ref(sortscape, "P002")  # Tom Baker: linked to a pure supplier
    assert not ss_by_ref(sortscape, "P008")  # Greenleaf: archived in Xero
    assert sortscape_link(console, "P002") == ""


def test_second_sync_creates_nothing_more(
    console: BookConsole, sortscape: SortScapeSandbox, xero: XeroSandbox
) -> None:
    console.sync()
    before = (writes(sortscape), writes(xero), len(sortscape.contacts()))
    report = console.sync()
    assert report.connectors["sortscape"]["created_remote"] == 0
    assert (writes(sortscape), writes(xero), len(sortscape.contacts())) == before


def test_name_and_email_duplicates_become_proposals(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    proposals = {p.id: p for p in console.proposals() if p.connector == "sortscape"}
    assert set(proposals) == {HARBOUR, WEI, "sortscape:P002:C-1002"}  # name, email, phone
    assert proposals[HARBOUR].reason == "same name Harbour Realty Ltd"
    assert proposals[WEI].reason == "same email wei.zhang@example.org"
    assert len(ss_named(sortscape, "Harbour Realty Ltd")) == 1  # not created again
    assert not ss_by_ref(sortscape, "P010") and not ss_by_ref(sortscape, "P009")
    assert sortscape_link(console, "P010") == ""  # never auto-linked either
    status = {s.name: s for s in console.status()}["sortscape"]
    assert any("3 possible duplicates" in r for r in status.pending.reasons)


def test_proposal_columns_ledger_left_sortscape_right(console: BookConsole) -> None:
    console.sync()
    [proposal] = [p for p in console.proposals() if p.id == HARBOUR]
    fields = {f.field: f for f in proposal.fields}
    assert list(fields) == ["name", "first_name", "last_name", "email", "phone", "company"]
    email = fields["email"]
    assert email.left == "accounts@harbourrealty.example"  # the profile / Xero
    assert email.right == "reception@harbourrealty.example"  # SortScape
    assert email.proposed == email.left and email.differs
    company = fields["company"]  # Xero has none: the non-empty side is proposed
    assert company.left == "" and company.proposed == company.right == "Harbour Realty Ltd"


def test_phone_duplicate_becomes_proposal(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    # Thomas Baker is a pure supplier in the seed; as a customer he flows, and his profile's
    # phone is the one SortScape's "Tom B." has.
    with xero.server.lock:
        xero.org.set_flags(THOMAS_BAKER_ID, customer=True)
    console.sync()
    [proposal] = [p for p in console.proposals() if p.profile_id == "P002"]
    assert proposal.remote_id == TOM_B
    assert proposal.reason == f"same phone {TOM_B_PHONE}"
    assert not ss_by_ref(sortscape, "P002")


def test_dry_run_plans_creates_and_proposals_only(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync("xero")
    before = writes(sortscape)
    report = console.sync("sortscape", dry_run=True)
    assert report.connectors["sortscape"]["created_remote"] >= 5
    assert any("would create Bluewater Cafe" in line for line in report.plan)
    assert any("propose Harbour Realty Ltd" in line for line in report.plan)
    assert any("would create material" in line for line in report.plan)
    assert writes(sortscape) == before
    assert [p for p in console.proposals() if p.connector == "sortscape"] == []


def test_accept_links_and_updates_both_sides(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    decided = console.decide_proposal(HARBOUR, True, take={"email": "right"})
    assert decided.status == "accepted"
    link = console.book().link_of("P010", "sortscape", "contact")
    assert link is not None and link.remote_id == HARBOUR_REALTY
    assert link.method == LinkMethod.MANUAL
    profile = console.book().profile("P010")
    assert profile.email == "reception@harbourrealty.example"  # taken from the right
    assert profile.fields.phone == "61 2 9555 0142"  # the default: the ledger's (left)
    assert profile.fields.company == "Harbour Realty Ltd"
    there = sortscape.contact(HARBOUR_REALTY)
    assert there["phone"] == "61 2 9555 0142"  # pushed to SortScape
    assert there["email"] == "reception@harbourrealty.example"
    assert xero.contacts[HARBOUR_REALTY_ID]["EmailAddress"] == "reception@harbourrealty.example"
    assert len(ss_named(sortscape, "Harbour Realty Ltd")) == 1
    assert HARBOUR not in {p.id for p in console.proposals()}
    before = (writes(sortscape), writes(xero))
    console.sync()
    assert (writes(sortscape), writes(xero)) == before  # settled: nothing left to push


def test_reject_is_remembered_and_the_contact_is_created(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    rejected = console.decide_proposal(WEI, False)
    assert rejected.status == "rejected"
    assert f"reject|sortscape|{W_ZHANG}|P009" in console.book().decisions
    console.sync()
    assert WEI not in {p.id for p in console.proposals()}
    [created] = ss_by_ref(sortscape, "P009")  # different people: Wei gets his own contact
    assert created["id"] != W_ZHANG
    console.sync()
    assert WEI not in {p.id for p in console.proposals()}
    assert len(ss_by_ref(sortscape, "P009")) == 1


def test_deciding_a_closed_or_unknown_proposal_is_refused(console: BookConsole) -> None:
    console.sync()
    console.decide_proposal(WEI, False)
    with pytest.raises(UsageError, match="already rejected"):
        console.decide_proposal(WEI, True)
    with pytest.raises(UsageError, match="no review"):
        console.decide_proposal("sortscape:P999:C-1", True)
    with pytest.raises(UsageError, match="no field"):
        console.decide_proposal(HARBOUR, True, take={"fax": "left"})


def test_open_proposal_is_withdrawn_when_linked_by_hand(console: BookConsole) -> None:
    console.sync()
    console.link("P010", "sortscape", HARBOUR_REALTY)
    console.sync("sortscape")
    closed = {p.id: p.status for p in console.proposals(include_closed=True)}
    assert closed[HARBOUR] == "withdrawn"
    assert HARBOUR not in {p.id for p in console.proposals()}
