"""The dashboard panel's one-line pending counter, before and after the first pull."""

from __future__ import annotations

from loftterm.tui.widgets.connector_panel import pending_markup
from loftterm.views import PendingCounter


def test_before_the_first_pull_creates_are_an_upper_bound() -> None:
    text = pending_markup(PendingCounter(to_create_remote=6, first_pull=True), why=False)
    assert "pending up to 6" in text and "up to 6 to create remotely" in text
    assert "all to pull (first sync)" in text and "0 to pull" not in text


def test_after_a_full_pull_the_counts_are_exact() -> None:
    text = pending_markup(PendingCounter(to_pull=12, to_create_remote=2, to_update=3), why=False)
    assert "pending 5" in text and "up to" not in text
    assert "2 to create remotely" in text and "12 to pull" in text
