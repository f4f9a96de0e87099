"""The headless facade the CLI and the TUI share: read views, take actions, run syncs.

Reads come from the book alone.  Every write takes the book's write lock for as long as it lasts
(a sync, a link, an unlink), so the TUI and a cron ``--sync`` on the same book never write at once.
"""

from __future__ import annotations

from collections.abc import Callable
from threading import Event

from loftterm.connector import SyncEvent
from loftterm.models import Warning as BookWarning
from loftterm.views import (
    Candidate,
    ConnectorStatus,
    LinkRow,
    ProfileView,
    Proposal,
    RunSummary,
    SyncReport,
)

EventCallback = Callable[[SyncEvent], None]


class Console:
    """One configured book with its connectors (interface; implemented in the foundation issue)."""

    def connectors(self) -> list[str]:
        """Return the enabled connectors' names, in config order."""
        raise NotImplementedError

    def status(self) -> list[ConnectorStatus]:
        """Return each enabled connector's dashboard status (organisation, last run, counts, pending)."""
        raise NotImplementedError

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        """Return the link rows (profile x connector x role), filtered."""
        raise NotImplementedError

    def profile(self, profile_id: str) -> ProfileView:
        """Return one profile with its links, warnings and the rules that apply."""
        raise NotImplementedError

    def search_remote(self, connector: str, query: str, role: str = "", limit: int = 20) -> list[Candidate]:
        """Rank the remote mirror for a relink: exact email first, then trigram score."""
        raise NotImplementedError

    def link(self, profile_id: str, connector: str, remote_id: str, role: str = "") -> LinkRow:
        """Link a profile to a remote record by hand (method ``manual``)."""
        raise NotImplementedError

    def unlink(self, profile_id: str, connector: str, role: str = "") -> LinkRow:
        """Clear a profile's link (the seeds' red Unlink button)."""
        raise NotImplementedError

    def set_sync_enabled(self, profile_id: str, connector: str, enabled: bool) -> LinkRow:
        """Turn sync off or on for one profile and connector."""
        raise NotImplementedError

    def warnings(self, include_resolved: bool = False) -> list[BookWarning]:
        """Return the open (or all) warnings, newest first."""
        raise NotImplementedError

    def runs(self, limit: int = 50) -> list[RunSummary]:
        """Return the sync history, newest first."""
        raise NotImplementedError

    def proposals(self, include_closed: bool = False) -> list[Proposal]:
        """Return the link-to-existing-contact reviews."""
        raise NotImplementedError

    def decide_proposal(self, proposal_id: str, accept: bool, take: dict[str, str] | None = None) -> Proposal:
        """Accept (link and update both sides with the chosen values) or reject (remember) a review."""
        raise NotImplementedError

    def sync(
        self,
        connector: str = "",
        dry_run: bool = False,
        on_event: EventCallback | None = None,
        cancel: Event | None = None,
    ) -> SyncReport:
        """Run the sync pipeline for one connector, or every enabled one in config order."""
        raise NotImplementedError
