"""Undo: the journal of a run, compensating writes, and what cannot be undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.errors import UsageError

from .conftest import links, snapshot


def test_every_write_and_link_change_is_journalled_with_the_values_before(
    console: BookConsole, xero: XeroSandbox
) -> None:
    before = snapshot(xero)
    report = console.sync("xero")
    run_id = console.runs()[0].id
    entries = console.book().journal[run_id]["entries"]
    actions = [e["action"] for e in entries]
    assert actions.count("update") == report.connectors["xero"]["updated_remote"] == 5
    assert actions.count("create") == 1 and actions.count("import") == 16
    assert actions.count("link") == 8  # 7 matched, 1 to the record it created
    tom = next(e for e in entries if e["action"] == "update" and e["profile_id"] == "P002")
    assert tom["before"]["fields"]["name"] == before[tom["remote_id"]]["Name"] == "Thomas Baker"
    assert tom["version_after"] != tom["version"]
    created = next(e for e in entries if e["action"] == "create")
    assert created["remote_id"] == xero.contact_by_name("Marcus Whitfield")["ContactID"]  # type: ignore[index]


def test_undo_restores_the_sandbox_and_the_book(console: BookConsole, xero: XeroSandbox) -> None:
    before, links_before = snapshot(xero), links(console)
    profiles_before = set(console.book().profiles)
    console.sync("xero")
    run_id = console.runs()[0].id
    assert snapshot(xero) != before
    report = console.undo(run_id)
    assert report.undo_run_id and report.exit_code == 0
    assert {a.status for a in report.actions} == {"done"}, [
        a.to_json() for a in report.actions if a.status != "done"
    ]
    after = snapshot(xero)
    created = [after[cid] for cid in after if cid not in before]
    assert [(c["Name"], c["ContactStatus"]) for c in created] == [("Marcus Whitfield", "ARCHIVED")]
    assert {cid: after[cid] for cid in before} == before  # every updated field put back
    assert links(console) == links_before and set(console.book().profiles) == profiles_before
    again = console.undo(run_id)  # nothing left to undo: every entry is marked
    assert not again.undo_run_id
    assert {a.reason.split(" by run ")[0] for a in again.actions} == {"already undone"}


def test_a_record_changed_since_the_run_is_not_overwritten(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")
    run_id = console.runs()[0].id
    tom = console.book().link_of("P002", "xero", "contact")
    assert tom is not None
    xero.edit_contact(tom.remote_id, EmailAddress="tom.edited@example.com")
    report = console.undo(run_id)
    restore = next(a for a in report.actions if a.profile_id == "P002" and a.action == "restore-fields")
    assert restore.status == "skipped" and "changed in Xero since the run" in restore.reason
    assert xero.contacts[tom.remote_id]["Name"] == "Tom Baker"  # left as the run made it
    priya = next(a for a in report.actions if a.profile_id == "P003" and a.action == "restore-fields")
    assert priya.status == "done"


def test_undo_of_one_profile_leaves_the_others(console: BookConsole, xero: XeroSandbox) -> None:
    console.sync("xero")
    run_id = console.runs()[0].id
    link = console.book().link_of("P003", "xero", "contact")
    assert link is not None
    report = console.undo(run_id, profile_id="P003")
    assert {a.profile_id for a in report.actions} == {"P003"}
    assert xero.contacts[link.remote_id]["Name"] == "Priya Natarajan"
    assert console.book().link_of("P003", "xero", "contact") is None
    assert console.book().link_of("P002", "xero", "contact") is not None
    assert xero.contact_by_name("Tom Baker") is not None


def test_undoing_the_undo_reactivates_what_it_archived(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")
    undo = console.undo(console.runs()[0].id)
    marcus = xero.contact_by_name("Marcus Whitfield")
    assert marcus is not None and marcus["ContactStatus"] == "ARCHIVED"
    preview = console.undo(undo.undo_run_id, dry_run=True)
    assert any(a.action == "reactivate" for a in preview.actions)
    redo = console.undo(undo.undo_run_id)
    assert all(a.status == "done" for a in redo.actions if a.action == "reactivate")
    assert xero.contacts[marcus["ContactID"]]["ContactStatus"] == "ACTIVE"
    assert [c["ContactStatus"] for c in xero.contacts.values() if c.get("ContactNumber") == "P004"] \
        == ["ACTIVE"]
    assert xero.contact_by_name("Tom Baker") is not None  # the run's update is back too


def test_dry_run_lists_the_actions_and_what_cannot_be_undone(
    console: BookConsole, xero: XeroSandbox, tmp_path: Path
) -> None:
    console.sync("xero")
    tom = console.book().link_of("P002", "xero", "contact")
    survivor = xero.contact_by_name("Bluewater Cafe")["ContactID"]  # type: ignore[index]
    console.unlink(console.book().linked_profile("xero", "contact", survivor), "xero")
    assert tom is not None
    xero.merge_contacts(tom.remote_id, survivor)
    console.sync("xero", full_pull=True)
    run_id = console.runs()[0].id
    before = snapshot(xero)
    preview = console.undo(run_id, dry_run=True)
    assert preview.dry_run and not preview.undo_run_id
    mine = [a.action for a in preview.actions if a.profile_id == "P002"]
    # the relink pushed Tom's values onto the survivor: put back; the survivor's values that
    # filled Tom's blank fields: taken out again; the link to the survivor dropped, the one to
    # the merged-away contact restored; the merge itself stays
    assert mine == ["restore-fields", "restore-local", "restore-link", "restore-link", "merge"]
    [merge] = preview.cannot_undo
    assert "merges are never automated" in merge.description
    assert snapshot(xero) == before  # a dry run changes nothing
    assert console.book().link_of("P002", "xero", "contact").remote_id == survivor  # type: ignore[union-attr]
    (tmp_path / "deals.csv").write_text(
        "deal,date,kind,profile,currency,description,amount,account\n"
        "D-9,2025-05-01,bill,P010,AUD,Commission,150.00,310\n",
        encoding="utf-8",
    )
    batch = console.batch(tmp_path / "deals.csv", "xero")
    posted = console.undo(batch.run_id, dry_run=True)
    [document] = posted.cannot_undo
    assert "bill D-9 posted to Xero stays" in document.description
    assert not [a for a in posted.actions if a.undoable]


def test_unknown_run_and_a_run_that_wrote_nothing(console: BookConsole) -> None:
    with pytest.raises(UsageError, match="no run 'nope'"):
        console.undo("nope", dry_run=True)
    console.sync("xero")
    console.sync("xero")
    with pytest.raises(UsageError, match="has no undo journal"):
        console.undo(console.runs()[0].id, dry_run=True)
