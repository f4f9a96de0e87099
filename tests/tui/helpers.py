"""Helpers shared by the TUI pilot and snapshot tests."""

from __future__ import annotations

from textual.pilot import Pilot

from loftterm.console import Console
from loftterm.tui import LofttermApp, make_app


def frozen_app(console: Console, **kwargs: object) -> LofttermApp:
    """The app as the CLI builds it, with a clock that never moves (stable countdowns)."""
    return make_app(console, clock=lambda: 0.0, **kwargs)  # type: ignore[arg-type]


async def settle(pilot: Pilot[None]) -> None:
    """Let every worker finish, then let the UI process what they posted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def record_notifications(app: LofttermApp) -> list[tuple[str, str, str]]:
    """Wrap ``app.notify`` to record (title, message, severity)."""
    seen: list[tuple[str, str, str]] = []
    original = app.notify

    def notify(message: str, *, title: str = "", severity: str = "information",
               **kwargs: object) -> None:
        seen.append((title, message, severity))
        original(message, title=title, severity=severity, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return seen
