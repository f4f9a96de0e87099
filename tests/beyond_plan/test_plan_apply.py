"""Plan and apply: a dry run written down, then carried out exactly, skipping what moved since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.engine.runs.plan import PLAN_FORMAT, Plan, read_plan, write_plan
from loftterm.errors import TenantMismatchError, UsageError
from loftterm.models import ContactFields

from .conftest import links, snapshot

WRITES = ("POST", "PUT")


def remote_writes(xero: XeroSandbox) -> int:
    return sum(len(xero.calls(method, r"/api\.xro/")) for method in WRITES)


def test_plan_lists_every_write_with_versions_and_writes_nothing(
    console: BookConsole, xero: XeroSandbox, tmp_path: Path
) -> None:
    book_before = console.config.book.read_bytes()
    plan = console.plan("xero")
    # update-local: blank profile fields filled from Xero at link time (blanks never erase)
    assert plan.counts() == {"link": 7, "import": 16, "create": 1, "update": 5, "update-local": 3}
    assert remote_writes(xero) == 0 and console.config.book.read_bytes() == book_before
    updates = [i for i in plan.items if i["action"] == "update"]
    tom = next(i for i in updates if i["profile_id"] == "P002")
    contact = xero.contacts[tom["remote_id"]]
    assert tom["version"].startswith("2025-01-20T")  # Xero: UpdatedDateUTC of the pulled record
    assert tom["changed"] == ["name"] and tom["before"]["fields"]["name"] == contact["Name"]
    assert tom["profile_fingerprint"]
    create = next(i for i in plan.items if i["action"] == "create")
    assert create["profile_id"] == "P004" and create["after"]["fields"]["name"] == "Marcus Whitfield"
    part = plan.connectors["xero"]
    assert part.tenant_id and part.estimate["create"] == 1 and part.estimate["update"] == 1
    assert part.estimate["pull"] >= 1 and part.estimate["total"] >= 3
    for suffix in ("json", "yaml"):
        path = tmp_path / f"plan.{suffix}"
        write_plan(plan, path)
        again = read_plan(path)
        assert again.items == json.loads(json.dumps(plan.to_dict()["items"], default=str))
        assert again.book_id == plan.book_id and again.connectors["xero"].estimate == part.estimate
    assert json.loads((tmp_path / "plan.json").read_text())["format"] == PLAN_FORMAT


def test_apply_after_a_remote_change_skips_exactly_that_record(
    console: BookConsole, xero: XeroSandbox, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_plan(console.plan("xero"), path)
    plan = read_plan(path)
    tom = next(i for i in plan.items if i["profile_id"] == "P002" and i["action"] == "update")
    assert xero.edit_contact(tom["remote_id"], EmailAddress="tom.new@example.com") == []
    report = console.apply(plan)
    assert report.ok, report.errors
    skipped = [r for r in report.items if r.status == "skipped"]
    assert {r.profile_id for r in skipped} == {"P002"}  # its link and its update
    assert all("changed in Xero since the plan" in r.reason for r in skipped)
    assert report.counts() == {"applied": len(plan.items) - 2, "skipped": 2, "failed": 0}
    assert xero.contacts[tom["remote_id"]]["Name"] == tom["before"]["fields"]["name"]  # untouched
    assert xero.contacts[tom["remote_id"]]["EmailAddress"] == "tom.new@example.com"
    assert xero.contact_by_name("Marcus Whitfield") is not None  # the others were applied
    priya = next(i for i in plan.items if i["profile_id"] == "P003" and i["action"] == "update")
    assert xero.contacts[priya["remote_id"]]["Name"] == "Priya Natarjan"
    rows = {r.profile_id: r for r in console.link_rows("xero")}
    assert rows["P002"].state == "blank" and rows["P004"].method == "created"
    run = console.runs()[0]
    assert run.id == report.runs["xero"] and run.ok


def test_apply_skips_a_profile_changed_locally(console: BookConsole, xero: XeroSandbox) -> None:
    plan = console.plan("xero")
    with console.writing("edit") as book:
        profile = book.profile("P003")
        profile.fields = ContactFields.from_dict({**profile.fields.to_dict(), "phone": "0400 1"})
        book.touch_profile(profile)
    report = console.apply(plan)
    mine = [r for r in report.items if r.profile_id == "P003"]
    assert mine and all(r.status == "skipped" for r in mine)
    assert all("changed locally since the plan" in r.reason for r in mine)
    assert {r.status for r in report.items if r.profile_id != "P003"} == {"applied"}


def test_applying_twice_applies_nothing_the_second_time(console: BookConsole) -> None:
    plan = console.plan("xero")
    console.apply(plan)
    links_after = links(console)
    again = console.apply(plan)
    assert again.counts()["applied"] == 0 and again.counts()["failed"] == 0
    assert links(console) == links_after


def test_a_plan_for_another_book_or_organisation_is_refused(
    console: BookConsole, xero: XeroSandbox
) -> None:
    console.sync("xero")  # pins the book to the sandbox's organisation
    plan = console.plan("xero")
    before = snapshot(xero)
    other_book = Plan.from_dict({**plan.to_dict(), "book_id": "somebody-else"})
    with pytest.raises(UsageError, match="another book"):
        console.apply(other_book)
    data = plan.to_dict()
    data["connectors"]["xero"]["tenant_id"] = "another-org"
    with pytest.raises(TenantMismatchError, match="another-org"):
        console.apply(Plan.from_dict(data))
    assert snapshot(xero) == before


def test_a_file_that_is_not_a_plan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format": "something"}', encoding="utf-8")
    with pytest.raises(UsageError, match="not a loftterm plan"):
        read_plan(path)
    path.write_text(json.dumps({"format": PLAN_FORMAT, "version": 99}), encoding="utf-8")
    with pytest.raises(UsageError, match="version 99"):
        read_plan(path)


def test_an_applied_plan_is_a_run_that_undo_reverts(
    console: BookConsole, xero: XeroSandbox
) -> None:
    before, links_before = snapshot(xero), links(console)
    report = console.apply(console.plan("xero"))
    assert report.counts()["applied"] == 32
    undo = console.undo(report.runs["xero"])
    assert {a.status for a in undo.actions} == {"done"}
    after = snapshot(xero)
    assert {cid: after[cid] for cid in before} == before
    assert links(console) == links_before
