"""Pilot tests driving the real BookConsole on the demo (sandboxes on 127.0.0.1, scratch book)."""

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
from loftterm.tui.screens.review import ReviewScreen
from loftterm.tui.screens.warnings import WarningList
from loftterm.tui.widgets.link_field import LinkField
from loftterm.tui.widgets.linklist import LinkList
from loftterm.tui.widgets.relink import RelinkPanel

from .helpers import frozen_app, settle

SIZE = (80, 24)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[BookConsole]:
    pm = make_plugin_manager()
    env = start_demo(pm, tmp_path)
    try:
        yield BookConsole(env.config, pm)
    finally:
        env.close()


def _row(console: BookConsole, profile_id: str, connector: str = "xero") -> LinkState:
    rows = [r for r in console.link_rows(connector) if r.profile_id == profile_id]
    assert rows, profile_id
    return rows[0].state


async def _sync_all(pilot: Pilot[None], seen: list[Message]) -> SyncFinished:
    await pilot.press("S")
    await settle(pilot)
    finished = [m for m in seen if isinstance(m, SyncFinished)]
    assert finished, "no SyncFinished"
    return finished[-1]


async def _open(pilot: Pilot[None], app: LofttermApp, text: str, state: str) -> ProfileScreen:
    await pilot.press("2")
    await settle(pilot)
    app.links.set_filters(state=state, connector="xero", text=text)
    await pilot.pause()
    assert app.links.query_one(LinkList).match_count == 1
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ProfileScreen)
    return app.screen


@pytest.mark.asyncio
async def test_full_sync_on_the_demo(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        finished = await _sync_all(pilot, seen)
        assert finished.report is not None and finished.report.ok, finished.error
        phases = {m.event.phase for m in seen if isinstance(m, SyncProgress)}
        assert "pull" in phases
        assert {m.event.connector for m in seen if isinstance(m, SyncProgress)} == set(
            demo.connectors())
        assert all(s.last_run is not None for s in demo.status())


@pytest.mark.asyncio
async def test_unlink_a_missing_link_on_the_demo(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _sync_all(pilot, seen)
        screen = await _open(pilot, app, "elena", "missing")
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, screen.profile_id) == LinkState.BLANK
        assert screen.query_one(LinkField).row.state == LinkState.BLANK


@pytest.mark.asyncio
async def test_unlink_then_relink_through_search_on_the_demo(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _sync_all(pilot, seen)
        screen = await _open(pilot, app, "tom baker", "linked")
        pid = screen.profile_id
        before = next(r for r in demo.link_rows("xero") if r.profile_id == pid).remote_id
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, pid) == LinkState.BLANK
        await pilot.press("slash")  # the query starts as the profile's name
        await settle(pilot)
        panel = screen.query_one(RelinkPanel)
        assert panel.candidates[0].remote.remote_id == before
        assert not panel.candidates[0].linked_to
        await pilot.press("enter", "enter")
        await settle(pilot)
        rows = [r for r in demo.link_rows("xero") if r.profile_id == pid]
        assert rows[0].remote_id == before and rows[0].state == LinkState.LINKED
        assert screen.query_one(LinkField).row.state == LinkState.LINKED


@pytest.mark.asyncio
async def test_fix_a_misplaced_agent_and_disable_sync_on_the_demo(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _sync_all(pilot, seen)
        screen = await _open(pilot, app, "liam", "misplaced")
        pid = screen.profile_id
        await pilot.press("u")
        await settle(pilot)
        assert _row(demo, pid) == LinkState.BLANK
        await pilot.press("d")
        await settle(pilot)
        assert not demo.profile(pid).profile.sync_enabled("xero")


@pytest.mark.asyncio
async def test_open_a_warning_on_the_demo(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _sync_all(pilot, seen)
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
async def test_review_on_the_demo_takes_a_value_from_the_left(demo: BookConsole) -> None:
    seen: list[Message] = []
    app = frozen_app(demo)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _sync_all(pilot, seen)
        proposals = demo.proposals()
        if not proposals:
            pytest.skip("the demo produced no review")
        proposal = proposals[0]
        differing = next(i for i, f in enumerate(proposal.fields) if f.differs)
        await pilot.press("5")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press(*["down"] * differing, "left", "a")
        await settle(pilot)
        decided = next(p for p in demo.proposals(include_closed=True) if p.id == proposal.id)
        assert decided.status != "open"
        assert not any(isinstance(m, ActionDone) and not m.ok for m in seen)
