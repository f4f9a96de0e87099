"""Payee rules, misplaced links in both directions, the one-key fix, creates and the counter."""

from __future__ import annotations

import pytest

from loftterm.engine import planner
from loftterm.engine.batch.misplaced import fix_misplaced
from loftterm.engine.batch.payees import document_role, resolve_payee
from loftterm.engine.batch.post import batch_pending
from loftterm.engine.decide.actions import profile_rules
from loftterm.engine.decide.states import link_row
from loftterm.errors import UsageError
from loftterm.models import LinkState
from tests.batch.conftest import QBO, XERO, BookMaker


def state(maker: BookMaker, pid: str) -> LinkState:
    book = maker.book
    return link_row(book, XERO, book.profiles[pid], "contact", {}).state


def test_agent_paid_to_linked_org_is_blank_and_pays_through_the_org(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    maker.profile("P001", "agent", "Siobhan O'Leary", payable_to="P010")
    maker.remote("org", "Harbour Realty Ltd")
    maker.link("P010", "org")
    assert state(maker, "P001") == LinkState.BLANK
    for kind in ("bill", "credit_note", "invoice"):  # invoices too: credit notes get allocated
        payee = resolve_payee(maker.book, XERO, "P001", kind)
        assert (payee.target.id, payee.remote_id, payee.problem) == ("P010", "org", "")


def test_misplaced_own_link_then_fix_unlinks_it(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    maker.profile("P013", "agent", "Liam Chen", payable_to="P010")
    maker.remote("org", "Harbour Realty Ltd")
    maker.remote("lc", "Liam Chen")
    maker.link("P010", "org")
    maker.link("P013", "lc")
    assert state(maker, "P013") == LinkState.MISPLACED
    payee = resolve_payee(maker.book, XERO, "P013", "bill")
    assert payee.remote_id == "org" and "ignored" in payee.note
    fix = fix_misplaced(maker.book, XERO, "P013")
    assert fix.done == ["unlinked Liam Chen's own Xero contact 'Liam Chen' (lc)"]
    assert fix.todo == []
    assert maker.book.link_of("P013", "xero", "contact") is None
    assert state(maker, "P013") == LinkState.BLANK


def test_misplaced_other_direction_org_not_linked_says_what_to_do(maker: BookMaker) -> None:
    maker.profile("P012", "organization", "Rahman & Co Realty")
    maker.profile("P011", "agent", "Aisha Rahman", payable_to="P012")
    assert state(maker, "P011") == LinkState.MISPLACED
    payee = resolve_payee(maker.book, XERO, "P011", "bill")
    assert payee.target.id == "P012" and "has no linked Xero contact" in payee.problem
    fix = fix_misplaced(maker.book, XERO, "P011")
    assert fix.done == [] and "link it by search, or sync" in fix.todo[0]


def test_fix_moves_the_orgs_contact_held_by_the_agent_to_the_org(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd", email="accounts@harbour.example")
    maker.profile("P001", "agent", "Siobhan O'Leary", payable_to="P010")
    maker.remote("org", "Harbour Realty Ltd", email="accounts@harbour.example")
    maker.link("P001", "org")  # the org's contact put in the agent's field
    fix = fix_misplaced(maker.book, XERO, "P001")
    assert "moved" in fix.done[0] and fix.todo == []
    link = maker.book.link_of("P010", "xero", "contact")
    assert link is not None and link.remote_id == "org"
    assert state(maker, "P001") == LinkState.BLANK


def test_fix_refuses_a_profile_not_paid_to_an_org(maker: BookMaker) -> None:
    maker.profile("P002", "agent", "Tom Baker")
    with pytest.raises(UsageError, match="not paid to an organization"):
        fix_misplaced(maker.book, XERO, "P002")


def test_plan_creates_pushes_the_org_once_never_the_agent(maker: BookMaker) -> None:
    maker.profile("P020", "organization", "Tidewater Realty")
    maker.profile("P021", "agent", "Noor Haddad", payable_to="P020")
    maker.profile("P022", "contact", "Ivo Petrov", payable_to="P020")
    maker.profile("P023", "customer", "Bluewater Cafe")
    creates = planner.plan_creates(maker.book, XERO, frozenset({"P021", "P022", "P023"}))
    assert sorted(p.id for p, _ in creates) == ["P020", "P023"]
    qbo = planner.plan_creates(maker.book, QBO, frozenset({"P021"}))
    assert sorted((p.id, role) for p, role in qbo) == [("P020", "customer"), ("P020", "vendor")]


def test_payee_problems_are_explained(maker: BookMaker) -> None:
    maker.profile("P030", "customer", "Old Mill")
    maker.remote("om", "Old Mill", status="archived")
    maker.link("P030", "om")
    assert "archived" in resolve_payee(maker.book, XERO, "P030", "invoice").problem
    maker.profile("P031", "customer", "Off Sync", sync_disabled=["xero"])
    assert "sync is off" in resolve_payee(maker.book, XERO, "P031", "invoice").problem
    maker.profile("P032", "organization", "Closed Realty", archived=True)
    maker.profile("P033", "agent", "Ann Lee", payable_to="P032")
    assert (
        "Closed Realty, which is archived"
        in resolve_payee(maker.book, XERO, "P033", "bill").problem
    )


def test_qbo_bills_go_to_the_vendor_invoices_to_the_customer() -> None:
    assert document_role(QBO, "bill") == document_role(QBO, "credit_note") == "vendor"
    assert document_role(QBO, "invoice") == "customer"
    assert document_role(XERO, "invoice") == "contact"


def test_pending_before_a_batch_counts_the_batchs_own_profiles(maker: BookMaker) -> None:
    maker.profile("P023", "customer", "Bluewater Cafe")
    maker.profile("P024", "agent", "Dana Ng")
    counter = batch_pending(maker.book, XERO, {}, frozenset({"P023"}))
    assert counter.to_create_remote == 2
    assert any("this batch posts to" in r and "Bluewater Cafe" in r for r in counter.reasons)


def test_profile_rules_say_where_documents_and_balances_go(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    agent = maker.profile("P001", "agent", "Siobhan O'Leary", payable_to="P010")
    agent.balances["xero"] = {"ar": "1", "ap": "0", "basis": "AR and AP of Harbour Realty Ltd"}
    rules = profile_rules(maker.book, agent)
    assert any("Paid to Harbour Realty Ltd" in r for r in rules)
    assert any("xero" in r and "AR and AP of Harbour Realty Ltd" in r for r in rules)
    org_rules = profile_rules(maker.book, maker.book.profiles["P010"])
    assert any("Siobhan O'Leary" in r for r in org_rules)


def test_the_agents_own_remote_contact_is_not_imported_as_a_twin(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    maker.profile("P001", "agent", "Siobhan O'Leary", "s@harbour.example", payable_to="P010")
    maker.remote("own", "Siobhan O'Leary", email="siobhan@elsewhere.example")
    maker.remote("new", "Bluewater Cafe")
    imports = planner.plan_imports(maker.book, XERO, {}, "contact")
    assert [r.remote_id for r in imports] == ["new"]
