"""Pilot tests of the review queue: held creates and imports beside SortScape's proposals."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from connectors.xero.sandbox.seed import DANIEL_OKAFOR_DOT_ID
from loftterm.console import BookConsole
from loftterm.tui.screens.bulk_review import BulkReviewScreen
from loftterm.tui.screens.review import ReviewList, ReviewScreen
from loftterm.views import BulkReview

from .fake_data import held_proposal
from .fakes import FakeConsole
from .helpers import frozen_app, record_notifications, settle

SIZE = (80, 24)


def with_held() -> FakeConsole:
    fake = FakeConsole()
    fake._proposals.append(held_proposal())
    return fake


@pytest.mark.asyncio
async def test_the_kind_filter_shows_held_creates_and_c_creates_anyway() -> None:
    fake = with_held()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert [p.id for p in screen.shown] == ["PR-1", "xero:P-003:X-33"]
        await pilot.press("f")  # link proposals only
        assert [p.id for p in screen.shown] == ["PR-1"]
        await pilot.press("f")  # held creates
        assert [p.id for p in screen.shown] == ["xero:P-003:X-33"]
        heading = str(screen.query_one("#review-heading").render())
        assert "Lee Realty Ltd is not created in Xero until you decide" in heading
        await pilot.press("c")
        await settle(pilot)
        assert ("override_hold", "xero:P-003:X-33", "create") in fake.calls


@pytest.mark.asyncio
async def test_import_anyway_is_refused_on_a_held_create() -> None:
    fake = with_held()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        seen = record_notifications(app)
        await pilot.press("5", "n", "i")
        await settle(pilot)
        assert not [c for c in fake.calls if c[0] == "override_hold"]
        assert any("does not hold its record's import" in text for _t, text, _s in seen)


@pytest.mark.asyncio
async def test_bulk_shows_the_count_then_decides() -> None:
    fake = with_held()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "B")
        await settle(pilot)
        bulk = app.screen
        assert isinstance(bulk, BulkReviewScreen)
        assert bulk.count == 0  # the held pair scores 100%: not below 0.5
        score = bulk.query_one("#bulk-score", Input)
        score.value = "1.01"
        await settle(pilot)
        assert bulk.rule() is None
        assert "from 0 to 1" in str(bulk.query_one("#bulk-count").render())
        score.value = "1"
        await settle(pilot)
        assert bulk.count == 0  # 100% is not below 100%
        await pilot.press("enter")
        await settle(pilot)
        assert not [c for c in fake.calls if c[0] == "bulk_review" and c[2]]
        fake._proposals[-1].score = 0.5
        score.value = "0.9"
        await settle(pilot)
        assert bulk.count == 1
        assert "1 review would be created anyway" in str(bulk.query_one("#bulk-count").render())
        await pilot.press("enter")
        await settle(pilot)
        assert ("bulk_review", BulkReview("create", below=0.9), True) in fake.calls
        assert not isinstance(app.screen, BulkReviewScreen)


@pytest.mark.asyncio
async def test_import_anyway_on_the_demo_imports_the_held_xero_record(
    xero_console: BookConsole, tmp_path: Path
) -> None:
    assert xero_console.sync("xero").ok
    held = [p for p in xero_console.proposals() if p.holds]
    assert [(p.remote_id, p.holds) for p in held] == [(DANIEL_OKAFOR_DOT_ID, ["import"])]
    app = frozen_app(xero_console)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert len(screen.query_one(ReviewList).visible_rows) == 1
        await pilot.press("i")
        await settle(pilot)
    book = xero_console.book()
    holder = book.linked_profile("xero", "contact", DANIEL_OKAFOR_DOT_ID)
    assert holder and book.profiles[holder].name == "Daniel Okafor."
    assert not [p for p in xero_console.proposals() if p.holds]
