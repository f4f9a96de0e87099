"""The console's interface: what the CLI and the TUI ask of a book and its connectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from threading import Event

from loftterm.connector import SyncEvent
from loftterm.engine.decide import decisions as remembered
from loftterm.engine.decide import merge as merging
from loftterm.engine.decide.explain import Evidence
from loftterm.engine.runs.apply import ApplyReport
from loftterm.engine.runs.plan import Plan
from loftterm.models import Warning as BookWarning
from loftterm.views import (
    BulkReview,
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
    """One configured book with its connectors: the interface the TUI is written against."""

    def connectors(self) -> list[str]:
        """Return the enabled connectors' names, in config order."""
        raise NotImplementedError

    def status(self) -> list[ConnectorStatus]:
        """Return each enabled connector's dashboard status (organisation, last run, counts, pending)."""
        raise NotImplementedError

    def keep_status(self) -> None:
        """Derive the status now so that ``status`` asked later is quick (no-op: nothing kept)."""

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        """Return the link rows (profile x connector x role), filtered."""
        raise NotImplementedError

    def iter_link_rows(self) -> Iterator[LinkRow]:
        """Yield every link row as it is derived, so a screen can paint the first ones at once."""
        yield from self.link_rows()

    def profile(self, profile_id: str) -> ProfileView:
        """Return one profile with its links, warnings and the rules that apply."""
        raise NotImplementedError

    def search_remote(
        self, connector: str, query: str, role: str = "", limit: int = 20
    ) -> list[Candidate]:
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

    def decide_proposal(
        self, proposal_id: str, accept: bool, take: dict[str, str] | None = None
    ) -> Proposal:
        """Accept (link and update both sides with the chosen values) or reject (remember) a review."""
        raise NotImplementedError

    def override_hold(self, proposal_id: str, kind: str) -> Proposal:
        """Create (``kind="create"``) or import (``"import"``) a held record anyway, now."""
        raise NotImplementedError

    def bulk_review(self, rule: BulkReview, apply: bool = False) -> list[Proposal]:
        """The held reviews a bulk action takes; with ``apply``, decide them all, then sync once."""
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

    def explain(self, profile_id: str, connector: str, limit: int = 3) -> list[Evidence]:
        """The evidence for a profile's link (or its best candidates) in one connector."""
        raise NotImplementedError

    def plan(self, connector: str = "", on_event: EventCallback | None = None) -> Plan:
        """Make the plan of a sync (one connector, or every enabled one) without writing."""
        raise NotImplementedError

    def apply(self, plan: Plan) -> ApplyReport:
        """Carry out a plan exactly: skip what moved since, say why."""
        raise NotImplementedError

    def reject_candidates(self, profile_id: str, connector: str) -> list[remembered.Decision]:
        """"None of these is the profile": reject every candidate of its duplicate warnings."""
        raise NotImplementedError

    def reject_pair(
        self, profile_id: str, connector: str, remote_id: str
    ) -> remembered.Decision:
        """"Not the same": a remote record is not this profile; never linked or proposed again."""
        raise NotImplementedError

    def resolve_conflict(
        self, profile_id: str, connector: str, field: str, take: str, role: str = ""
    ) -> str:
        """Pick ``local`` or ``remote`` for a field changed on both sides; sync to write it."""
        raise NotImplementedError

    def merge_candidates(self, profile_id: str) -> list[merging.MergeCandidate]:
        """Local profiles that may be the same person or business as ``profile_id``."""
        raise NotImplementedError

    def merge_profiles(
        self, survivor: str, other: str, dry_run: bool = False
    ) -> merging.MergeReport:
        """Merge ``other`` into ``survivor``; ``unmerge(other)`` reverses it."""
        raise NotImplementedError

    def unmerge(self, other: str) -> merging.MergeReport:
        """Reverse the merge of ``other`` into another profile."""
        raise NotImplementedError
