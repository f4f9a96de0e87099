"""Sync progress and auto-sync bookkeeping: plain Python, no widgets, easy to test."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from loftterm.connector import SyncEvent

PHASE_ORDER = ("pull", "link", "import", "push-new", "push-changes", "archive", "diagnose")


@dataclass
class PhaseProgress:
    """The latest event of one phase."""

    phase: str
    done: int = 0
    total: int | None = None
    message: str = ""


@dataclass
class ConnectorProgress:
    """The phases of one connector's running (or just finished) sync."""

    phases: dict[str, PhaseProgress] = field(default_factory=dict)
    current: str = ""
    finished: bool = False

    def apply(self, event: SyncEvent) -> None:
        """Record one event."""
        if event.phase in ("done", "error"):
            self.finished = True
            self.current = event.phase
            return
        self.current = event.phase
        self.phases[event.phase] = PhaseProgress(event.phase, event.done, event.total,
                                                 event.message)

    def ordered(self) -> list[PhaseProgress]:
        """Return the phases seen so far, in pipeline order."""
        rank = {p: i for i, p in enumerate(PHASE_ORDER)}
        return sorted(self.phases.values(), key=lambda p: rank.get(p.phase, len(rank)))


class AutoSync:
    """When each connector syncs next, by an injectable monotonic clock.

    :param intervals: minutes between syncs per connector (0 = never).
    :param clock: seconds, monotonic; tests pass a fixed clock so countdowns never move.
    """

    def __init__(self, intervals: Mapping[str, float], clock: Callable[[], float]) -> None:
        self.clock = clock
        self.intervals = {name: m for name, m in intervals.items() if m > 0}
        start = clock()
        self.due = {name: start + m * 60 for name, m in self.intervals.items()}

    @property
    def enabled(self) -> bool:
        """True when at least one connector syncs automatically."""
        return bool(self.intervals)

    def seconds_left(self, name: str) -> float | None:
        """Seconds until ``name`` is due, or None when it has no auto-sync."""
        if name not in self.due:
            return None
        return max(self.due[name] - self.clock(), 0.0)

    def due_now(self) -> list[str]:
        """Return the connectors whose time has come."""
        now = self.clock()
        return [name for name, at in self.due.items() if at <= now]

    def reschedule(self, names: Iterable[str]) -> None:
        """Start the interval again for connectors that just synced."""
        now = self.clock()
        for name in names:
            if name in self.intervals:
                self.due[name] = now + self.intervals[name] * 60


def countdown(seconds: float | None) -> str:
    """Return ``"auto-sync in 29:59"`` or ``"auto-sync off"``."""
    if seconds is None:
        return "auto-sync off"
    whole = math.ceil(seconds)
    return f"auto-sync in {whole // 60:02d}:{whole % 60:02d}"
