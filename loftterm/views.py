"""Read-only views of the book that the CLI tables, ``--json`` output and the TUI all show.

They are computed by :mod:`loftterm.console` from the book alone (no network), so diagnosis works
even when the remote is down.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from loftterm.models import LinkState, Profile, RemoteContact
from loftterm.models import Warning as BookWarning


@dataclass(frozen=True)
class LinkRow:
    """One profile's 'Linked contact' field for one connector and role."""

    profile_id: str
    name: str
    kind: str
    connector: str
    role: str
    state: LinkState
    remote_id: str = ""
    remote_name: str = ""
    remote_email: str = ""
    remote_status: str = ""
    method: str = ""
    score: float = 0.0
    explanation: str = ""
    candidates: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the row for ``--json`` output."""
        data = asdict(self)
        data["state"] = str(self.state)
        data["candidates"] = list(self.candidates)
        return data


@dataclass
class PendingCounter:
    """What the next sync (or batch) will touch, with the reasons, per connector."""

    to_pull: int = 0
    to_create_remote: int = 0
    to_create_local: int = 0
    to_link: int = 0
    to_update: int = 0
    to_archive: int = 0
    reasons: list[str] = field(default_factory=list)
    #: Creates and imports held for a person's review (possible duplicates): not in ``total``,
    #: because the next sync writes nothing for them.
    held: int = 0
    #: No full pull has run yet: every remote record is pulled, and the creates are an upper
    #: bound (each blank profile is matched against the pulled records before one is created).
    first_pull: bool = False

    @property
    def total(self) -> int:
        """Every record the next sync will write or link (pulls are reads and not counted)."""
        return (
            self.to_create_remote
            + self.to_create_local
            + self.to_link
            + self.to_update
            + self.to_archive
        )

    def to_json(self) -> dict[str, Any]:
        """Return the counter for ``--json`` output."""
        data = asdict(self)
        data["total"] = self.total
        return data


@dataclass(frozen=True)
class OutcomeRow:
    """What one record went through in a run."""

    profile_id: str
    name: str
    action: str
    status: str
    remote_id: str = ""
    reason: str = ""


@dataclass
class RunSummary:
    """One sync run as the history shows it."""

    id: str
    connector: str
    started: str
    finished: str
    ok: bool
    dry_run: bool
    counts: dict[str, int]
    api_calls: int
    error: str = ""
    outcomes: list[OutcomeRow] = field(default_factory=list)
    #: What the run noticed beyond its records (a tenant repointed, materials skipped...).
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the run for ``--json`` output."""
        return asdict(self)


@dataclass
class ConnectorStatus:
    """A connector as the dashboard shows it."""

    name: str
    title: str
    organisation: str
    last_run: RunSummary | None
    state_counts: dict[str, int]
    pending: PendingCounter
    sync_every_minutes: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the status for ``--json`` output."""
        return {
            "name": self.name,
            "title": self.title,
            "organisation": self.organisation,
            "last_run": self.last_run.to_json() if self.last_run else None,
            "states": self.state_counts,
            "pending": self.pending.to_json(),
            "sync_every_minutes": self.sync_every_minutes,
        }


@dataclass(frozen=True)
class Candidate:
    """A remote record offered by the relink search, best first."""

    remote: RemoteContact
    score: float
    by_email: bool
    linked_to: str = ""


@dataclass
class ProfileView:
    """Everything the profile screen shows."""

    profile: Profile
    payable_to_name: str
    links: list[LinkRow]
    warnings: list[BookWarning]
    rules: list[str]


@dataclass(frozen=True)
class ProposalField:
    """One row of the three-column review: remote value, proposed value, local value."""

    field: str
    left: str
    proposed: str
    right: str

    @property
    def differs(self) -> bool:
        """True when the two sides disagree (arrows are shown)."""
        return self.left != self.right


@dataclass
class Proposal:
    """One review in the queue: a (profile, remote record) pair a person decides.

    SortScape's "link to existing contact" proposals have no ``holds``; a held create or
    import names the side that waits (``create``: the profile is not created remotely until
    decided; ``import``: the remote record is not imported), with the evidence strongest first.
    """

    id: str
    connector: str
    profile_id: str
    remote_id: str
    reason: str
    fields: list[ProposalField]
    status: str = "open"
    role: str = ""
    holds: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    score: float = 0.0
    note: str = ""

    @property
    def strength(self) -> tuple[bool, bool, bool, float]:
        """Sort key, strongest evidence first when reversed: email, phone, folded name, score."""
        return (
            "same email" in self.evidence,
            "same phone" in self.evidence,
            "equal name after folding" in self.evidence,
            self.score,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the proposal for ``--json`` output."""
        return asdict(self)


@dataclass(frozen=True)
class BulkReview:
    """Which held reviews a bulk action decides, and how.

    :param action: ``create`` (create every held profile whose best candidate scores below
        ``below``), ``import`` (import every held record likewise) or ``link`` (link every
        unambiguous pair scoring at least ``above`` that shares every evidence in ``same``).
    :param connector: only this connector's reviews ('' for all).
    :param below: create and import: the best candidate's folded name score must be below this,
        and no candidate may share the email or phone (those always wait for a person).
    :param above: link: the pair's folded name score must be at least this.
    :param same: link: ``email``, ``phone`` and/or ``name`` (equal after folding).
    """

    action: str
    connector: str = ""
    below: float = 0.0
    above: float = 1.0
    same: tuple[str, ...] = ()


@dataclass
class SyncReport:
    """What one sync (of one or more connectors) did: the ``--sync --json`` object."""

    ok: bool
    dry_run: bool
    connectors: dict[str, dict[str, int]]
    errors: dict[str, str] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    exit_code: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the object documented for ``--sync --json``."""
        data: dict[str, Any] = {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "connectors": self.connectors,
        }
        if self.errors:
            data["errors"] = self.errors
        if self.dry_run:
            data["plan"] = self.plan
        return data
