"""Pilot tests driving the real BookConsole on the demo (sandboxes on 127.0.0.1, scratch book).

One demo per module, synced once: each test works on its own profiles (the order of the tests
matters only for the review, last, whose accept runs a sync).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

from loftterm.console import BookConsole
from loftterm.demo import start_demo
from loftterm.models import LinkState
from loftterm.plugins import make_plugin_manager
from loftterm.tui import LofttermApp
from loftterm.tui.messages import ActionDone, SyncFinished, SyncProgress
from loftterm.tui.screens.profile import ProfileScreen
from loftterm.tui.screens.relink import RelinkScreen
from loftterm.tui.screens.review import ReviewScreen
from loftterm.tui.screens.warnings import WarningList
from loftterm.tui.widgets.connector_panel import ConnectorPanel
from loftterm.tui.widgets.link_field import LinkField
from loftterm.tui.widgets.linklist import LinkList
from loftterm.tui.widgets.review_table import ReviewTable

from .helpers import frozen_app, settle

SIZE = (80, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BookConsole]:
    pm = make_plugin_manager()
    env = start_demo(pm, Path(tmp_path_factory.mktemp("demo")))
    try:
        console = BookConsole(env.config, pm)
        assert console.sync().ok
        yield console
    finally:
        env.close()


def _row(console: BookConsole, profile_id: str, connector: str = "xero", role: str = "") -> LinkState:
    rows = [r for r in console.link_rows(connector) if r.profile_id == profile_id
            and (not role or r.role == role)]
    assert rows, profile_id
    return rows[0].state


async def _open(pilot: Pilot[None], app: LofttermApp, text: str, state: str,
                connector: str = "xero", count: int = 1) -> ProfileScreen:
    await pilot.press("2")
    await settle(pilot)
    for _ in range(200):  # on a busy machine the Links screen may still be mounting
        if app.links.is_mounted and app.links.query(LinkList):
            break
        await pilot.pause(0.05)
    app.links.set_filters(state=state, connector=connector, text=text)
    await settle(pilot)
    assert app.links.query_one(LinkList).match_count == count
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ProfileScreen)
    return app.screen


@pytest.mark.asyncio
async def test_full_sync_on_the_demo_and_the_dashboard_fits(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("S")
        await settle(pilot)
        finished = [m for m in seen if isinstance(m, SyncFinished)]
        assert finished and finished[-1].report is not None and finished[-1].report.ok
        phases = {m.event.phase for m in seen if isinstance(m, SyncProgress)}
        assert "pull" in phases
        assert {m.event.connector for m in seen if isinstance(m, SyncProgress)} == set(
            demo.connectors())
        assert all(s.last_run is not None for s in demo.status())
        # three connectors fit 80x24: nothing scrolls, every panel is on screen
        panels = list(app.dashboard.query(ConnectorPanel))
        assert len(panels) == 3
        assert app.dashboard.query_one("#panels").max_scroll_y == 0
        assert all(p.region.bottom <= SIZE[1] - 1 for p in panels)


@pytest.mark.asyncio
async def test_open_a_warning_on_the_demo(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        entries = app.screen.query_one(WarningList).visible_rows
        first = next(i for i, e in enumerate(entries) if not e.proposal_id)
        await pilot.press(*["down"] * first, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.profile_id == entries[first].profile_id
        assert app.screen.view is not None and app.screen.view.warnings


@pytest.mark.asyncio
async def test_unlink_a_missing_link_on_the_demo(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, "elena", "missing")
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, screen.profile_id) == LinkState.BLANK
        assert screen.query_one(LinkField).row.state == LinkState.BLANK


@pytest.mark.asyncio
async def test_unlink_then_relink_through_search_on_the_demo(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, "tom baker", "linked")
        pid = screen.profile_id
        before = next(r for r in demo.link_rows("xero") if r.profile_id == pid).remote_id
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, pid) == LinkState.BLANK
        await pilot.press("slash")  # the query starts as the profile's name
        await settle(pilot)
        relink = app.screen
        assert isinstance(relink, RelinkScreen)
        assert relink.candidates[0].remote.remote_id == before
        assert not relink.candidates[0].linked_to
        await pilot.press("enter", "enter")
        await settle(pilot)
        rows = [r for r in demo.link_rows("xero") if r.profile_id == pid]
        assert rows[0].remote_id == before and rows[0].state == LinkState.LINKED
        assert app.screen is screen
        assert screen.query_one(LinkField).row.state == LinkState.LINKED


@pytest.mark.asyncio
async def test_qbo_relink_is_per_role_on_the_demo(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, "P003", "linked", "qbo", count=2)
        rows = {r.role: r for r in demo.link_rows("qbo") if r.profile_id == "P003"}
        assert isinstance(screen.focused, LinkField) and screen.focused.row.role == "vendor"
        await pilot.press("j")  # from the vendor field to the customer field
        focused = screen.focused
        assert isinstance(focused, LinkField) and focused.row.role == "customer"
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, screen.profile_id, "qbo", "customer") == LinkState.BLANK
        assert _row(demo, screen.profile_id, "qbo", "vendor") == LinkState.LINKED
        await pilot.press("slash")
        await settle(pilot)
        relink = app.screen
        assert isinstance(relink, RelinkScreen) and relink.role == "customer"
        assert "QuickBooks Online customer" in relink.title_text
        assert relink.candidates[0].remote.remote_id == rows["customer"].remote_id
        await pilot.press("enter", "enter")
        await settle(pilot)
        after = {r.role: r.remote_id for r in demo.link_rows("qbo") if r.profile_id == "P003"}
        assert after == {"vendor": rows["vendor"].remote_id, "customer": rows["customer"].remote_id}


@pytest.mark.asyncio
async def test_fix_a_misplaced_agent_and_disable_sync_on_the_demo(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, "liam", "misplaced")
        pid = screen.profile_id
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, pid) == LinkState.BLANK
        await pilot.press("d")
        await settle(pilot)
        assert not demo.profile(pid).profile.sync_enabled("xero")


@pytest.mark.asyncio
async def test_unlinking_an_organization_refreshes_its_payees_rows(demo: BookConsole) -> None:
    app = frozen_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, app, "rahman & co", "linked")
        org = next(r for r in app.links.query_one(LinkList).visible_rows
                     if r.name == "Rahman & Co Realty")
        assert org.kind == "organization"
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        app.links.set_filters(state="", text="aisha")
        await settle(pilot)
        aisha = [r for r in app.links.query_one(LinkList).visible_rows]
        assert [r.state for r in aisha] == [LinkState.MISPLACED]  # no `r` needed
        assert _row(demo, aisha[0].profile_id) == LinkState.MISPLACED


@pytest.mark.asyncio
async def test_review_on_the_demo_shows_the_ledger_left_and_sortscape_right(
        demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        proposals = demo.proposals()
        proposal = next(p for p in proposals if p.remote_id == "C-1003")
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        while screen.current is not None and screen.current.id != proposal.id:
            await pilot.press("n")
        table = screen.query_one(ReviewTable)
        assert (table.left_title, table.right_title) == ("Xero", "SortScape")
        name = next(f for f in table.fields if f.field == "name")
        assert (name.left, name.right) == ("Wei Zhang", "W. Zhang")
        differing = next(i for i, f in enumerate(proposal.fields) if f.differs)
        await pilot.press(*["down"] * differing, "left", "a")
        await settle(pilot)
        decided = next(p for p in demo.proposals(include_closed=True) if p.id == proposal.id)
        assert decided.status != "open"
        assert not any(isinstance(m, ActionDone) and not m.ok for m in seen)
