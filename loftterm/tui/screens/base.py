"""What every loftterm screen shares: access to the app and reload-when-stale."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.screen import Screen

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp


class LofttermScreen(Screen[None]):
    """A screen that shows book data and reloads it when the book changed while it was hidden.

    Subclasses implement :meth:`reload`; the app bumps ``data_version`` after syncs and writes.
    """

    TITLE_TEXT = ""

    def __init__(self) -> None:
        super().__init__()
        self._loaded_version = -1

    @property
    def loft(self) -> LofttermApp:
        """The running :class:`~loftterm.tui.app.LofttermApp`."""
        return cast("LofttermApp", self.app)

    def reload(self) -> None:
        """Read the book again and redraw (override)."""

    def reload_if_stale(self) -> None:
        """Reload when the book changed since the last load."""
        if self._loaded_version != self.loft.data_version:
            self._loaded_version = self.loft.data_version
            self.reload()

    def on_mount(self) -> None:
        """Load the data the first time."""
        if self.TITLE_TEXT:
            self.sub_title = self.TITLE_TEXT
        self.reload_if_stale()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Reload when coming back to a screen after the book changed."""
        if self.is_mounted:
            self.reload_if_stale()
