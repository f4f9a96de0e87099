"""The headless facade the CLI and the TUI share (see :mod:`loftterm.console.actions`)."""

from loftterm.console.actions import BookConsole, Console, EventCallback

__all__ = ["BookConsole", "Console", "EventCallback"]
