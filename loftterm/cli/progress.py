"""The headless progress printer for ``--sync``: one line per phase on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from loftterm.connector import SyncEvent


class ProgressPrinter:
    """Print a line when a phase starts or ends, and at most every few seconds in between."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = 2.0) -> None:
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._phase: tuple[str, str] | None = None
        self._last = 0.0

    def __call__(self, event: SyncEvent) -> None:
        """Consume one event."""
        key = (event.connector, event.phase)
        now = time.monotonic()
        if key == self._phase and now - self._last < self.interval_s and event.done != event.total:
            return
        self._phase, self._last = key, now
        total = f"/{event.total}" if event.total is not None else ""
        count = f" {event.done}{total}" if event.done or event.total else ""
        print(
            f"[{event.connector}] {event.phase}{count}: {event.message}",
            file=self.stream,
            flush=True,
        )
