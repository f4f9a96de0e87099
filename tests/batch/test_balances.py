"""Balance rules (seeds 000-003): principal and organization_first, disabled sync, currencies."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from loftterm.engine.pipeline.balances import apply_balances, shown_balance
from loftterm.models import Profile
from tests.batch.conftest import QBO, XERO, BookMaker


def harbour(maker: BookMaker, org_ar: str = "1250.00", org_ap: str = "300.00") -> None:
    """Org P010 linked to its contact; agent P001 paid to it with no contact of its own."""
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    maker.profile("P001", "agent", "Siobhan O'Leary", payable_to="P010")
    maker.remote("org", "Harbour Realty Ltd", org_ar, org_ap)
    maker.link("P010", "org")


def bal(maker: BookMaker, pid: str, connector: str = "xero") -> dict[str, str]:
    return maker.book.profiles[pid].balances.get(connector, {})


def test_plain_profile_shows_its_own_balance_as_decimal_strings(maker: BookMaker) -> None:
    maker.profile("P002", "agent", "Tom Baker")
    maker.remote("tb", "Thomas Baker", "0", "430.50", "NZD")
    maker.link("P002", "tb")
    assert apply_balances(maker.book, XERO, "principal") == 1
    assert bal(maker, "P002") == {
        "ar": "0",
        "ap": "430.50",
        "currency": "NZD",
        "basis": "own contact",
    }


def test_principal_agent_without_contact_shows_the_org_balance_both_profiles(
    maker: BookMaker,
) -> None:
    harbour(maker)
    apply_balances(maker.book, XERO, "principal")
    agent, org = bal(maker, "P001"), bal(maker, "P010")
    assert (org["ar"], org["ap"], org["currency"]) == ("1250.00", "300.00", "AUD")
    assert (agent["ar"], agent["ap"], agent["currency"]) == ("1250.00", "300.00", "AUD")
    assert agent["via"] == "Harbour Realty Ltd" and "via" not in org


def test_principal_adds_the_agents_own_active_contact_never_twice(maker: BookMaker) -> None:
    harbour(maker)
    maker.remote("own", "Siobhan O'Leary", "10.00", "5.00")
    maker.link("P001", "own")  # misplaced, or the user maintains both
    apply_balances(maker.book, XERO, "principal")
    assert (bal(maker, "P001")["ar"], bal(maker, "P001")["ap"]) == ("1260.00", "305.00")
    assert "own contact" in bal(maker, "P001")["basis"]
    assert bal(maker, "P010")["ar"] == "1250.00"
    maker.link("P001", "org")  # the agent holds the organization's own contact: counted once
    apply_balances(maker.book, XERO, "principal")
    assert bal(maker, "P001")["ar"] == "1250.00"


def test_principal_every_agent_of_one_org_shows_the_whole_org_balance(maker: BookMaker) -> None:
    harbour(maker)
    maker.profile("P013", "agent", "Liam Chen", payable_to="P010")
    apply_balances(maker.book, XERO, "principal")
    assert bal(maker, "P001")["ar"] == bal(maker, "P013")["ar"] == "1250.00"


def test_organization_first_agent_shows_the_org_ar_when_not_zero(maker: BookMaker) -> None:
    harbour(maker)
    maker.remote("own", "Siobhan O'Leary", "99.00", "7.00")
    maker.link("P001", "own")
    apply_balances(maker.book, XERO, "organization_first")
    agent = bal(maker, "P001")
    assert (agent["ar"], agent["ap"]) == ("1250.00", "300.00")
    assert agent["basis"] == "AR and AP of Harbour Realty Ltd"


def test_organization_first_zero_org_ar_falls_back_to_the_agents_own_ar(maker: BookMaker) -> None:
    harbour(maker, org_ar="0", org_ap="300.00")
    maker.remote("own", "Siobhan O'Leary", "99.00", "7.00")
    maker.link("P001", "own")  # the user maintains both contacts
    apply_balances(maker.book, XERO, "organization_first")
    agent = bal(maker, "P001")
    assert (agent["ar"], agent["ap"], agent["currency"]) == ("99.00", "300.00", "AUD")
    assert "own contact" in agent["basis"]


def test_organization_first_zero_org_ar_without_own_contact_is_zero(maker: BookMaker) -> None:
    harbour(maker, org_ar="0")
    apply_balances(maker.book, XERO, "organization_first")
    assert (bal(maker, "P001")["ar"], bal(maker, "P001")["ap"]) == ("0", "300.00")


def test_agent_archived_remotely_while_paid_to_org_is_fine(maker: BookMaker) -> None:
    harbour(maker, org_ar="0")
    maker.remote("own", "Siobhan O'Leary", "99.00", "0", status="archived")
    maker.link("P001", "own")
    for rule in ("organization_first", "principal"):
        apply_balances(maker.book, XERO, rule)
        assert bal(maker, "P001")["ar"] == "0", rule  # an archived own contact counts as none
        assert bal(maker, "P010")["ap"] == "300.00"


def test_disabled_sync_with_a_link_keeps_updating_balances(maker: BookMaker) -> None:
    maker.profile("P009", "contact", "Wei Zhang", sync_disabled=["xero"])
    maker.remote("wz", "Wei Zhang", "89.99")
    maker.link("P009", "wz")
    harbour(maker)
    maker.book.profiles["P001"].sync_disabled = ["xero"]
    apply_balances(maker.book, XERO, "principal")
    assert bal(maker, "P009")["ar"] == "89.99"
    assert bal(maker, "P001")["ar"] == "1250.00"
    maker.remote("wz", "Wei Zhang", "120.00")  # the next pull brings a new balance
    assert apply_balances(maker.book, XERO, "principal") == 1
    assert bal(maker, "P009")["ar"] == "120.00"


def test_unlinked_org_agent_shows_its_own_and_stale_balances_are_dropped(maker: BookMaker) -> None:
    maker.profile("P012", "organization", "Rahman & Co Realty")
    maker.profile("P011", "agent", "Aisha Rahman", payable_to="P012")
    maker.remote("ar", "Aisha Rahman", "40.00")
    maker.link("P011", "ar")
    apply_balances(maker.book, XERO, "principal")
    assert bal(maker, "P011")["ar"] == "40.00"
    assert "has no linked Xero contact" in bal(maker, "P011")["basis"]
    maker.book.drop_link("P011", "xero", "contact")
    assert apply_balances(maker.book, XERO, "principal") == 1
    assert "xero" not in maker.book.profiles["P011"].balances


def test_qbo_vendor_ap_and_customer_ar_and_their_currencies(maker: BookMaker) -> None:
    maker.profile("P010", "organization", "Harbour Realty Ltd")
    maker.profile("P001", "agent", "Siobhan O'Leary", payable_to="P010")
    maker.remote("5", "Harbour Realty Ltd", "0", "75.00", "CAD", connector="qbo", role="vendor")
    maker.remote("6", "*Harbour Realty Ltd", "20.00", "0", "USD", connector="qbo", role="customer")
    maker.link("P010", "5", connector="qbo", role="vendor")
    maker.link("P010", "6", connector="qbo", role="customer")
    apply_balances(maker.book, QBO, "principal")
    agent = bal(maker, "P001", "qbo")
    assert (agent["ar"], agent["currency"], agent["ap"], agent["ap_currency"]) == (
        "20.00",
        "USD",
        "75.00",
        "CAD",
    )


def test_amounts_in_two_currencies_on_one_side_are_never_added(maker: BookMaker) -> None:
    harbour(maker)
    maker.remote("own", "Siobhan O'Leary", "10.00", "0", "NZD")
    maker.link("P001", "own")
    apply_balances(maker.book, XERO, "principal")
    agent = bal(maker, "P001")
    assert (agent["ar"], agent["currency"], agent["other"]) == ("1250.00", "AUD", "AR NZD 10.00")


def test_second_pass_and_a_saved_book_change_nothing(maker: BookMaker) -> None:
    harbour(maker)
    apply_balances(maker.book, XERO, "principal")
    assert apply_balances(maker.book, XERO, "principal") == 0
    for pid, profile in list(maker.book.profiles.items()):
        maker.book.profiles[pid] = Profile.from_dict(profile.to_dict())  # the compact round trip
    assert apply_balances(maker.book, XERO, "principal") == 0


def test_field_connectors_carry_no_balances(maker: BookMaker) -> None:
    harbour(maker)
    assert apply_balances(maker.book, replace(XERO, kind="field"), "principal") == 0
    assert shown_balance(maker.book, XERO, maker.book.profiles["P010"]) is not None


def test_an_unlinked_contact_of_the_agents_own_counts_when_the_user_maintains_both(
    maker: BookMaker,
) -> None:
    harbour(maker, org_ar="0")
    maker.remote("own", "Siobhan O'Leary", "99.00", "0")  # same name, never linked (blank)
    apply_balances(maker.book, XERO, "organization_first")
    assert bal(maker, "P001")["ar"] == "99.00"
    apply_balances(maker.book, XERO, "principal")
    assert bal(maker, "P001")["ar"] == "99.00" and bal(maker, "P010")["ar"] == "0"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("rule", ["principal", "organization_first"])
def test_a_walk_of_what_changed_leaves_every_balance_as_a_whole_walk(
    maker: BookMaker, seed: int, rule: str
) -> None:
    """apply_balances after edits walks only the profiles they can move: none is left stale."""
    rng = random.Random(seed)
    names = ["Harbour Realty", "Siobhan O'Leary", "Tom Baker", "Anna Lee", "Coastal Group"]
    orgs = [f"O{i}" for i in range(4)]
    people = [f"P{i:02d}" for i in range(20)]
    records = [f"R{i:02d}" for i in range(30)]

    def edit() -> None:
        what = rng.randrange(5)
        if what == 0:  # a profile renamed, re-paid, archived or new
            pid = rng.choice(orgs + people)
            kind = "organization" if pid in orgs else "agent"
            maker.profile(pid, kind, rng.choice(names), email=rng.choice(["", "a@x.example"]),
                          payable_to="" if kind == "organization" else rng.choice(["", *orgs]),
                          archived=rng.random() < 0.1)
        elif what == 1:  # a record's balance, status or email moved
            maker.remote(rng.choice(records), rng.choice(names), str(rng.randint(0, 9)),
                         str(rng.randint(0, 9)), status=rng.choice(["active", "archived"]),
                         email=rng.choice(["", "a@x.example"]))
        elif what == 2:
            pid, rid = rng.choice(orgs + people), rng.choice(records)
            if maker.book.linked_profile("xero", "contact", rid) or not maker.book.remote_record(
                    "xero", "contact", rid):
                return
            maker.book.drop_link(pid, "xero", "contact")
            maker.link(pid, rid)
        elif what == 3:
            maker.book.drop_link(rng.choice(orgs + people), "xero", "contact")
        elif (pid := rng.choice(people)) in maker.book.profiles:
            maker.book.drop_link(pid, "xero", "contact")
            maker.book.drop_profile(pid)

    for _ in range(60):
        edit()
    apply_balances(maker.book, XERO, rule)
    for _ in range(50):
        for _ in range(rng.randint(1, 4)):
            edit()
        apply_balances(maker.book, XERO, rule)
        for profile in maker.book.profiles.values():
            assert profile.balances.get("xero") == shown_balance(
                maker.book, XERO, profile, rule), profile.id
