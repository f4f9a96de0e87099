"""Type-ahead: keys typed in the same burst as a screen switch land on the new screen.

They also land where an earlier key of the burst moved the focus (``/`` then a filter text).

Over a slow SSH link the terminal delivers a burst such as ``2ttt`` in one read.  The driver
hands the app every key at once: :func:`burst` does exactly that (the pilot's ``press`` waits
for the app to settle after each key, which a user over SSH never does).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from loftterm.tui.app import LofttermApp
from loftterm.tui.screens.help import HelpScreen
from loftterm.tui.screens.links import LinksScreen
from loftterm.tui.screens.warnings import WarningsScreen
from loftterm.tui.widgets.linklist import LinkList

from .fakes import FakeConsole
from .helpers import frozen_app, settle

SIZE = (80, 24)


def burst(app: LofttermApp, *keys: str) -> None:
    """Hand the app every key of one terminal read at once, as its driver does."""
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def until(pilot: Pilot[None], done: Callable[[], bool]) -> None:
    """Let the app run until ``done()`` (held keys are replayed by a timer), at most ~10 s."""
    for _ in range(200):
        await settle(pilot)
        if done():
            return
        await pilot.pause(0.05)


@pytest.mark.asyncio
async def test_keys_typed_with_the_first_switch_to_links_cycle_its_state_filter() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "2", "t", "t", "t")
        await until(pilot, lambda: app.links.state_filter == "missing")
        assert isinstance(app.screen, LinksScreen)
        assert app.links.state_filter == "missing"  # all -> linked -> blank -> missing


@pytest.mark.asyncio
async def test_the_pilots_press_of_the_same_keys_agrees() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "t", "t", "t")
        await settle(pilot)
        assert isinstance(app.screen, LinksScreen) and app.links.state_filter == "missing"


@pytest.mark.asyncio
async def test_a_burst_across_two_switches_and_a_pushed_screen_keeps_its_order() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "2", "t", "3", "2", "t", "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.links.state_filter == "blank"
        assert isinstance(app.screen, HelpScreen), "the last key opened help over Links"
        assert app.current_mode == "links"
        burst(app, "escape", "3")
        await until(pilot, lambda: isinstance(app.screen, WarningsScreen))
        assert isinstance(app.screen, WarningsScreen)


@pytest.mark.asyncio
async def test_text_typed_after_a_key_that_moves_the_focus_lands_in_the_filter() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "2", "t", "slash", "t", "o", "m")
        await until(pilot, lambda: app.links.is_mounted
                    and app.links.query_one("#links-text", Input).value == "tom")
        assert app.links.state_filter == "linked"
        assert {r.name for r in app.links.query_one(LinkList).visible_rows} == {"Tom Baker"}
