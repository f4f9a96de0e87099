"""The state one connector's sync run carries from phase to phase."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorContext, ConnectorInfo, SyncEvent
from loftterm.models import Warning
from loftterm.plugins import ConnectorHooks
from loftterm.views import OutcomeRow

COUNT_KEYS = (
    "pulled",
    "created_local",
    "created_remote",
    "updated_remote",
    "updated_local",
    "linked",
    "held",
    "archived",
    "failed",
    "warnings",
    "api_calls",
)
MATERIAL_KEYS = ("materials_created", "materials_linked", "materials_updated")
"""Counted for field-service runs only (ledger products flowing into materials)."""


class SyncCancelled(Exception):
    """The user cancelled the run; what was done so far is kept."""


@dataclass
class RunState:
    """One connector's run: the book, the hooks, what happened so far."""

    book: Book
    hooks: ConnectorHooks
    info: ConnectorInfo
    settings: Mapping[str, Any]
    ctx: ConnectorContext
    dry_run: bool = False
    repoint: bool = False
    full_pull: bool = False
    on_event: Callable[[SyncEvent], None] = lambda event: None
    cancel: threading.Event | None = None
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    found: list[Warning] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: str = ""  # the undo journal files this run's writes under it (engine/runs/journal.py)
    held: dict[str, set[str]] = field(default_factory=dict)  # review id -> held kinds (holds.py)
    pulled_whole: bool = False  # a complete full pull: the run's last save rewrites every part

    @property
    def name(self) -> str:
        """The connector's name."""
        return self.info.name

    def emit(self, phase: str, done: int = 0, total: int | None = None, message: str = "") -> None:
        """Report progress to the caller and to observer plugins; honour a cancel request."""
        self.on_event(SyncEvent(self.name, phase, done, total, message))
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled(f"{self.name}: sync cancelled during {phase}")

    def outcome(
        self, profile_id: str, action: str, status: str, remote_id: str = "", reason: str = ""
    ) -> None:
        """Record what happened to one record (shown in the run history)."""
        profile = self.book.profiles.get(profile_id)
        name = profile.name if profile else profile_id
        self.outcomes.append(OutcomeRow(profile_id, name, action, status, remote_id, reason))
        if self.dry_run:
            verb = {
                "create": "would create",
                "update": "would update",
                "link": "would link",
                "import": "would import",
                "archive": "would archive",
            }.get(action, action)
            self.plan.append(
                f"{self.name}: {verb} {name} ({profile_id}){': ' + reason if reason else ''}"
            )

    def warn(
        self, kind: str, profile_id: str, message: str, remote_ids: list[str] | None = None
    ) -> None:
        """Raise a warning this run found (merged into the book by the diagnose phase)."""
        stamp = now_iso()
        self.found.append(
            Warning(kind, self.name, profile_id, message, sorted(remote_ids or []), stamp, stamp)
        )

    def title(self) -> str:
        """The connector's product name."""
        return self.info.title
