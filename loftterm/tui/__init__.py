"""The Textual TUI of loftterm: ``make_app(console).run()``."""

from loftterm.tui.app import LofttermApp, make_app

__all__ = ["LofttermApp", "make_app"]
