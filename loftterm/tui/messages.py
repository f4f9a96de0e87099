"""Typed messages the TUI's workers post; tests wait on them instead of sleeping."""

from __future__ import annotations

from textual.message import Message

from loftterm.connector import SyncEvent
from loftterm.views import SyncReport


class SyncStarted(Message):
    """A sync worker started (``connector`` is "" for all)."""

    def __init__(self, connector: str) -> None:
        super().__init__()
        self.connector = connector


class SyncProgress(Message):
    """A :class:`SyncEvent` from the sync thread.

    Progress of the same connector and phase coalesces: a queued message is replaced by a newer
    one, so a fast sync never floods the UI.
    """

    def __init__(self, event: SyncEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        """Replace an older queued progress of the same connector and phase."""
        return (isinstance(message, SyncProgress)
                and message.event.connector == self.event.connector
                and message.event.phase == self.event.phase)


class SyncFinished(Message):
    """A sync ended: ``report`` is None when it failed (``error`` then says why)."""

    def __init__(self, connector: str, report: SyncReport | None, error: str = "",
                 cancelled: bool = False) -> None:
        super().__init__()
        self.connector = connector
        self.report = report
        self.error = error
        self.cancelled = cancelled


class ActionDone(Message):
    """A write (link, unlink, toggle, review decision) finished, successfully or not."""

    def __init__(self, label: str, ok: bool) -> None:
        super().__init__()
        self.label = label
        self.ok = ok


class DataChanged(Message):
    """The book changed (after a sync or an action): visible screens reload."""


class KeyHandled(Message):
    """Follows a typed key to the widget it was handed to and bubbles back to the app.

    Messages keep their order at every hop, so when this one reaches the app the key before it
    has been handled: consumed by a widget, or bubbled up and its binding run.
    """
