"""Merging two local profiles, refusing conflicting links, and unmerging."""

from __future__ import annotations

import pytest

from connectors.xero.sandbox.seed import JORDAN_LEE_OLD_ID, THOMAS_BAKER_ID
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.errors import UsageError
from loftterm.models import ContactFields, Profile
from tests.beyond_decisions.conftest import console_for, open_warnings, remote_of


def add_profile(console: BookConsole, pid: str, name: str, phone: str = "") -> None:
    with console.writing("add") as book:
        book.put_profile(Profile(pid, "agent", ContactFields(name=name, phone=phone)))


def outcome_ids(console: BookConsole) -> list[str]:
    return [o.profile_id for run in console.runs() for o in run.outcomes]


def test_merge_moves_everything_and_unmerge_restores_both(field_demo: DemoEnvironment) -> None:
    console = console_for(field_demo)
    console.sync()
    add_profile(console, "PT", "Tom Baker", phone="+61 400 000 000")
    assert console.book().profiles["P002"].balances["xero"]["ap"] == "430.50"
    assert "sortscape:P002:C-1002" in {p.id for p in console.proposals()}
    history = outcome_ids(console).count("P002")
    assert history

    dry = console.merge_profiles("PT", "P002", dry_run=True)
    assert dry.dry_run and dry.links == [f"xero contact {THOMAS_BAKER_ID}"]
    assert remote_of(console, "P002", "xero") == THOMAS_BAKER_ID  # nothing written

    report = console.merge_profiles("PT", "P002")
    assert report.links == [f"xero contact {THOMAS_BAKER_ID}"]
    assert "email" in report.filled and report.history == history and report.proposals == 1
    book = console.book()
    survivor, other = book.profiles["PT"], book.profiles["P002"]
    assert remote_of(console, "PT", "xero") == THOMAS_BAKER_ID
    assert remote_of(console, "P002", "xero") == ""
    assert survivor.fields.email == "tom@example.com"  # empty: filled from the other
    assert survivor.fields.phone == "+61 400 000 000"  # the survivor's own value wins
    assert survivor.balances["xero"]["ap"] == "430.50"
    assert other.archived and other.extra["merged_into"] == "PT" and not other.balances
    assert "sortscape:PT:C-1002" in {p.id for p in console.proposals()}
    assert outcome_ids(console).count("P002") == 0
    assert "merge|P002" in {d.key for d in console.decisions()}
    assert console.sync().ok  # the merged book syncs
    assert remote_of(console, "PT", "xero") == THOMAS_BAKER_ID

    back = console.unmerge("P002")
    assert back.undone and back.links == [f"xero contact {THOMAS_BAKER_ID}"]
    book = console.book()
    assert remote_of(console, "P002", "xero") == THOMAS_BAKER_ID
    assert remote_of(console, "PT", "xero") == ""
    assert not book.profiles["P002"].archived and "merged_into" not in book.profiles["P002"].extra
    assert book.profiles["PT"].fields.email == ""
    assert book.profiles["P002"].balances["xero"]["ap"] == "430.50"
    assert outcome_ids(console).count("P002") >= history
    assert "merge|P002" not in {d.key for d in console.decisions()}
    with pytest.raises(UsageError, match="was not merged"):
        console.unmerge("P002")
    assert console.sync().ok and remote_of(console, "P002", "xero") == THOMAS_BAKER_ID


def test_merge_moves_warnings_decisions_and_payees(xero_demo: DemoEnvironment) -> None:
    console = console_for(xero_demo)
    console.sync("xero")
    assert open_warnings(console, "archived-duplicate", "P006")
    console.reject_pair("P010", "xero", JORDAN_LEE_OLD_ID)
    add_profile(console, "PJ", "Jordan Lee")
    add_profile(console, "PH", "Harbour Realty")
    console.merge_profiles("PJ", "P006")
    assert open_warnings(console, "archived-duplicate", "PJ")
    assert not open_warnings(console, "archived-duplicate", "P006")
    report = console.merge_profiles("PH", "P010")
    assert sorted(report.payees) == ["P001", "P013"] and report.decisions == 1
    book = console.book()
    assert book.profiles["P001"].payable_to == "PH"
    assert f"reject|xero|{JORDAN_LEE_OLD_ID}|PH" in book.decisions
    assert console.sync("xero").ok
    assert console.book().profiles["P001"].balances["xero"]["via"] == "Harbour Realty"
    console.unmerge("P010")
    book = console.book()
    assert book.profiles["P001"].payable_to == "P010"
    assert f"reject|xero|{JORDAN_LEE_OLD_ID}|P010" in book.decisions
    assert f"reject|xero|{JORDAN_LEE_OLD_ID}|PH" not in book.decisions


def test_merge_is_refused_on_conflicting_links(xero_demo: DemoEnvironment) -> None:
    console = console_for(xero_demo)
    console.sync("xero")
    before = console.book().path.read_bytes()
    with pytest.raises(UsageError) as caught:
        console.merge_profiles("P003", "P002")
    message = str(caught.value)
    assert "\n" not in message and "unlink one first" in message
    assert remote_of(console, "P003", "xero") in message and THOMAS_BAKER_ID in message
    assert console.book().path.read_bytes() == before
    with pytest.raises(UsageError, match="into itself"):
        console.merge_profiles("P002", "P002")
    console.unlink("P002", "xero")
    console.merge_profiles("P003", "P002")  # nothing left to conflict
    with pytest.raises(UsageError, match="archived"):
        console.merge_profiles("P003", "P002")
