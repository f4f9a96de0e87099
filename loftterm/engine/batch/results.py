"""What a batch did (or would do): one row per document, its counts and its headline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loftterm.errors import EXIT_OK
from loftterm.views import PendingCounter


@dataclass
class DocumentResult:
    """One document of a batch and what happened to it."""

    line: int
    deal: str
    date: str
    kind: str
    profile_id: str
    profile: str
    amount: str
    currency: str
    key: str
    payee_id: str = ""
    payee: str = ""
    contact_id: str = ""
    role: str = ""
    status: str = "pending"  # posted | exists | failed | planned | skipped
    remote_id: str = ""
    reason: str = ""
    references: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the document for ``--json`` output."""
        return dict(self.__dict__)


@dataclass
class BatchResult:
    """What a batch did (or, in a dry run, would do)."""

    batch: str
    source: str
    connector: str
    title: str
    dry_run: bool
    pending: PendingCounter
    documents: list[DocumentResult]
    sync: dict[str, int] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    error: str = ""
    exit_code: int = EXIT_OK
    run_id: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Documents per status."""
        out = {s: 0 for s in ("posted", "exists", "failed", "planned", "skipped")}
        for doc in self.documents:
            out[doc.status] = out.get(doc.status, 0) + 1
        return out

    @property
    def ok(self) -> bool:
        """True when nothing stopped the batch and no document failed or was skipped."""
        counts = self.counts
        return not self.error and not counts["failed"] and not counts["skipped"]

    def headline(self) -> str:
        """The batch's first line: what the sync before it touches, and why (the reasons follow)."""
        p = self.pending
        parts = [
            f"create remotely {p.to_create_remote}",
            f"link {p.to_link}",
            f"new local {p.to_create_local}",
            f"update {p.to_update}",
        ]
        if p.to_archive:
            parts.append(f"archive {p.to_archive}")
        return (
            f"{self.title}: {len(self.documents)} documents; the sync before posting touches "
            f"{p.total} records ({', '.join(parts)})"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the object ``loftterm batch --json`` prints."""
        data: dict[str, Any] = {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "batch": self.batch,
            "file": self.source,
            "connector": self.connector,
            "headline": self.headline(),
            "pending": self.pending.to_json(),
            "sync": self.sync,
            "counts": self.counts,
            "documents": [d.to_json() for d in self.documents],
            "run_id": self.run_id,
        }
        if self.error:
            data["error"] = self.error
        if self.dry_run:
            data["plan"] = self.plan
        return data
