"""Snapshots of every screen at 80x24 over the FakeConsole (fixed data, frozen clock).

Update after a deliberate visual change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from .fakes import FakeConsole
from .helpers import frozen_app, settle

Steps = Callable[[Pilot[Any]], Awaitable[None]]


def _keys(*keys: str) -> Steps:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause()

    return run


def _compare(snap_compare: Any, steps: Steps) -> None:
    assert snap_compare(frozen_app(FakeConsole()), terminal_size=(80, 24), run_before=steps)


def test_dashboard(snap_compare: Any) -> None:
    _compare(snap_compare, _keys())


def test_links(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("2"))


def test_links_filtered_missing(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("2", "t", "t", "t"))


def test_profile_misplaced_agent(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("2", "down", "down", "down", "enter"))


def test_profile_duplicate_with_search(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("2", "slash", *"cara", "enter", "enter", "slash"))


def test_warnings(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("3"))


def test_review(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("5", "down", "down", "left"))


def test_runs(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("4"))


def test_help(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("question_mark"))


def test_plan_before_a_sync(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("p"))


def test_plan_applied_with_a_skipped_record(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("p", "a"))


def test_explain_a_duplicate(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("2", "slash", *"cara", "enter", "enter", "e"))


def test_merge_from_a_duplicate_warning(snap_compare: Any) -> None:
    _compare(snap_compare, _keys("3", "down", "m"))
