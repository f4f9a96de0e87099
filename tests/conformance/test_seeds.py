# ruff: noqa: RUF002
# (the seeds are quoted verbatim, typographic quotes and dashes included)
"""Seed conformance: one scenario per concrete rule of the five help-centre articles.

Each test's docstring names the seed file and quotes the sentence it checks, verbatim.  Every
scenario starts from empty sandboxes and a new book, states the remote records and profiles it
needs, and acts only through ``python -m loftterm`` (reading back the sandboxes' stores and the
book file).  Names and emails are distinct per scenario, so a record that must be created or
imported has no plausible counterpart on the other side.

Seeds: 000 "Loft Profile Syncing with Xero Contacts", 001 "Agent and Organization Syncing Rule"
(Xero), 002 "Xero Contact Mapping", 003 "QuickBooks Online Contact Mapping", 004 SortScape's
"Xero integration".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from tests.conformance.conftest import (
    Loft,
    other_xero_tenant,
    qbo_pair,
    xero_balance,
    xero_contact,
    xero_delete,
    xero_item,
)


def ss_contacts(box: SortScapeSandbox, name: str) -> list[dict[str, Any]]:
    """SortScape contacts with this exact name."""
    return [c for c in box.contacts() if c["name"] == name]


def xero_named(box: XeroSandbox, name: str) -> list[dict[str, Any]]:
    """Xero contacts with this exact name."""
    return [c for c in box.contacts.values() if c["Name"] == name]


# ============================================================================================
# Seed 000 / 002: the Xero sync pipeline
# ============================================================================================


def test_contact_not_in_xero_is_created_and_linked(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "When the Contact does not exist in Xero the Contact
    is automatically created in Xero and then an internal connection is made between the Loft
    Profile and the Xero Contact."

    seed 002 (002_58409c2e3bae33b6.txt): "If the contact doesn't exist in Xero, Loft will create
    the contact in Xero and automatically link that Xero contact to the "Linked Xero Contact"
    field in the Loft Contact."
    """
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Quillon Ardberg",
                   "email": "quillon.ardberg@example.org"})
    counts = xero_loft.sync()["xero"]
    [created] = xero_named(xero, "Quillon Ardberg")
    assert created["EmailAddress"] == "quillon.ardberg@example.org"
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["method"], row["remote_id"]) == (
        "linked", "created", created["ContactID"])
    assert counts["created_remote"] == 1
    assert xero_loft.sync()["xero"]["created_remote"] == 0  # linked: never created twice
    assert len(xero_named(xero, "Quillon Ardberg")) == 1


def test_pull_imports_new_and_updates_existing_contacts(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "Pull every contact from Xero, updating existing
    contacts and creating new ones."
    """
    cid = xero_contact(xero, "Wrenfield Joinery", email="office@wrenfieldjoinery.example",
                       supplier=True)
    assert xero_loft.sync()["xero"]["created_local"] == 1
    [pid] = xero_loft.profiles_named("Wrenfield Joinery")
    assert xero_loft.link(pid, "xero")["remote_id"] == cid
    assert xero.edit_contact(cid, Name="Wrenfield Joinery & Stairs",
                             EmailAddress="accounts@wrenfieldjoinery.example") == []
    xero_loft.sync()
    profile = xero_loft.book().profiles[pid]
    assert (profile.name, profile.email) == ("Wrenfield Joinery & Stairs",
                                             "accounts@wrenfieldjoinery.example")


def test_pull_brings_in_the_ar_and_ap_balance(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "When this happens the agents AP and AR balance in
    Loft is also synchronized."

    seed 002 (002_58409c2e3bae33b6.txt): "Pull every contact from Xero, updating existing
    contacts, creating new contacts, and pulling in any A/P and A/R balance in Xero."
    """
    xero_contact(xero, "Saffi Lindqvist", email="saffi@lindqvist.example", customer=True,
                 supplier=True, ar="310.25", ap="1200.00")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Saffi Lindqvist",
                   "email": "saffi@lindqvist.example"})
    xero_loft.sync()
    shown = xero_loft.balance("A1", "xero")
    assert (shown["ar"], shown["ap"], shown["currency"]) == ("310.25", "1200.00", "AUD")


PUSHED_KINDS = [  # (kind, name, pushed)
    ("agent", "Zephyrine Okonkwo", True),
    ("organization", "Brambleton Realty Group", True),
    ("contact", "Ulrich Manderley", False),
    ("customer", "Fitzwilliam Tearooms", False),
    ("supplier", "Coldharbour Sign Writers", False),
]


def test_only_payable_agents_and_organizations_are_pushed(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "Push new payable agents to Xero.  Push new payable
    organizations to xero."
    """
    xero_loft.add(*({"id": f"P{n}", "kind": kind, "name": name,
                     "email": f"{kind}@{name.split()[1].lower()}.example"}
                    for n, (kind, name, _pushed) in enumerate(PUSHED_KINDS)))
    xero_loft.sync()
    links = xero_loft.links("xero")
    for n, (kind, name, pushed) in enumerate(PUSHED_KINDS):
        assert len(xero_named(xero, name)) == int(pushed), kind
        assert links[(f"P{n}", "contact")]["state"] == ("linked" if pushed else "blank"), kind


def test_posting_for_a_profile_without_a_contact_creates_it_once(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "When any transaction is posted we will look at
    profiles and the contact associated with a transaction and look for an existing Xero
    Contact."

    seed 004 (004_8c55e339fc5a69f4.txt): "When Creating an Invoice: Automatically, when you
    generate a Xero invoice for a contact within SortScape."

    A customer is never pushed by a sync; its first invoice creates its contact, once.
    """
    xero_loft.add({"id": "C1", "kind": "customer", "name": "Ottavia Brightwater",
                   "email": "ottavia@brightwater.example"})
    documents = [{"deal": deal, "date": "2025-05-03", "kind": "invoice", "profile": "C1",
                  "lines": [{"description": "Lawn care", "amount": 120, "account": "200"}]}
                 for deal in ("D-31", "D-32")]
    batch = xero_loft.write_batch("customer-invoices", documents)
    first = xero_loft.json("batch", str(batch))
    [contact] = xero_named(xero, "Ottavia Brightwater")
    assert [d["status"] for d in first["documents"]] == ["posted", "posted"]
    assert {d["contact_id"] for d in first["documents"]} == {contact["ContactID"]}
    assert xero_loft.link("C1", "xero")["remote_id"] == contact["ContactID"]
    again = xero_loft.json("batch", str(batch))
    assert [d["status"] for d in again["documents"]] == ["exists", "exists"]
    assert len(xero_named(xero, "Ottavia Brightwater")) == 1
    assert len(xero.documents["Invoices"]) == 2


def test_exact_email_links_whatever_the_names(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "When the email is exactly the same we match them
    and create a link tom@example.com = tom@example.com"

    seed 002 (002_58409c2e3bae33b6.txt): "Loft will always match when the email in both apps
    match."
    """
    cid = xero_contact(xero, "Harcourt Vellacott Holdings", email="h.vellacott@example.com")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Bram Vellacott",
                   "email": "h.vellacott@example.com"})
    counts = xero_loft.sync()["xero"]
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["method"], row["remote_id"]) == ("linked", "email", cid)
    assert counts["created_remote"] == 0 and len(xero.contacts) == 1


def test_containment_rule_links_at_sixty_percent_of_the_length(
    tmp_path: Any, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "When the name is contained in the other and matches
    60% of the length we match them and create a link"

    (Xero's default rule is ``jaccard``; this is the article's rule, ``name_rule: containment``.)
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(),
                                    "match": {"name_rule": "containment"}}})
    inside = xero_contact(xero, "Bexley Quorn Pty Ltd")  # 12 of 20 characters: exactly 60%
    short = xero_contact(xero, "Marguerite Oyelaran Property Group")  # 19 of 34: 56%
    loft.add({"id": "C1", "kind": "contact", "name": "Bexley Quorn"},
             {"id": "C2", "kind": "contact", "name": "Marguerite Oyelaran"})
    loft.sync()
    links = loft.links("xero")
    assert (links[("C1", "contact")]["remote_id"], links[("C1", "contact")]["method"]) == (
        inside, "name")
    assert links[("C2", "contact")]["remote_id"] != short


def test_local_changes_are_pushed_to_the_linked_xero_contact(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "Loft then looks for any changes in Loft that are
    different between Xero contacts and Loft contacts (name, email, addresses) and pushes those
    changes to Xero as an update to the contact record."
    """
    cid = xero_contact(xero, "Isolde Farquharson", email="isolde.f@example.net")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Isolde Farquharson",
                   "email": "isolde.f@example.net"})
    xero_loft.sync()
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Isolde Farquharson-Reid",
                   "email": "isolde.fr@example.net",
                   "billing": {"line1": "PO Box 4410", "city": "Hobart", "region": "TAS",
                               "postal_code": "7001", "country": "Australia"}})
    assert xero_loft.sync()["xero"]["updated_remote"] == 1
    contact = xero.contacts[cid]
    assert contact["Name"] == "Isolde Farquharson-Reid"
    assert contact["EmailAddress"] == "isolde.fr@example.net"
    [pobox] = [a for a in contact["Addresses"] if a["AddressType"] == "POBOX"]
    assert (pobox["AddressLine1"], pobox["City"]) == ("PO Box 4410", "Hobart")


# ============================================================================================
# Seeds 000 / 001 / 002: agents and contacts paid to an organization
# ============================================================================================


def test_documents_of_an_agent_paid_to_an_organization_go_to_the_organization(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "If an Agent is paid to an Organization Loft will
    post all bills and credit notes to the Organization name. The invoicing in Xero will also be
    in the Organization's name as in order to allocate credit notes, the billing or invoices
    name needs to match the name posted from Loft."

    seed 001 (001_013d4e1a8805ba60.txt): "If a Contact/Agent is set to be paid to a
    Company/Organization, Loft will post all bills and credit notes to the Organization name."
    """
    org_id = xero_contact(xero, "Kestrel Bay Realty", email="accounts@kestrelbay.example")
    agent_own = xero_contact(xero, "Odalys Kerrigan", email="odalys@kestrelbay.example")
    xero_loft.add({"id": "O1", "kind": "organization", "name": "Kestrel Bay Realty",
                   "email": "accounts@kestrelbay.example"},
                  {"id": "A1", "kind": "agent", "name": "Odalys Kerrigan",
                   "email": "odalys@kestrelbay.example", "payable_to": "O1"})
    batch = xero_loft.write_batch("settlements", [
        {"deal": "D-77", "date": "2025-05-01", "kind": kind, "profile": "A1",
         "lines": [{"description": f"{kind} 4 Gull Lane", "amount": 880, "account": "310"}]}
        for kind in ("bill", "credit_note", "invoice")])
    result = xero_loft.json("batch", str(batch))
    assert [d["status"] for d in result["documents"]] == ["posted"] * 3, result["documents"]
    for document in result["documents"]:
        assert document["payee_id"] == "O1"
        collection = "CreditNotes" if document["kind"] == "credit_note" else "Invoices"
        stored = xero.documents[collection][document["remote_id"]]
        assert stored["Contact"]["ContactID"] == org_id != agent_own, document["kind"]


@pytest.mark.parametrize("kind", ["agent", "contact"])
def test_paid_to_organization_keeps_its_own_link_blank_and_the_organization_linked(
    xero_loft: Loft, xero: XeroSandbox, kind: str
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "The agent/contact Linked Xero Contact field MUST be
    blank"

    seed 002 (002_58409c2e3bae33b6.txt): "Any contacts payable to a Company/Organization, the
    'Linked Xero Contact' field must be linked to its respective Xero Company/Org contact and the
    Profile Contact's 'Linked Xero Contact field must be blank."

    Xero holds both the organization and the agent's own contact (same email as the profile).
    """
    org_id = xero_contact(xero, "Tidewater Property Co", email="office@tidewater.example")
    own_id = xero_contact(xero, "Perpetua Vasquez-Lund", email="perpetua@tidewater.example")
    xero_loft.add({"id": "O1", "kind": "organization", "name": "Tidewater Property Co",
                   "email": "office@tidewater.example"},
                  {"id": "A1", "kind": kind, "name": "Perpetua Vasquez-Lund",
                   "email": "perpetua@tidewater.example", "payable_to": "O1"})
    xero_loft.sync()
    links = xero_loft.links("xero")
    assert links[("O1", "contact")]["remote_id"] == org_id
    agent = links[("A1", "contact")]
    assert (agent["state"], agent["remote_id"]) == ("blank", "")
    # the agent's own contact is neither linked to it nor imported as somebody new
    assert not any(row["remote_id"] == own_id for row in links.values())


def test_own_link_of_an_agent_paid_to_an_organization_is_refused_flagged_and_fixed(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "The agent/contact Linked Xero Contact field MUST be
    blank"

    A manual link to the agent's own contact is refused; an agent linked before it became paid
    to the organization shows ``misplaced``, and the one-key fix clears its field.
    """
    xero_contact(xero, "Larkspur Lane Estates", email="hello@larkspurlane.example")
    own_id = xero_contact(xero, "Casimir Oduya", email="casimir@larkspurlane.example")
    organization = {"id": "O1", "kind": "organization", "name": "Larkspur Lane Estates",
                    "email": "hello@larkspurlane.example"}
    agent = {"id": "A1", "kind": "agent", "name": "Casimir Oduya",
             "email": "casimir@larkspurlane.example"}
    xero_loft.add(organization, agent)
    xero_loft.sync()
    assert xero_loft.link("A1", "xero")["remote_id"] == own_id  # paid to itself: its own contact
    xero_loft.add({**agent, "payable_to": "O1"})
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["remote_id"]) == ("misplaced", own_id)
    xero_loft.json("fix-misplaced", "A1", "--connector", "xero")
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["remote_id"]) == ("blank", "")
    code, _out, err = xero_loft.run("link", "A1", "--connector", "xero", "--remote", own_id)
    assert code == 2 and "must stay blank" in err
    xero_loft.sync()
    assert xero_loft.link("A1", "xero")["remote_id"] == ""  # matching never refills it


def test_archived_agent_contact_leaves_the_agent_blank_and_the_organization_linked(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "Please note that if you archive the Agent in Xero
    the Agent profile will not have a Linked Xero contact so it's ok that this field is empty.
    The Organization should show the Linked Xero contact as the Organization in Xero."
    """
    org_id = archived_agent_story(xero_loft, xero)
    links = xero_loft.links("xero")
    agent, org = links[("A1", "contact")], links[("O1", "contact")]
    assert (agent["state"], agent["remote_id"]) == ("blank", "")
    assert (org["state"], org["remote_id"]) == ("linked", org_id)


def test_archived_agent_contact_of_an_agent_paid_to_an_organization_raises_no_warning(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "Please note that if you archive the Agent in Xero
    the Agent profile will not have a Linked Xero contact so it's ok that this field is empty."
    """
    archived_agent_story(xero_loft, xero)
    assert [w["kind"] for w in xero_loft.json("warnings") if w["profile_id"] == "A1"] == []


def archived_agent_story(loft: Loft, xero: XeroSandbox) -> str:
    """An agent paid to its organization whose own Xero contact is archived; synced once."""
    org_id = xero_contact(xero, "Marrowby Realty", email="team@marrowby.example")
    xero_contact(xero, "Ines Kowalczyk", email="ines@marrowby.example", status="ARCHIVED")
    loft.add({"id": "O1", "kind": "organization", "name": "Marrowby Realty",
              "email": "team@marrowby.example"},
             {"id": "A1", "kind": "agent", "name": "Ines Kowalczyk",
              "email": "ines@marrowby.example", "payable_to": "O1"})
    loft.sync()
    return org_id


def test_agent_without_a_contact_shows_the_organization_created_in_xero(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "In Summary; if an Agent is paid to an Organization
    and you do not have an Agent contact in Xero you will see the Linked contact to the
    Organization name in Xero."

    seed 002 (002_58409c2e3bae33b6.txt): "Push newly paid agents and their Org contact if the
    payable name field is set to be payable to the org in Loft."
    """
    xero_loft.add({"id": "O1", "kind": "organization", "name": "Quarrystone Agency",
                   "email": "admin@quarrystone.example"},
                  {"id": "A1", "kind": "agent", "name": "Tobiah Wendelken",
                   "email": "tobiah@quarrystone.example", "payable_to": "O1"})
    xero_loft.sync()
    [org] = xero_named(xero, "Quarrystone Agency")
    assert not xero_named(xero, "Tobiah Wendelken")  # the agent itself is never created
    assert xero_loft.link("O1", "xero")["remote_id"] == org["ContactID"]
    assert xero_loft.link("A1", "xero")["state"] == "blank"


def test_agent_and_organization_each_maintained_in_xero_link_to_their_own(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "If you are maintaining both Agent and an
    Organization profiles in Xero you will see the Agent linked to the Agent and the
    Organization linked to the Organization."

    Read with the blank-field rule: an agent paid to itself (no ``payable_to``).
    """
    org_id = xero_contact(xero, "Hollowmere Estates", email="desk@hollowmere.example")
    agent_id = xero_contact(xero, "Rosalind Achterberg", email="rosalind@hollowmere.example")
    xero_loft.add({"id": "O1", "kind": "organization", "name": "Hollowmere Estates",
                   "email": "desk@hollowmere.example"},
                  {"id": "A1", "kind": "agent", "name": "Rosalind Achterberg",
                   "email": "rosalind@hollowmere.example"})
    xero_loft.sync()
    assert xero_loft.link("A1", "xero")["remote_id"] == agent_id
    assert xero_loft.link("O1", "xero")["remote_id"] == org_id


def test_organization_first_balance_rule(tmp_path: Any, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "If the Agent is paid to the Organization Loft will
    sync the AR balance of the Organization in Xero to the Agents profile in Loft. Unless the
    Organization profile has No ($0) AR Balance,  in that case Loft will pull in any balance that
    the Agent has in Accounts Receivable."

    (The rule of seeds 000/003: ``balance_rule: organization_first``.)  Two organizations: one
    with AR (the agent shows it), one with none (the agent shows its own contact's AR).
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(),
                                    "balance_rule": "organization_first"}})
    table = [("Sandpiper Realty", "500.00", "Benedikt Oyelowo", "75.00", "500.00"),
             ("Wirrawee Homes", "0", "Noor Halvorsen", "64.20", "64.20")]
    profiles: list[dict[str, Any]] = []
    for n, (org, org_ar, agent, agent_ar, _shown) in enumerate(table, start=1):
        domain = org.split()[0].lower() + ".example"
        xero_contact(xero, org, email=f"ar@{domain}", customer=True, ar=org_ar)
        xero_contact(xero, agent, email=f"agent@{domain}", customer=True, ar=agent_ar)
        profiles += [{"id": f"O{n}", "kind": "organization", "name": org, "email": f"ar@{domain}"},
                     {"id": f"A{n}", "kind": "agent", "name": agent, "email": f"agent@{domain}",
                      "payable_to": f"O{n}"}]
    loft.add(*profiles)
    loft.sync()
    for n, row in enumerate(table, start=1):
        assert Decimal(loft.balance(f"A{n}", "xero")["ar"]) == Decimal(row[4]), row


def test_principal_rule_syncs_the_balance_to_both_contacts(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 001 (001_013d4e1a8805ba60.txt) and seed 002 (002_58409c2e3bae33b6.txt): "The agent
    contact is always the Principal contact that all financials are associated with, regardless
    if that contact is set to be paid to the Organization. All AR/AP balance in Xero will sync to
    the Agent contact in Loft. If the agent is paid to the Organization, the AR/AP balance in
    Xero will sync to both contacts."

    (Xero's default ``balance_rule: principal``.)
    """
    xero_contact(xero, "Fennimore Realty Partners", email="money@fennimore.example",
                 customer=True, supplier=True, ar="1250.00", ap="300.00")
    xero_loft.add({"id": "O1", "kind": "organization", "name": "Fennimore Realty Partners",
                   "email": "money@fennimore.example"},
                  {"id": "A1", "kind": "agent", "name": "Ludmila Sørensen",
                   "email": "ludmila@fennimore.example", "payable_to": "O1"},
                  {"id": "A2", "kind": "agent", "name": "Gwendolyn Abara",
                   "email": "gwendolyn.abara@example.net"})
    xero_contact(xero, "Gwendolyn Abara", email="gwendolyn.abara@example.net", supplier=True,
                 ap="42.00")
    xero_loft.sync()
    for pid in ("O1", "A1"):
        shown = xero_loft.balance(pid, "xero")
        assert (shown["ar"], shown["ap"]) == ("1250.00", "300.00"), pid
    assert xero_loft.balance("A1", "xero")["via"] == "Fennimore Realty Partners"
    assert xero_loft.balance("A2", "xero")["ap"] == "42.00"  # not paid to an org: its own


# ============================================================================================
# Seeds 000 / 001 / 002: disable sync
# ============================================================================================


def test_disabled_profile_is_not_matched(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt) and seed 002 (002_58409c2e3bae33b6.txt): "When you
    choose to disable the Xero Sync in the profile in Loft it will no longer try to match any of
    the above criteria."
    """
    xero_contact(xero, "Cordelia Nwachukwu", email="cordelia.n@example.com")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Cordelia Nwachukwu",
                   "email": "cordelia.n@example.com"})
    xero_loft.json("disable-sync", "A1", "--connector", "xero")
    xero_loft.sync()
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["remote_id"]) == ("disabled", "")
    assert len(xero_named(xero, "Cordelia Nwachukwu")) == 1  # not pushed either


def test_disabled_linked_profile_keeps_updating_balances(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 001 (001_013d4e1a8805ba60.txt): "If it is currently ‘Linked’ to a Xero contact AP and
    AR balances will continue to update."
    """
    cid = xero_contact(xero, "Evander Thistlewood", email="evander@example.org", customer=True,
                       supplier=True, ar="10.00", ap="20.00")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Evander Thistlewood",
                   "email": "evander@example.org"})
    xero_loft.sync()
    xero_loft.json("disable-sync", "A1", "--connector", "xero")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Evander Thistlewood-Kaye",
                   "email": "evander@example.org"})
    xero_balance(xero, cid, ar="90.00", ap="5.00")
    xero_loft.sync("--full")
    row = xero_loft.link("A1", "xero")
    assert (row["state"], row["remote_id"]) == ("disabled", cid)
    shown = xero_loft.balance("A1", "xero")
    assert (shown["ar"], shown["ap"]) == ("100.00", "25.00")
    assert xero.contacts[cid]["Name"] == "Evander Thistlewood"  # no pushing while disabled


# ============================================================================================
# Seeds 001 / 002: the Linked Xero Contact field and its states
# ============================================================================================


def test_blank_field_is_relinked_by_search_and_select(tmp_path: Any, xero: XeroSandbox) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "The field will have no contact present.
    Search and select the contact from the dropdown to relink the contact."

    (``import: none``: the unmatched Xero contact stays unlinked, as in the article.)
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(), "import": "none"}})
    cid = xero_contact(xero, "Aurelio Fontaine Design Studio", email="studio@fontaine.example")
    loft.add({"id": "C1", "kind": "contact", "name": "Aurelio Fontaine",
              "email": "aurelio@personal.example"})
    loft.sync()
    assert loft.link("C1", "xero")["state"] == "blank"
    found = loft.json("search", "--connector", "xero", "aurelio fontaine")
    assert found and found[0]["remote_id"] == cid
    loft.json("link", "C1", "--connector", "xero", "--remote", cid)
    row = loft.link("C1", "xero")
    assert (row["state"], row["method"], row["remote_id"]) == ("linked", "manual", cid)


def test_missing_contact_is_unlinked_to_blank_then_relinked(tmp_path: Any, xero: XeroSandbox) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "If Missing, click the 'Unlink' button
    This will clear the stuck field and make it blank
    Search and select the contact from the dropdown to relink the contact."
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(), "import": "none"}})
    gone = xero_contact(xero, "Philippa Anstruther", email="philippa.a@example.com")
    loft.add({"id": "C1", "kind": "contact", "name": "Philippa Anstruther",
              "email": "philippa.a@example.com"})
    loft.sync()
    assert loft.link("C1", "xero")["remote_id"] == gone
    xero_delete(xero, gone)  # the record disappears from Xero
    again = xero_contact(xero, "Philippa Anstruther-Bell", email="pab@anstruther.example")
    loft.sync("--full")
    assert loft.link("C1", "xero")["state"] == "missing"
    unlinked = loft.json("unlink", "C1", "--connector", "xero")
    assert (unlinked["state"], unlinked["remote_id"]) == ("blank", "")
    [best, *_] = loft.json("search", "--connector", "xero", "philippa anstruther")
    assert best["remote_id"] == again
    loft.json("link", "C1", "--connector", "xero", "--remote", again)
    assert loft.link("C1", "xero")["state"] == "linked"


def test_unlink_makes_a_missing_field_blank_when_another_contact_has_its_email(
    tmp_path: Any, xero: XeroSandbox
) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "If Missing, click the 'Unlink' button
    This will clear the stuck field and make it blank"

    The contact was recreated in Xero with the same email before the stuck field is unlinked.
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(), "import": "none"}})
    gone = xero_contact(xero, "Cosima Featherstone", email="cosima@featherstone.example")
    loft.add({"id": "C1", "kind": "contact", "name": "Cosima Featherstone",
              "email": "cosima@featherstone.example"})
    loft.sync()
    xero_delete(xero, gone)
    xero_contact(xero, "Cosima Featherstone-Vane", email="cosima@featherstone.example")
    loft.sync("--full")
    assert loft.link("C1", "xero")["state"] == "missing"
    loft.json("unlink", "C1", "--connector", "xero")
    row = loft.link("C1", "xero")
    assert (row["state"], row["remote_id"]) == ("blank", "")


def test_contact_made_in_xero_is_searchable_only_after_a_sync(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "Navigate to the Xero/Activity page and perform the
    sync, once it fully runs, please head back to the contact to see if has either auto
    populated in the field or is searchable."
    """
    xero_loft.add({"id": "C1", "kind": "contact", "name": "Thaddeus Grimsby-Owusu"})
    xero_loft.sync()
    cid = xero_contact(xero, "Thaddeus Grimsby-Owusu")
    before = xero_loft.json("search", "--connector", "xero", "thaddeus grimsby")
    assert all(c["remote_id"] != cid for c in before)  # the search reads the last pull
    xero_loft.sync()
    after = xero_loft.json("search", "--connector", "xero", "thaddeus grimsby")
    assert any(c["remote_id"] == cid for c in after)
    assert xero_loft.link("C1", "xero")["remote_id"] == cid  # and populated by the name rule


def test_linked_contact_archived_in_xero_shows_archived(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "If you have more than one contact displaying in the
    searchable dropdown, this is a good indication that either the Xero contact has been changed
    or archived in Xero."

    The linked contact is archived in Xero and a new one made: the field says ``archived`` and
    the search offers both.
    """
    old = xero_contact(xero, "Wilhelmina Oakes", email="wil.oakes@example.org")
    xero_loft.add({"id": "C1", "kind": "contact", "name": "Wilhelmina Oakes",
                   "email": "wil.oakes@example.org"})
    xero_loft.sync()
    assert xero.edit_contact(old, ContactStatus="ARCHIVED") == []
    new = xero_contact(xero, "Wilhelmina Oakes", email="wil.oakes@example.org")
    xero_loft.sync()
    row = xero_loft.link("C1", "xero")
    assert (row["state"], row["remote_id"], row["remote_status"]) == ("archived", old, "archived")
    found = {c["remote_id"]: c["status"]
             for c in xero_loft.json("search", "--connector", "xero", "wilhelmina oakes")}
    assert found == {old: "archived", new: "active"}


def test_two_contacts_with_the_email_are_a_duplicate_until_merged_in_xero(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "Any duplicate contact present in the Archived tab
    that has an email associated with it, you will need to restore the contact, remove the
    email, and merge the duplicates on the Xero side. Please note, any change requires a 'Sync
    Xero' operation on the Loft side."
    """
    first = xero_contact(xero, "Leopold Ashdown", email="leopold@ashdown.example")
    second = xero_contact(xero, "Leopold Ashdown.", email="leopold@ashdown.example")
    xero_loft.add({"id": "C1", "kind": "contact", "name": "Leopold Ashdown",
                   "email": "leopold@ashdown.example"})
    xero_loft.sync()
    row = xero_loft.link("C1", "xero")
    assert row["state"] == "duplicate" and set(row["candidates"]) == {first, second}
    found = {c["remote_id"] for c in xero_loft.json("search", "--connector", "xero",
                                                     "leopold@ashdown.example")}
    assert {first, second} <= found  # more than one contact in the dropdown
    xero.merge_contacts(second, first)
    xero_loft.sync()
    row = xero_loft.link("C1", "xero")
    assert (row["state"], row["remote_id"]) == ("linked", first)


# ============================================================================================
# Seed 002: the contact matching algorithm
# ============================================================================================


NAME_PAIRS = [
    ("Tamsin Ebbworth", "Tamsin Ebworth", True),  # 79%
    ("Ottoline Quaye", "Ottoline Quaye Pty Ltd", True),  # exactly 60%: inclusive
    ("Bexley Quorn", "Bexley Quornby Realty", False),  # 53%
]


def test_trigram_name_score_links_at_sixty_percent(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "If the emails do not match across both apps, then
    Loft will attempt to match and compares sequences/groups of three characters. Two records
    match when 60% or more of these sequences align."
    """
    remote_ids = [xero_contact(xero, remote) for _local, remote, _links in NAME_PAIRS]
    xero_loft.add(*({"id": f"C{n}", "kind": "contact", "name": local}
                    for n, (local, _remote, _links) in enumerate(NAME_PAIRS)))
    xero_loft.sync()
    links = xero_loft.links("xero")
    for n, (local, _remote, linked) in enumerate(NAME_PAIRS):
        row = links[(f"C{n}", "contact")]
        assert (row["remote_id"] == remote_ids[n]) is linked, local
        if linked:
            assert row["method"] == "name" and row["score"] >= 0.6, local


def test_names_are_trimmed_and_lower_cased_before_scoring(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "The input strings are preprocessed to remove any
    leading or trailing spaces, and are converted to lowercase for case-insensitive comparison."
    """
    cid = xero_contact(xero, "ANSELM DRUMMOND-KAY")
    xero_loft.add({"id": "C1", "kind": "contact", "name": "  anselm drummond-kay  "})
    xero_loft.sync()
    row = xero_loft.link("C1", "xero")
    assert (row["remote_id"], row["method"], row["score"]) == (cid, "name", 1.0)


@pytest.mark.parametrize("rule", [
    "overlap",
    pytest.param("jaccard", marks=pytest.mark.xfail(
        strict=True, reason="default jaccard scores the worked example 3/7 = 43% (README)")),
])
def test_worked_example_example_and_samples_score_sixty_percent(
    tmp_path: Any, xero: XeroSandbox, rule: str
) -> None:
    """seed 002 (002_58409c2e3bae33b6.txt): "The similarity score between "example" and
    "samples" is 60% using the trigram similarity algorithm."
    """
    loft = Loft(tmp_path, {"xero": {**xero.connector_settings(), "match": {"name_rule": rule}}})
    cid = xero_contact(xero, "samples")
    loft.add({"id": "C1", "kind": "contact", "name": "example"})
    loft.sync()
    row = loft.link("C1", "xero")
    assert (row["remote_id"], row["method"]) == (cid, "name")
    assert round(row["score"], 2) == 0.6


# ============================================================================================
# The pending counter and the sync before a batch (seed 000's "Contact syncing counter")
# ============================================================================================


def test_pending_counter_explains_why_a_batch_of_one_touches_more(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "why is the pending number so high when I start a
    batch when I only have 1 or 2 deals I'm batching over?  When you batch your transactions
    over, you may see a number higher than the number of transactions"
    """
    xero_loft.sync()  # the first full pull is done; the counter is exact from here on
    xero_loft.add(*({"id": f"A{n}", "kind": "agent", "name": name, "email": f"a{n}@corvid.example"}
                    for n, name in enumerate(("Ebenezer Corvid", "Marisol Quintanar",
                                              "Ptolemy Haverford"), start=1)))
    batch = xero_loft.write_batch("one-deal", [
        {"deal": "D-1", "date": "2025-05-01", "kind": "bill", "profile": "A1",
         "lines": [{"description": "Commission", "amount": 100, "account": "310"}]}])
    result = xero_loft.json("batch", str(batch), "--dry-run")
    pending = result["pending"]
    assert len(result["documents"]) == 1
    assert pending["to_create_remote"] == 3 and pending["total"] >= 3 > len(result["documents"])
    assert any("Ebenezer Corvid" in reason for reason in pending["reasons"])
    assert not xero_named(xero, "Ebenezer Corvid")  # a dry run writes nothing


def test_batch_pulls_every_contact_before_posting(xero_loft: Loft, xero: XeroSandbox) -> None:
    """seed 000 (000_e7cff38794f4a86e.txt): "During our synchronization and before an entire
    batch of transactions get posted we"  "Pull every contact from Xero, updating existing
    contacts and creating new ones."
    """
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Hieronymus Plaskett",
                   "email": "hieronymus@example.org"})
    xero_loft.sync()
    fresh = xero_contact(xero, "Dulcie Wanamaker", email="dulcie@wanamaker.example",
                         customer=True)
    batch = xero_loft.write_batch("pull-first", [
        {"deal": "D-2", "date": "2025-05-02", "kind": "bill", "profile": "A1",
         "lines": [{"description": "Commission", "amount": 250, "account": "310"}]}])
    result = xero_loft.json("batch", str(batch))
    assert result["documents"][0]["status"] == "posted"
    [pid] = xero_loft.profiles_named("Dulcie Wanamaker")
    assert xero_loft.link(pid, "xero")["remote_id"] == fresh


# ============================================================================================
# Seed 003: QuickBooks Online
# ============================================================================================


def test_qbo_creates_a_vendor_and_a_star_prefixed_customer_per_profile(
    qbo_loft: Loft, qbo: QboSandbox
) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "When the Contact does not exist in QuickBooks
    Online, the contact is automatically created and then an internal connection is made between
    the Loft Profile and the QuickBooks Online Contact."  "Please note all batchable profiles in Loft when
    synced to QuickBooks Online will create 2 instances of a contact, a Vendor contact (this
    contact is what bills will be created with) and a Customer contact (this contact is what
    invoices will be created with)."  "Vendor: Siobhan O'Leary"  "Customer: *Siobhan O'Leary"
    """
    qbo_loft.add({"id": "A1", "kind": "agent", "name": "Siobhan O'Leary",
                  "email": "siobhan.oleary@example.org"})
    qbo_loft.sync()
    [vendor] = qbo.find("Vendor", "Siobhan O'Leary")
    [customer] = qbo.find("Customer", "*Siobhan O'Leary")
    links = qbo_loft.links("qbo")
    assert (links[("A1", "vendor")]["state"], links[("A1", "vendor")]["remote_id"]) == (
        "linked", str(vendor["Id"]))
    assert (links[("A1", "customer")]["state"], links[("A1", "customer")]["remote_id"]) == (
        "linked", str(customer["Id"]))
    assert not qbo.find("Customer", "Siobhan O'Leary")  # never an unprefixed customer


def test_qbo_containment_match_links_vendor_and_customer(qbo_loft: Loft, qbo: QboSandbox) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "After we pull every contact we look for every
    QuickBooks Online contact that is not Linked with a Loft Profile and try to link them based
    on the following best match:"  "When the name is contained in the other and matches 60% of
    the length we match them and create a link"
    """
    vendor, customer = qbo_pair(qbo, "Marguerite Oyelaran Realty")
    qbo_loft.add({"id": "A1", "kind": "agent", "name": "Marguerite Oyelaran"})  # 19/26: 73%
    counts = qbo_loft.sync()["qbo"]
    links = qbo_loft.links("qbo")
    assert links[("A1", "vendor")]["remote_id"] == vendor
    assert links[("A1", "customer")]["remote_id"] == customer  # the '*' is not part of the name
    assert counts["created_remote"] == 0


def test_qbo_pull_imports_new_contacts(qbo_loft: Loft, qbo: QboSandbox) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "During our synchronization and before an entire
    batch of transactions get posted we pull every contact from QuickBooks Online, updating
    existing contacts and creating new ones."
    """
    vendor, customer = qbo_pair(qbo, "Yarrowvale Conveyancing", email="desk@yarrowvale.example")
    assert qbo_loft.sync()["qbo"]["created_local"] == 1
    [pid] = qbo_loft.profiles_named("Yarrowvale Conveyancing")
    links = qbo_loft.links("qbo")
    assert links[(pid, "vendor")]["remote_id"] == vendor
    assert links[(pid, "customer")]["remote_id"] == customer


def test_qbo_local_changes_update_both_records(qbo_loft: Loft, qbo: QboSandbox) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "Loft then looks for any changes in Loft that are
    different between QuickBooks Online contacts and Loft contacts (name, email, addresses) and
    pushes those changes to QuickBooks Online as an update to the contact record."
    """
    qbo_loft.add({"id": "A1", "kind": "agent", "name": "Cressida Mbeki",
                  "email": "cressida@example.org"})
    qbo_loft.sync()
    qbo_loft.add({"id": "A1", "kind": "agent", "name": "Cressida Mbeki",
                  "email": "cressida.mbeki@example.org"})
    qbo_loft.sync()
    links = qbo_loft.links("qbo")
    vendor = qbo.record("Vendor", links[("A1", "vendor")]["remote_id"])
    customer = qbo.record("Customer", links[("A1", "customer")]["remote_id"])
    assert vendor is not None and customer is not None
    assert vendor["PrimaryEmailAddr"]["Address"] == "cressida.mbeki@example.org"
    assert customer["PrimaryEmailAddr"]["Address"] == "cressida.mbeki@example.org"


def test_qbo_organization_first_ar_goes_to_the_agent(tmp_path: Any, qbo: QboSandbox) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "If the Agent is paid to the Organization Loft will
    sync the AR balance of the Organization in QuickBooks Online to the Agents profile in Loft."
    "Please note that if you remove the Agent in QuickBooks Online the Agent profile will not
    have a QuickBooks Online Contacts link so it's ok that this field is empty."

    (The rule of seed 003: ``balance_rule: organization_first``.)
    """
    loft = Loft(tmp_path, {"qbo": {**qbo.connector_settings(),
                                   "balance_rule": "organization_first"}})
    qbo_pair(qbo, "Brackenridge Realty", email="ar@brackenridge.example", customer_balance="640.00")
    loft.add({"id": "O1", "kind": "organization", "name": "Brackenridge Realty",
              "email": "ar@brackenridge.example"},
             {"id": "A1", "kind": "agent", "name": "Idris Vantongeren",
              "email": "idris@brackenridge.example", "payable_to": "O1"})
    loft.sync()
    assert Decimal(loft.balance("A1", "qbo")["ar"]) == Decimal("640.00")
    agent = loft.links("qbo")
    assert agent[("A1", "vendor")]["remote_id"] == agent[("A1", "customer")]["remote_id"] == ""


def test_qbo_ar_comes_back_after_relinking_the_customer(qbo_loft: Loft, qbo: QboSandbox) -> None:
    """seed 003 (003_a4e8f0cea494097f.txt): "If your AR is not coming through, you may have to
    relink your profile across the two apps."
    """
    vendor, customer = qbo_pair(qbo, "Florentyna Achebe", email="florentyna@example.com",
                                customer_balance="215.00")
    qbo_loft.add({"id": "A1", "kind": "agent", "name": "Florentyna Achebe",
                  "email": "florentyna@example.com"})
    qbo_loft.sync()
    assert Decimal(qbo_loft.balance("A1", "qbo")["ar"]) == Decimal("215.00")
    qbo_loft.json("unlink", "A1", "--connector", "qbo", "--role", "customer")
    links = qbo_loft.links("qbo")
    assert links[("A1", "customer")]["state"] == "blank"
    assert links[("A1", "vendor")]["remote_id"] == vendor  # each role has its own field
    qbo_loft.json("link", "A1", "--connector", "qbo", "--role", "customer", "--remote", customer)
    qbo_loft.sync()
    assert qbo_loft.link("A1", "qbo", "customer")["remote_id"] == customer
    assert Decimal(qbo_loft.balance("A1", "qbo")["ar"]) == Decimal("215.00")


# ============================================================================================
# Seed 004: SortScape and a ledger
# ============================================================================================


def test_sortscape_imports_customers_and_neither_contacts_but_not_suppliers(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "We import the following Xero contacts in SortScape:
    Xero customer contacts
    Xero contacts that are neither customers nor suppliers"
    """
    xero_contact(xero, "Gossamer Tea Rooms", email="hi@gossamertea.example", customer=True)
    xero_contact(xero, "Peregrine Whitlock", email="peregrine@whitlock.example")
    xero_contact(xero, "Anvilworks Fabrication", email="sales@anvilworks.example", supplier=True)
    xero_contact(xero, "Mossgate Nursery", email="mossgate@example.net", customer=True,
                 supplier=True)
    xero_contact(xero, "Old Quarry Cafe", email="oq@example.net", customer=True,
                 status="ARCHIVED")
    field_loft.sync()
    names = {c["name"] for c in sortscape.contacts()}
    assert names == {"Gossamer Tea Rooms", "Peregrine Whitlock", "Mossgate Nursery"}


def test_property_from_the_shipping_address_else_the_billing_address(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "If a Xero contact has a shipping address
    specified, a SortScape property will be created using that shipping address (so you can
    schedule visits for that property). If no shipping address is specified for the Xero contact
    then a property will be created using the contact’s billing address."

    (Xero's street address is the shipping address, its postal address the billing one.)
    """
    pobox = ("PO Box 91", "Kiama", "NSW", "2533")
    xero_contact(xero, "Larchmont Bed & Breakfast", email="stay@larchmont.example",
                 customer=True, street=("8 Lantern Walk", "Kiama", "NSW", "2533"), pobox=pobox)
    xero_contact(xero, "Quenby Orchards", email="orders@quenby.example", customer=True,
                 pobox=pobox)
    field_loft.sync()
    [both] = ss_contacts(sortscape, "Larchmont Bed & Breakfast")
    [billing_only] = ss_contacts(sortscape, "Quenby Orchards")
    [prop] = both["properties"]
    assert (prop["source"], prop["address"]["line1"]) == ("shipping", "8 Lantern Walk")
    [prop] = billing_only["properties"]
    assert (prop["source"], prop["address"]["line1"]) == ("billing", "PO Box 91")


def test_sortscape_contacts_are_not_exported_to_xero_unless_asked(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "To prevent data clutter in your Xero account,
    SortScape contacts are NOT automatically exported to Xero."  "Selecting "Create contact in
    Xero.""
    """
    sortscape.add_contact(name="Vivienne Castellanos", email="vivienne@example.org",
                          phone="+61 2 9555 8120")
    field_loft.add({"id": "C1", "kind": "customer", "name": "Amadeus Thornbury",
                    "email": "amadeus@thornbury.example"})
    field_loft.sync()
    field_loft.sync()
    assert not xero_named(xero, "Vivienne Castellanos")
    assert not xero_named(xero, "Amadeus Thornbury")  # a customer profile is not pushed either
    pushed = field_loft.json("push", "C1", "--connector", "xero")
    [contact] = xero_named(xero, "Amadeus Thornbury")
    assert pushed["remote_id"] == contact["ContactID"]
    assert field_loft.link("C1", "xero")["state"] == "linked"


DUPLICATE_KEYS = [  # (key, the Xero customer, the SortScape contact already there)
    ("name", ("Clementine Oyarzabal", "clementine@oyarzabal.example", "9555 3471"),
     {"name": "Clementine Oyarzabal", "email": "c.o@elsewhere.example"}),
    ("phone", ("Rutherford Acheampong", "rutherford@acheampong.example", "9555 7702"),
     {"name": "R. Acheampong", "phone": "+61 2 9555 7702"}),
    ("email", ("Saoirse Delacroix-Hale", "saoirse@delacroix.example", "9555 1186"),
     {"name": "Saoirse D.", "email": "saoirse@delacroix.example"}),
]


def test_same_name_phone_or_email_is_a_review_not_an_import(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "To prevent duplicate records, we first check to see
    if a contact with the same name, phone number or email address already exists before
    importing a Xero contact as a SortScape contact, . If that contact already exists we do not
    import the contact."

    seed 004: "If during the sync process we suspect that a Xero contact already exists as a
    contact, you will see a link called “Link customers to existing contacts”"
    """
    existing = {}
    for key, (name, email, phone), there in DUPLICATE_KEYS:
        existing[key] = sortscape.add_contact(**there)["id"]
        xero_contact(xero, name, email=email, customer=True, phone=phone)
    field_loft.sync()
    assert len(sortscape.contacts()) == len(DUPLICATE_KEYS)  # nothing imported
    reviews = {r["remote_id"]: r for r in field_loft.json("review")}
    assert set(reviews) == set(existing.values())
    for key, remote_id in existing.items():
        assert reviews[remote_id]["reason"].startswith(f"same {key} "), reviews[remote_id]


def test_accepting_a_review_links_and_updates_both_sides(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Clicking “accept values and link” will link the
    contact and contact and update them with the new values."

    The middle column takes SortScape's email (``--take email=right``): both sides end with it.
    """
    existing = sortscape.add_contact(name="Hesper Quennell", email="hesper@quennell-home.example")
    cid = xero_contact(xero, "Hesper Quennell", email="hesper@quennell.example", customer=True)
    field_loft.sync()
    [review] = field_loft.json("review")
    accepted = field_loft.json("review", "accept", review["id"], "--take", "email=right")
    assert accepted["status"] == "accepted"
    [pid] = field_loft.profiles_named("Hesper Quennell")
    assert field_loft.link(pid, "sortscape")["remote_id"] == existing["id"]
    field_loft.sync()  # the chosen values reach the ledger on the next sync at the latest
    assert sortscape.contact(existing["id"])["email"] == "hesper@quennell-home.example"
    assert xero.contacts[cid]["EmailAddress"] == "hesper@quennell-home.example"
    assert len(sortscape.contacts()) == 1


def test_linked_contacts_sync_two_way(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Any changes to the name, email, phone number or
    company name for that contact will update the related Xero contact on the next sync and
    vice-versa."
    """
    cid = xero_contact(xero, "Barnaby Ellingham", email="barnaby@ellingham.example",
                       customer=True)
    field_loft.sync()
    [contact] = ss_contacts(sortscape, "Barnaby Ellingham")
    sortscape.edit_contact(contact["id"], email="b.ellingham@example.net")
    field_loft.sync()
    field_loft.sync()
    assert xero.contacts[cid]["EmailAddress"] == "b.ellingham@example.net"
    assert xero.edit_contact(cid, Name="Barnaby Ellingham-Cho") == []
    field_loft.sync()
    assert sortscape.contact(contact["id"])["name"] == "Barnaby Ellingham-Cho"


def test_sortscape_change_reaches_xero_on_the_next_sync(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Any changes to the name, email, phone number or
    company name for that contact will update the related Xero contact on the next sync and
    vice-versa."
    """
    cid = xero_contact(xero, "Delphine Marchbanks", email="delphine@marchbanks.example",
                       customer=True)
    field_loft.sync()
    [contact] = ss_contacts(sortscape, "Delphine Marchbanks")
    sortscape.edit_contact(contact["id"], email="d.marchbanks@example.net")
    field_loft.sync()
    assert xero.contacts[cid]["EmailAddress"] == "d.marchbanks@example.net"


def test_sortscape_phone_change_reaches_xero(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Any changes to the name, email, phone number or
    company name for that contact will update the related Xero contact on the next sync and
    vice-versa."
    """
    cid = xero_contact(xero, "Ambrose Tillinghast", email="ambrose@tillinghast.example",
                       customer=True, phone="9555 2020")
    field_loft.sync()
    [contact] = ss_contacts(sortscape, "Ambrose Tillinghast")
    sortscape.edit_contact(contact["id"], phone="+61 2 9555 3131")
    field_loft.sync()  # one sync: the ledgers get a push-only follow-up after SortScape
    [phone] = [p for p in xero.contacts[cid]["Phones"] if p["PhoneType"] == "DEFAULT"]
    digits = "".join(ch for ch in "".join(phone.values()) if ch.isdigit())
    assert digits.endswith("95553131"), phone


def test_properties_are_a_one_time_import(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Properties created from Xero contacts do not get
    synced with the source Xero contact going forward – it’s just a one-time import."
    """
    cid = xero_contact(xero, "Fairweather Strata", email="strata@fairweather.example",
                       customer=True, street=("1 Tern Street", "Yamba", "NSW", "2464"))
    field_loft.sync()
    [contact] = ss_contacts(sortscape, "Fairweather Strata")
    assert xero.edit_contact(cid, Addresses=[{"AddressType": "STREET",
                                              "AddressLine1": "77 Heron Road"}]) == []
    field_loft.sync()
    [prop] = sortscape.contact(contact["id"])["properties"]
    assert prop["address"]["line1"] == "1 Tern Street"


def test_inactive_xero_contact_archives_unless_work_is_open(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "If a contact gets marked as inactive in Xero the
    sync will automatically try to archive the linked contact in SortScape including its
    properties. If there are any pending jobs or open issues for any properties associated with
    that contact the sync won’t archive that contact in SortScape until those jobs and issues are
    either resolved or deleted."
    """
    names = {"none": "Hawthorne Body Corporate", "pending job": "Ravensworth Villas",
             "open issue": "Kingfisher Court Strata"}
    ids = {}
    for blocker, name in names.items():
        domain = name.split()[0].lower() + ".example"
        ids[blocker] = xero_contact(xero, name, email=f"bc@{domain}", customer=True,
                                    street=("5 Hawthorne Close", "Orange", "NSW", "2800"))
    field_loft.sync()
    contacts = {blocker: ss_contacts(sortscape, name)[0]["id"] for blocker, name in names.items()}
    sortscape.add_job(contacts["pending job"], "pending")
    sortscape.add_job(contacts["open issue"], "completed", issue_open=True)
    for cid in ids.values():
        assert xero.edit_contact(cid, ContactStatus="ARCHIVED") == []
    field_loft.sync()
    status = {blocker: sortscape.contact(c)["status"] for blocker, c in contacts.items()}
    assert status == {"none": "archived", "pending job": "active", "open issue": "active"}
    deferred = [w for w in field_loft.json("warnings") if w["kind"] == "archive-deferred"]
    assert len(deferred) == 2
    for blocker in ("pending job", "open issue"):
        sortscape.clear_blockers(contacts[blocker])
    field_loft.sync()
    assert {sortscape.contact(c)["status"] for c in contacts.values()} == {"archived"}


def test_archiving_in_sortscape_does_not_touch_xero(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "If SortScape imports a contact that you don’t want
    imported, you can archive the contact in SortScape and it won’t affect the contact in Xero."
    """
    cid = xero_contact(xero, "Umberto Galloway", email="umberto@galloway.example",
                       customer=True)
    field_loft.sync()
    [contact] = ss_contacts(sortscape, "Umberto Galloway")
    sortscape.archive_contact(contact["id"])
    field_loft.sync()
    assert xero.contacts[cid]["ContactStatus"] == "ACTIVE"
    assert sortscape.contact(contact["id"])["status"] == "archived"
    assert len(ss_contacts(sortscape, "Umberto Galloway")) == 1  # not created again


def test_products_become_materials_and_same_names_are_linked(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "When syncing SortScape with Xero we import all your
    Xero Products and Services into SortScape as materials."  "If such a material or
    product/service already exists, we won’t import it. We will instead create an automatic link
    between the material and that Xero product/service for future syncing."
    """
    with sortscape.server.lock:
        existing = sortscape.store.create_material({"name": "Hedge Shaping", "unit_price": "60.00"})
    xero_item(xero, "TURF", "Turf laying (per m2)", "18.50")
    hedge = xero_item(xero, "HEDGE", "Hedge shaping", "65.00")
    field_loft.sync()
    materials = {m["name"].lower(): m for m in sortscape.materials()}
    assert set(materials) == {"turf laying (per m2)", "hedge shaping"}
    assert materials["turf laying (per m2)"]["unit_price"] == "18.50"
    linked = sortscape.material(existing["id"])
    assert linked["linked_product_id"] and linked["read_only"] is True
    assert hedge in xero.items


def test_product_updates_flow_one_way_into_linked_materials(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "One-Way Sync for Materials: Post-import, any Xero
    updates to products/services automatically refresh the linked material in SortScape. This
    sync is one-way; linked materials must be edited in Xero."
    """
    item = xero_item(xero, "AERATE", "Lawn aeration", "70.00")
    field_loft.sync()
    [material] = [m for m in sortscape.materials() if m["name"] == "Lawn aeration"]
    with pytest.raises(PermissionError):
        sortscape.edit_material(material["id"], unit_price="1.00")  # read-only in SortScape
    with xero.server.lock:
        xero.org.save_items([{"ItemID": item, "SalesDetails": {"UnitPrice": 82.0}}], "upsert")
    sortscape.edit_material(material["id"], as_user=False, description="edited in SortScape")
    field_loft.sync()
    after = sortscape.material(material["id"])
    assert after["unit_price"] == "82.00" and after["description"] == "Lawn aeration"
    assert xero.items[item]["Description"] == "Lawn aeration"  # nothing flows back


def test_materials_made_in_sortscape_do_not_reach_xero(
    field_loft: Loft, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Creating New Materials: Manually created materials
    in SortScape won't add to Xero as products/services until used in a Xero invoice."
    """
    with sortscape.server.lock:
        sortscape.store.create_material({"name": "Possum box install", "unit_price": "140.00"})
    field_loft.sync()
    field_loft.sync()
    assert xero.items == {}


def test_a_book_cannot_switch_to_another_xero_organisation(
    xero_loft: Loft, xero: XeroSandbox
) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Note - To prevent accidental data corruption, we
    prevent you from connecting to a different Xero account once you've already connected to a
    Xero account."
    """
    cid = xero_contact(xero, "Ignatius Pemberton", email="ignatius@example.org")
    xero_loft.add({"id": "A1", "kind": "agent", "name": "Ignatius Pemberton",
                   "email": "ignatius@example.org"})
    xero_loft.sync()
    other = "0a0b0c0d-1111-4222-8333-444455556666"
    other_xero_tenant(xero, other, "Another Company Pty Ltd")
    xero_loft.sections["xero"] = {**xero_loft.sections["xero"], "tenant_id": other}
    xero_loft.write_config()
    code, out, err = xero_loft.run("--sync", "--json")
    assert code != 0 and "pinned" in (out + err)
    assert xero_loft.link("A1", "xero")["remote_id"] == cid  # the old links are kept


def test_sortscape_syncs_every_thirty_minutes_by_default(field_loft: Loft) -> None:
    """seed 004 (004_8c55e339fc5a69f4.txt): "Once connected, SortScape will automatically sync
    with Xero every 30 minutes."
    """
    status = field_loft.json("status")["connectors"]
    assert status["sortscape"]["sync_every_minutes"] == 30
