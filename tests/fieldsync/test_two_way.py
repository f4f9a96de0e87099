"""After linking, name, email, phone and company sync both ways; both-side edits conflict."""

from __future__ import annotations

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from tests.fieldsync.conftest import edit_profile, profile_named, sortscape_link


def linked_bluewater(console: BookConsole) -> tuple[str, str]:
    console.sync()
    pid = profile_named(console, "Bluewater Cafe")
    remote_id = sortscape_link(console, pid)
    assert remote_id
    return pid, remote_id


def test_sortscape_edit_reaches_the_book_and_then_xero(
    console: BookConsole, sortscape: SortScapeSandbox, xero: XeroSandbox
) -> None:
    pid, remote_id = linked_bluewater(console)
    sortscape.edit_contact(
        remote_id,
        email="bookings@bluewatercafe.example",
        phone="+61 2 9555 3391",
        company_name="Bluewater Hospitality",
    )
    console.sync()
    profile = console.book().profile(pid)
    assert profile.email == "bookings@bluewatercafe.example"
    assert profile.fields.phone == "+61 2 9555 3391"
    assert profile.fields.company == "Bluewater Hospitality"
    console.sync()  # the next sync carries the email on to the ledger
    xero_id = console.book().link_of(pid, "xero", "contact")
    assert xero_id is not None
    assert xero.contacts[xero_id.remote_id]["EmailAddress"] == "bookings@bluewatercafe.example"


def test_local_and_ledger_edits_reach_sortscape(
    console: BookConsole, sortscape: SortScapeSandbox, xero: XeroSandbox
) -> None:
    pid, remote_id = linked_bluewater(console)
    edit_profile(console, pid, phone="+61 2 9000 0000")
    xero_link = console.book().link_of(pid, "xero", "contact")
    assert xero_link is not None
    assert not xero.edit_contact(xero_link.remote_id, Name="Bluewater Cafe & Bar")
    report = console.sync()
    assert report.connectors["sortscape"]["updated_remote"] == 1
    there = sortscape.contact(remote_id)
    assert there["phone"] == "+61 2 9000 0000"
    assert there["name"] == "Bluewater Cafe & Bar"
    assert len(sortscape.contacts()) == len({c["id"] for c in sortscape.contacts()})


def test_both_sides_changed_is_a_conflict_not_an_overwrite(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    pid, remote_id = linked_bluewater(console)
    edit_profile(console, pid, phone="+61 2 9000 0001")
    sortscape.edit_contact(remote_id, phone="+61 2 9000 0002")
    console.sync()
    conflicts = [w for w in console.warnings() if w.kind == "conflict" and w.profile_id == pid]
    assert len(conflicts) == 1 and "phone" in conflicts[0].message
    assert conflicts[0].connector == "sortscape"
    assert sortscape.contact(remote_id)["phone"] == "+61 2 9000 0002"
    assert console.book().profile(pid).fields.phone == "+61 2 9000 0001"
