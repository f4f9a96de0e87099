"""Pilot tests of the issue-9 screens on the real demo (Xero sandbox on 127.0.0.1, scratch book):
plan then apply from the dashboard, the evidence behind a link, merge and "not the same" from a
duplicate warning.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.models import ContactFields, Profile
from loftterm.tui import LofttermApp
from loftterm.tui.screens.explain import ExplainScreen
from loftterm.tui.screens.merge import CandidateList, MergeScreen
from loftterm.tui.screens.plan import PlanList, PlanScreen
from loftterm.tui.screens.profile import ProfileScreen
from loftterm.tui.screens.warnings import WarningList
from loftterm.tui.widgets.linklist import LinkList

from .helpers import frozen_app, settle

SIZE = (80, 24)


@pytest.fixture
def console(xero_console: BookConsole) -> BookConsole:
    return xero_console


async def _wait_for(pilot: Pilot[None], ready: object, what: str) -> None:
    for _ in range(1000):
        if callable(ready) and ready():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def _open_profile(pilot: Pilot[None], app: LofttermApp, text: str) -> ProfileScreen:
    await pilot.press("2")
    await settle(pilot)
    app.links.set_filters(text=text)
    # the filter is applied by a worker: under load a pause is too short, so wait for it
    await _wait_for(pilot, lambda: app.links.query_one(LinkList).match_count == 1,
                    f"the Links list filtered to {text!r} alone")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ProfileScreen)
    return app.screen


@pytest.mark.asyncio
async def test_plan_from_the_dashboard_then_apply_skips_what_moved(
    console: BookConsole, xero_sandbox: XeroSandbox
) -> None:
    xero = xero_sandbox
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")  # the highlighted connector: Xero
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.connector == "xero"
        await settle(pilot)
        plan = screen.plan
        assert plan is not None and plan.counts() == {
            "link": 7, "import": 16, "create": 1, "update": 5, "update-local": 3}
        assert xero.contact_by_name("Marcus Whitfield") is None  # nothing written yet
        rows = screen.query_one(PlanList).visible_rows
        assert len(rows) == len(plan.items)
        tom = next(r for r in rows if r.profile_id == "P002" and r.action == "update")
        assert tom.what == "remote fields: name"
        # Someone edits Tom in Xero between the plan and the apply.
        item = next(i for i in plan.items if i["id"] == tom.item)
        xero.edit_contact(item["remote_id"], EmailAddress="tom.new@example.com")
        await pilot.press("a")
        await settle(pilot)
        report = screen.report
        assert report is not None and report.ok
        results = {(r.profile_id, r.action): r for r in screen.query_one(PlanList).visible_rows}
        assert results[("P002", "update")].result == "skipped"
        assert "changed in Xero since the plan" in results[("P002", "update")].reason
        assert results[("P004", "create")].result == "applied"
        assert xero.contact_by_name("Marcus Whitfield") is not None
        await pilot.press("a")  # a plan is applied once
        await settle(pilot)
        assert console.runs()[0].id == report.runs["xero"]
        assert len([r for r in console.runs() if r.connector == "xero"]) == 1


@pytest.mark.asyncio
async def test_profile_shows_the_evidence_behind_its_link(console: BookConsole) -> None:
    assert console.sync("xero").ok
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await _open_profile(pilot, app, "P002")  # Tom Baker, linked by email
        await pilot.press("e")
        await settle(pilot)
        explain = app.screen
        assert isinstance(explain, ExplainScreen) and explain.evidence is not None
        linked = [e for e in explain.evidence if e.linked_by]
        assert len(linked) == 1 and linked[0].linked_by == "email" and linked[0].email_equal
        assert linked[0].remote_id == next(
            r.remote_id for r in console.link_rows("xero") if r.profile_id == "P002")
        text = str(explain.query_one("#explain-text").render())
        assert "linked (email)" in text and "same email: links" in text
        assert "email equal yes" in text and "vs 60%" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ProfileScreen)


def _add_duplicate_of_daniel(console: BookConsole) -> None:
    """A second, email-less Daniel Okafor entered by hand (sync off so no sync touches it)."""
    with console.writing("test") as book:
        book.put_profile(Profile(
            id="P099", kind="contact",
            fields=ContactFields(name="Daniel Okafor", phone="+61 2 9555 0199"),
            sync_disabled=["xero"]))


async def _highlight_duplicate_warning(pilot: Pilot[None], app: LofttermApp) -> None:
    await pilot.press("3")
    await settle(pilot)
    warnings = app.screen.query_one(WarningList)
    at = next(i for i, e in enumerate(warnings.visible_rows)
              if e.kind == "duplicate" and e.profile_id == "P007")
    warnings.cursor = at
    await pilot.pause()


@pytest.mark.asyncio
async def test_merge_a_local_duplicate_from_a_duplicate_warning(console: BookConsole) -> None:
    assert console.sync("xero").ok
    _add_duplicate_of_daniel(console)
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await _highlight_duplicate_warning(pilot, app)
        await pilot.press("m")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        candidates = merge.query_one(CandidateList).visible_rows
        assert [c.profile_id for c in candidates] == ["P099"]
        assert candidates[0].reasons == ("same name Daniel Okafor",)
        await _wait_for(pilot, lambda: merge.preview is not None, "the merge preview")
        assert merge.preview is not None and merge.preview.dry_run
        assert console.profile("P099").profile.archived is False  # a preview writes nothing
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, MergeScreen)
        merged = console.profile("P099").profile
        assert merged.archived and merged.extra["merged_into"] == "P007"
        assert console.profile("P007").profile.fields.phone == "+61 2 9555 0199"  # filled in
        assert any(d.kind == "merge" for d in console.decisions())  # journalled: unmerge undoes


@pytest.mark.asyncio
async def test_not_the_same_from_a_duplicate_warning_is_remembered(console: BookConsole) -> None:
    assert console.sync("xero").ok
    named = next(w for w in console.warnings() if w.kind == "duplicate" and w.profile_id == "P007")
    linked = next(r.remote_id for r in console.link_rows("xero") if r.profile_id == "P007")
    rejected = [r for r in named.remote_ids if r != linked]
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await _highlight_duplicate_warning(pilot, app)
        await pilot.press("n")
        await settle(pilot)
        left = [e for e in app.screen.query_one(WarningList).visible_rows
                if e.kind == "duplicate" and e.profile_id == "P007"]
        assert left == []
    decisions = {(d.kind, d.profile_id, d.remote_id) for d in console.decisions()}
    assert {("reject", "P007", r) for r in rejected} <= decisions
    assert console.sync("xero").ok  # the pair does not come back
    assert not [w for w in console.warnings() if w.kind == "duplicate" and w.profile_id == "P007"]


@pytest.mark.asyncio
async def test_merge_from_the_hand_entered_copy_keeps_the_linked_profile(
        console: BookConsole) -> None:
    assert console.sync("xero").ok
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await _open_profile(pilot, app, "P015")  # Tom Baker entered twice, sync off, no links
        await pilot.press("m")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        await _wait_for(pilot, lambda: merge.preview is not None, "the merge preview")
        assert merge.preview is not None
        assert (merge.preview.survivor_id, merge.preview.other_id) == ("P002", "P015")
        await pilot.press("enter")
        await settle(pilot)
        assert console.profile("P015").profile.extra["merged_into"] == "P002"
        tom = console.profile("P002")
        assert tom.profile.sync_enabled("xero") and tom.links[0].state == "linked"
        # Changed our mind: m on the merged profile unmerges it.
        profile = app.screen
        assert isinstance(profile, ProfileScreen) and profile.profile_id == "P015"
        assert "merged into P002" in str(profile.query_one("#profile-summary").render())
        await pilot.press("m")
        await settle(pilot)
    again = console.profile("P015").profile
    assert not again.archived and "merged_into" not in again.extra
    assert console.profile("P002").links[0].state == "linked"


@pytest.mark.asyncio
async def test_a_conflict_warning_keeps_the_remote_value_with_r(
        console: BookConsole, xero_sandbox: XeroSandbox) -> None:
    assert console.sync("xero").ok
    link = next(r for r in console.link_rows("xero") if r.profile_id == "P007" and r.remote_id)
    with console.writing("edit") as book:
        profile = book.profile("P007")
        profile.fields = ContactFields.from_dict({**profile.fields.to_dict(),
                                                  "phone": "+61 2 9000 0001"})
        book.put_profile(profile)
    assert not xero_sandbox.edit_contact(
        link.remote_id, Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "+61 2 9000 0002"}])
    assert console.sync("xero").ok
    assert any(w.kind == "conflict" and w.profile_id == "P007" for w in console.warnings())
    app = frozen_app(console)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        warnings = app.screen.query_one(WarningList)
        warnings.cursor = next(i for i, e in enumerate(warnings.visible_rows)
                               if e.kind == "conflict" and e.profile_id == "P007")
        await pilot.pause()
        await pilot.press("r")
        await _wait_for(pilot, lambda: console.profile("P007").profile.fields.phone
                        == "+61 2 9000 0002", "the remote phone in the book")
    assert not any(w.kind == "conflict" and w.profile_id == "P007" for w in console.warnings())
