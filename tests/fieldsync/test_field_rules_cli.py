"""The field-sync rules, one test per reproduction, through the CLI against empty sandboxes.

Each test starts as a new user would (empty sandboxes, ``loftterm import``, ``--sync --json``)
and reads back what the sandbox holds: no value may be lost.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

from connectors.qbo.sandbox.server import QboSandbox
from tests.fieldsync.cli_rules import (
    new_user,
    qbo_add,
    qbo_set_balance,
    xero_add,
    xero_phone,
    xero_street,
)

NINA = {"id": "P001", "kind": "agent", "name": "Nina Fox", "email": "nina@fox.example"}


def test_a_ledger_edit_of_a_matched_link_reaches_the_book(tmp_path: Path) -> None:
    """Reproduction 1: linked by matching (fields equal), then edited in Xero."""
    with new_user(tmp_path, "xero") as user:
        cid = xero_add(user.xero, Name="Nina Fox", EmailAddress="nina@fox.example")
        user.import_profiles(NINA)
        assert user.sync()["connectors"]["xero"]["linked"] == 1
        user.sync()  # idle syncs in between change nothing
        user.sync()
        assert not user.xero.edit_contact(cid, Name="Nina Fox-Hart",
                                          EmailAddress="nina@foxhart.example")
        counts = user.sync()["connectors"]["xero"]
        assert counts["updated_remote"] == 0
        there = user.xero.contacts[cid]
        assert (there["Name"], there["EmailAddress"]) == ("Nina Fox-Hart", "nina@foxhart.example")
        profile = user.profile("P001")
        assert (profile.name, profile.email) == ("Nina Fox-Hart", "nina@foxhart.example")


def test_both_sides_changed_is_a_conflict_until_a_person_picks(tmp_path: Path) -> None:
    """Reproduction 2: the book and Xero both renamed: a conflict, nothing overwritten."""
    with new_user(tmp_path, "xero") as user:
        cid = xero_add(user.xero, Name="Nina Fox", EmailAddress="nina@fox.example")
        user.import_profiles(NINA)
        user.sync()
        user.import_profiles({**NINA, "name": "Nina Fox (agent)"})
        assert not user.xero.edit_contact(cid, Name="Nina Fox-Hart")
        user.sync()
        user.sync()  # and stays so
        conflicts = [w for w in user.warnings() if w["kind"] == "conflict"]
        assert len(conflicts) == 1
        assert "'Nina Fox (agent)'" in conflicts[0]["message"]
        assert "'Nina Fox-Hart'" in conflicts[0]["message"]
        assert "resolve-conflict P001 --connector xero --field name" in conflicts[0]["message"]
        assert user.xero.contacts[cid]["Name"] == "Nina Fox-Hart"
        assert user.profile("P001").name == "Nina Fox (agent)"
        out = user.cli("resolve-conflict", "P001", "--connector", "xero", "--field", "name",
                       "--take", "remote")
        assert "remote value was written to the book" in out
        assert user.profile("P001").name == "Nina Fox-Hart"
        assert user.xero.contacts[cid]["Name"] == "Nina Fox-Hart"
        assert not [w for w in user.warnings() if w["kind"] == "conflict"]


def test_blank_local_fields_never_erase_ledger_values(tmp_path: Path) -> None:
    """Reproduction 3 (Xero): a name link to a profile with no email and no address."""
    with new_user(tmp_path, "xero") as user:
        cid = xero_add(user.xero, Name="Peter Novak", EmailAddress="peter@novak.example",
                       Addresses=[{"AddressType": "STREET", "AddressLine1": "9 Quay St",
                                   "City": "Sydney"},
                                  {"AddressType": "POBOX", "AddressLine1": "PO Box 12",
                                   "City": "Sydney"}])
        user.import_profiles({"id": "P001", "kind": "agent", "name": "Peter Novak",
                              "phone": "+61 2 9555 0199"})
        user.sync()
        assert user.remote_id("P001", "xero") == cid
        there = user.xero.contacts[cid]
        assert there["EmailAddress"] == "peter@novak.example"
        assert xero_street(there)["AddressLine1"] == "9 Quay St"
        assert xero_phone(there) == "+61 2 9555 0199"  # the blank side is filled, both ways
        profile = user.profile("P001")
        assert profile.email == "peter@novak.example"
        assert profile.fields.shipping.line1 == "9 Quay St"
        assert profile.fields.billing.line1 == "PO Box 12"


def test_blank_local_email_never_erases_qbo_vendor_or_customer(tmp_path: Path) -> None:
    """Reproduction 3 (QBO): an email link of one role; the other role keeps its own email."""
    with new_user(tmp_path, "qbo") as user:
        vendor = qbo_add(user.qbo, "Vendor", "Peter Novak",
                         PrimaryEmailAddr={"Address": "peter@novak.example"})
        customer = qbo_add(user.qbo, "Customer", "*Peter Novak",
                           PrimaryEmailAddr={"Address": "peter@novak.example"},
                           BillAddr={"Line1": "PO Box 12", "City": "Sydney"})
        user.import_profiles({"id": "P001", "kind": "agent", "name": "Peter Novak"})
        user.sync()
        assert user.remote_id("P001", "qbo", "vendor") == vendor
        assert user.remote_id("P001", "qbo", "customer") == customer
        for entity, rid in (("Vendor", vendor), ("Customer", customer)):
            record = user.qbo.record(entity, rid)
            assert record is not None
            assert record["PrimaryEmailAddr"]["Address"] == "peter@novak.example", entity
        billing = user.qbo.record("Customer", customer)
        assert billing is not None and billing["BillAddr"]["Line1"] == "PO Box 12"
        assert user.profile("P001").email == "peter@novak.example"


def test_the_first_link_rename_is_reported_and_can_keep_the_ledger_names(
        tmp_path: Path) -> None:
    """Seed 000 step 4: the book's name goes to the ledger, said per record; or the ledger's kept."""
    for choice in ("book", "ledger"):
        folder = tmp_path / choice
        folder.mkdir()
        with new_user(folder, "xero") as user:
            cid = xero_add(user.xero, Name="Priya Natarajan", EmailAddress="priya@coastal.example")
            user.set_setting("xero", "first_link_names", choice)
            user.import_profiles({"id": "P001", "kind": "agent", "name": "Priya Natarjan",
                                  "email": "priya@coastal.example"})
            user.sync()
            renames = [o for o in user.outcomes() if o["action"] == "rename"]
            if choice == "book":
                assert user.xero.contacts[cid]["Name"] == "Priya Natarjan"
                assert len(renames) == 1 and renames[0]["profile_id"] == "P001"
                assert "'Priya Natarajan' -> 'Priya Natarjan'" in renames[0]["reason"]
            else:
                assert user.xero.contacts[cid]["Name"] == "Priya Natarajan"
                assert user.profile("P001").name == "Priya Natarajan"
                assert renames == []


def test_balances_are_fresh_after_a_routine_incremental_sync(tmp_path: Path) -> None:
    """Reproduction 5: a balance change moves no modified date, with sync enabled or not."""
    with new_user(tmp_path, "xero") as user:
        user.xero.clock = lambda: time.time() - 3600  # entered an hour ago: never pulled again
        cid = xero_add(user.xero, Name="Nina Fox", EmailAddress="nina@fox.example")
        other = xero_add(user.xero, Name="Omar Haddad", EmailAddress="omar@haddad.example")
        user.xero.clock = time.time
        user.import_profiles(NINA, {"id": "P002", "kind": "agent", "name": "Omar Haddad",
                                    "email": "omar@haddad.example"})
        user.sync()
        user.cli("disable-sync", "P002", "--connector", "xero")
        before = user.xero.contacts[cid]["UpdatedDateUTC"]
        with user.xero.server.lock:  # entered in Xero: the contacts' modified dates stay
            invoice = user.xero.org.post_invoice(cid, Decimal("125.50"))
            user.xero.org.post_invoice(other, Decimal("80.00"), bill=True)
        assert user.xero.contacts[cid]["UpdatedDateUTC"] == before
        counts = user.sync()["connectors"]["xero"]
        assert counts["pulled"] == 0  # a routine incremental sync: nothing modified
        assert user.profile("P001").balances["xero"]["ar"] == "125.50"
        assert user.profile("P002").balances["xero"]["ap"] == "80.00"
        by_ids = [c for c in user.xero.calls("GET", r"/Contacts$") if "IDs" in c.query]
        assert by_ids and set(by_ids[-1].query["IDs"][0].split(",")) == {cid, other}
        with user.xero.server.lock:  # a part payment bumps the invoice, not the contact
            user.xero.org.pay_invoice(invoice, Decimal("25.50"))
        user.sync()
        assert user.profile("P001").balances["xero"]["ar"] == "100.00"
        read = [c for c in user.xero.calls("GET", r"/Contacts$") if "IDs" in c.query]
        assert len(read) == len(by_ids) + 1 and cid in read[-1].query["IDs"][0].split(",")


def test_a_quiet_xero_sync_reads_no_balances(tmp_path: Path) -> None:
    """Balances follow documents: no document changed, so no contact is read for its balance."""
    with new_user(tmp_path, "xero") as user:
        xero_add(user.xero, Name="Nina Fox", EmailAddress="nina@fox.example")
        user.import_profiles(NINA)
        user.sync()
        time.sleep(1.1)  # watermarks have whole seconds: a second later nothing is "just now"
        user.sync()
        calls = len(user.xero.calls("GET", r"/Contacts$"))
        user.sync()
        contact_calls = user.xero.calls("GET", r"/Contacts$")[calls:]
        assert [c for c in contact_calls if "IDs" in c.query] == []
        assert len(contact_calls) == 1  # the incremental pull itself
        documents = r"/(Invoices|CreditNotes|Overpayments|Prepayments)$"
        asked = {c.path.rsplit("/", 1)[-1] for c in user.xero.calls("GET", documents)}
        assert asked == {"Invoices", "CreditNotes", "Overpayments", "Prepayments"}


def test_qbo_balances_are_fresh_after_an_incremental_sync(tmp_path: Path) -> None:
    """Reproduction 5 (QBO): the Balance field of the linked records, read by id."""
    with new_user(tmp_path, "qbo") as user:
        vendor = qbo_add(user.qbo, "Vendor", "Nina Fox",
                         PrimaryEmailAddr={"Address": "nina@fox.example"})
        customer = qbo_add(user.qbo, "Customer", "*Nina Fox",
                           PrimaryEmailAddr={"Address": "nina@fox.example"})
        user.import_profiles(NINA)
        user.sync()
        qbo_set_balance(user.qbo, "Vendor", vendor, Decimal("310.00"))
        qbo_set_balance(user.qbo, "Customer", customer, Decimal("42.10"))
        user.sync()
        shown = user.profile("P001").balances["qbo"]
        assert (Decimal(shown["ap"]), Decimal(shown["ar"])) == (Decimal("310"), Decimal("42.1"))
        time.sleep(1.1)  # past the second the last balances were read in
        user.sync()
        asked = len(balance_queries(user.qbo))
        assert asked  # the balances moved above were read by id
        user.sync()  # no transaction changed: no balance is read
        assert len(balance_queries(user.qbo)) == asked
        assert user.qbo.calls("GET", r"/cdc$")[-1].query["entities"][0].startswith("Invoice,")


def balance_queries(qbo: QboSandbox) -> list[str]:
    """The queries that read Balance by id."""
    texts = [c.query.get("query", [""])[0] for c in qbo.calls("GET", r"/query$")]
    return [t for t in texts if "Balance" in t and " IN " in t]


def test_sortscape_phone_and_company_reach_the_ledgers_in_one_sync(tmp_path: Path) -> None:
    """Reproduction 6: a SortScape edit reaches Xero (phone, company) and QBO at once."""
    with new_user(tmp_path, "xero", "qbo", "sortscape") as user:
        cid = xero_add(user.xero, Name="Bluewater Cafe", EmailAddress="hello@bluewater.example")
        vendor = qbo_add(user.qbo, "Vendor", "Bluewater Cafe",
                         PrimaryEmailAddr={"Address": "hello@bluewater.example"})
        customer = qbo_add(user.qbo, "Customer", "*Bluewater Cafe",
                           PrimaryEmailAddr={"Address": "hello@bluewater.example"})
        user.sync()  # imported from the ledgers, then created in SortScape
        book = user.book()
        (pid,) = [p.id for p in book.profiles.values() if p.name == "Bluewater Cafe"]
        ss_id = user.remote_id(pid, "sortscape")
        assert ss_id
        user.sortscape.edit_contact(ss_id, phone="+61 2 9555 3391",
                                    company_name="Bluewater Hospitality")
        user.sync()
        assert xero_phone(user.xero.contacts[cid]) == "+61 2 9555 3391"
        # Xero has no company field: its contact Name is the organisation
        assert user.xero.contacts[cid]["Name"] == "Bluewater Hospitality"
        assert user.profile(pid).name == "Bluewater Cafe"  # the book and SortScape keep theirs
        assert user.sortscape.store.contacts[ss_id]["name"] == "Bluewater Cafe"
        said = [o for o in user.outcomes() if o["action"] == "company-name"]
        assert said and "is renamed to it" in said[0]["reason"]
        for entity, rid in (("Vendor", vendor), ("Customer", customer)):
            record = user.qbo.record(entity, rid)
            assert record is not None
            assert record["PrimaryPhone"]["FreeFormNumber"] == "+61 2 9555 3391", entity
            assert record["CompanyName"] == "Bluewater Hospitality", entity
        assert user.profile(pid).fields.company == "Bluewater Hospitality"


def test_archived_link_clash_holder_case_duplicates_and_materials(tmp_path: Path) -> None:
    """Reproduction 7: the smaller items."""
    with new_user(tmp_path, "xero", "sortscape") as user:
        held = xero_add(user.xero, Name="Ann Lee", EmailAddress="ann@one.example")
        gone = xero_add(user.xero, Name="Ola Berg", EmailAddress="ola@berg.example")
        with user.xero.server.lock:
            user.xero.org.save_items([{"Code": "MULCH", "Name": "Mulch",
                                       "SalesDetails": {"UnitPrice": 12}}], "create")
        user.import_profiles(
            {"id": "P001", "kind": "contact", "name": "Ann Lee", "email": "ann@one.example"},
            {"id": "P002", "kind": "agent", "name": "Ann Lee", "email": "ann@two.example"},
            {"id": "P003", "kind": "agent", "name": "Sam Roe", "email": "sam@roe.example"},
            {"id": "P004", "kind": "agent", "name": "Samuel Roe", "email": "SAM@Roe.example"},
            {"id": "P005", "kind": "contact", "name": "Ola Berg", "email": "ola@berg.example"},
        )
        summary = user.sync()
        assert summary["connectors"]["sortscape"]["materials_created"] == 1
        assert user.remote_id("P001", "xero") == held
        same = [w for w in user.warnings() if w["kind"] == "duplicate" and w["profile_id"] == "P004"]
        assert same and "P003" in same[0]["message"]  # held, not a second Sam Roe
        review = next(r for r in json.loads(user.cli("review", "--json"))
                      if r["profile_id"] == "P002")  # same name as P001's contact: held first
        user.cli("review", "create", review["id"])  # "a different person: create it anyway"
        user.sync()
        clash = [w for w in user.warnings() if w["kind"] == "name-clash"]
        assert len(clash) == 1 and clash[0]["profile_id"] == "P002"
        assert "'Ann Lee'" in clash[0]["message"] and "linked to P001 Ann Lee" in clash[0]["message"]
        sams = [c for c in user.xero.contacts.values()
                if c["EmailAddress"].lower() == "sam@roe.example"]
        assert len(sams) <= 1
        assert not user.xero.edit_contact(gone, ContactStatus="ARCHIVED")
        user.sync()
        archived = [w for w in user.warnings() if w["kind"] == "archived"]
        assert [w["profile_id"] for w in archived] == ["P005"]
        assert "Ola Berg" in archived[0]["message"]


def test_a_xero_contact_named_by_its_company_round_trips(tmp_path: Path) -> None:
    """Once Xero's Name is the company, a Xero rename is a company change; nothing else moves."""
    with new_user(tmp_path, "xero", "sortscape") as user:
        cid = xero_add(user.xero, Name="Tom Baker", EmailAddress="tom@baker.example")
        kept = xero_add(user.xero, Name="Ruth Lane", EmailAddress="ruth@lane.example")
        user.sync()
        book = user.book()
        (pid,) = [p.id for p in book.profiles.values() if p.name == "Tom Baker"]
        ss_id = user.remote_id(pid, "sortscape")
        user.sortscape.edit_contact(ss_id, company_name="Baker Gardens")
        user.sync()
        assert user.xero.contacts[cid]["Name"] == "Baker Gardens"
        user.xero.edit_contact(cid, Name="Baker Gardens Pty Ltd")
        user.sync()
        profile = user.profile(pid)
        assert (profile.name, profile.fields.company) == ("Tom Baker", "Baker Gardens Pty Ltd")
        assert user.sortscape.store.contacts[ss_id]["company_name"] == "Baker Gardens Pty Ltd"
        assert user.xero.contacts[kept]["Name"] == "Ruth Lane"  # no company change: no rename
        user.sortscape.edit_contact(ss_id, company_name="")
        user.sync()
        assert user.xero.contacts[cid]["Name"] == "Tom Baker"  # cleared: the person's name again
        assert user.profile(pid).fields.company == ""

