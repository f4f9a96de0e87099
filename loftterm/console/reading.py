"""What the console shows: statuses, link rows, profiles, searches, warnings, reviews, evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from loftterm.config import ConnectorConfig
from loftterm.console import kept_status
from loftterm.console.base import ConsoleBase
from loftterm.engine.decide import decisions as remembered
from loftterm.engine.decide import merge as merging
from loftterm.engine.decide.actions import (
    profile_rules,
    proposal_from_dict,
    run_summary,
    search_mirror,
)
from loftterm.engine.decide.explain import Evidence, evidence
from loftterm.engine.decide.pending import pending_counter
from loftterm.engine.decide.states import link_row, link_rows, open_duplicates
from loftterm.engine.planner import name_counts
from loftterm.models import LinkState
from loftterm.models import Warning as BookWarning
from loftterm.views import (
    Candidate,
    ConnectorStatus,
    LinkRow,
    PendingCounter,
    ProfileView,
    Proposal,
    RunSummary,
)


class ReadingViews(ConsoleBase):
    """The console's reads: from the book alone, no network."""

    def connectors(self) -> list[str]:
        """Return the enabled connectors' names, in config order."""
        return [c.name for c in self.config.enabled()]

    def pending(self, name: str) -> PendingCounter:
        """Return the pending counter of one connector (cached until the book changes)."""
        stamp = self._file_stamp()
        cached = self._pending.get(name)
        if cached is None or cached[0] != stamp or stamp is None:
            counter = pending_counter(
                self.book(), self.hooks(name).info, self._connector(name).settings
            )
            self._pending[name] = (stamp, counter)
            return counter
        return cached[1]

    def _kept_digest(self) -> str:
        """The digest of the book file when it is the console's big book as read ('' if not).

        ``_digest_stamp`` is then the file stamp of that book: what is derived from the book
        is kept under this digest only while the console still holds the same book.
        """
        book = self.book()
        stamp = self._stamp
        digest = kept_status.book_digest(self.config.book) if book.in_parts else ""
        if stamp is None or self._file_stamp() != stamp:
            return ""  # saved by another process meanwhile: the digest is not this book's
        self._digest_stamp = stamp
        return digest

    def _kept(self, conn: ConnectorConfig, digest: str) -> kept_status.Kept | None:
        """What ``status`` kept for one connector of the book of ``digest`` (None: nothing)."""
        key = kept_status.status_key(digest, conn.name, conn.settings) if digest else ""
        return kept_status.recall(self.config.book, conn.name, key) if key else None

    def _status_of(self, conn: ConnectorConfig, digest: str) -> kept_status.Kept:
        """One connector's counts, pending counter and rows not linked: kept, or derived."""
        kept = self._kept(conn, digest)
        if kept is not None:
            return kept
        key = kept_status.status_key(digest, conn.name, conn.settings) if digest else ""
        book = self.book()
        counts = {str(state): 0 for state in LinkState}
        rows = []
        for row in link_rows(book, self.hooks(conn.name).info):
            counts[str(row.state)] += 1
            if row.state != LinkState.LINKED:
                rows.append(row)
        kept = kept_status.Kept(counts, self.pending(conn.name), rows)
        stamp = self._digest_stamp
        if key and self._stamp == stamp and self._file_stamp() == stamp and self._book is book:
            kept_status.keep(self.config.book, conn.name, key, kept)
        return kept

    def status(self) -> list[ConnectorStatus]:
        """Return each enabled connector's dashboard status.

        A big book's link-state counts and pending counter are kept beside it while it stands
        still (:mod:`loftterm.console.kept_status`): asked again, status reads no part.
        """
        book = self.book()
        digest = self._kept_digest()
        out = []
        for conn in self.config.enabled():
            info = self.hooks(conn.name).info
            kept = self._status_of(conn, digest)
            meta = book.connector_meta(conn.name)
            runs = [r for r in reversed(book.runs) if r.get("connector") == conn.name]
            every = int(conn.settings.get("sync_every_minutes") or 0)
            out.append(
                ConnectorStatus(
                    conn.name,
                    info.title,
                    str(meta.get("tenant_name") or "not synced yet"),
                    run_summary(runs[0]) if runs else None,
                    kept.counts,
                    kept.pending,
                    every,
                )
            )
        return out

    def keep_status(self) -> None:
        """Derive a big book's status now, so that ``status`` asked later reads what is kept.

        For the headless sync: cron's run pays ~0.7 s at 100k while it holds the book, and the
        support person's ``status`` after it reads no part (0.4 s instead of ~6 s).
        """
        if self.book().in_parts:
            self.status()

    def link_rows(self, connector: str = "", state: str = "", text: str = "") -> list[LinkRow]:
        """Return the link rows (profile x connector x role), filtered.

        Rows in a state other than ``linked`` come from what ``status`` kept while the book
        stands still (:mod:`loftterm.console.kept_status`); the others are derived (nothing is
        kept here: deriving the pending counter too would double a relink session's wait).
        """
        book = self.book()
        names = [connector] if connector else self.connectors()
        needle = text.strip().lower()
        enabled = {conn.name: conn for conn in self.config.enabled()}
        digest = self._kept_digest() if state and state != LinkState.LINKED else ""
        rows = []
        for name in names:
            info = self.hooks(name).info
            kept = self._kept(enabled[name], digest) if digest and name in enabled else None
            found: Iterable[LinkRow] = kept.rows if kept is not None else link_rows(book, info)
            for row in found:
                if state and str(row.state) != state:
                    continue
                if (
                    needle
                    and needle not in f"{row.profile_id} {row.name} {row.remote_name}".lower()
                ):
                    continue
                rows.append(row)
        return rows

    def iter_link_rows(self) -> Iterator[LinkRow]:
        """Yield every link row as it is derived, so a screen can paint the first ones at once.

        Reads one book object throughout: writes replace the console's book rather than change
        it, so a reader in a worker thread never sees a table change under it.
        """
        book = self.book()
        for name in self.connectors():
            yield from link_rows(book, self.hooks(name).info)

    def profile(self, profile_id: str) -> ProfileView:
        """Return one profile with its links, warnings and the rules that apply."""
        book = self.book()
        profile = book.profile(profile_id)
        org = book.profiles.get(profile.payable_to) if profile.payable_to else None
        rows: list[LinkRow] = []
        for name in self.connectors():
            info = self.hooks(name).info
            duplicates = open_duplicates(book, name)
            rows.extend(link_row(book, info, profile, role, duplicates) for role in info.roles)
        warnings = [
            w for w in book.warnings.values() if w.profile_id == profile_id and not w.resolved
        ]
        return ProfileView(
            profile, org.name if org else "", rows, warnings, profile_rules(book, profile)
        )

    def search_remote(
        self, connector: str, query: str, role: str = "", limit: int = 20
    ) -> list[Candidate]:
        """Rank the remote mirror for a relink: exact email first, then trigram score."""
        book = self.book()
        role = self._role(connector, role)
        return search_mirror(book, connector, role, query, limit)

    def warnings(self, include_resolved: bool = False) -> list[BookWarning]:
        """Return the open (or all) warnings, newest first."""
        found = [w for w in self.book().warnings.values() if include_resolved or not w.resolved]
        return sorted(found, key=lambda w: (w.last_seen, w.kind), reverse=True)

    def runs(self, limit: int = 50) -> list[RunSummary]:
        """Return the sync history, newest first."""
        return [run_summary(r) for r in reversed(self.book().runs[-limit:])]

    def proposals(self, include_closed: bool = False) -> list[Proposal]:
        """Return the review queue: link proposals first, then held pairs, strongest first."""
        found = [
            proposal_from_dict(p)
            for p in self.book().proposals.values()
            if include_closed or p.get("status", "open") == "open"
        ]
        links = [p for p in found if not p.holds]
        held = sorted((p for p in found if p.holds), key=lambda p: p.strength, reverse=True)
        return links + held

    def explain(self, profile_id: str, connector: str, limit: int = 3) -> list[Evidence]:
        """The evidence for a profile's link (or its best candidates) in one connector."""
        book = self.book()
        info = self.hooks(connector).info
        settings = self._connector(connector).settings
        profile = book.profile(profile_id)
        counts = name_counts(book, connector)
        found: list[Evidence] = []
        for role in info.roles:
            link = book.link_of(profile_id, connector, role)
            record = book.remote_record(connector, role, link.remote_id) if link else None
            seen = set()
            if record is not None:
                found.append(evidence(book, info, settings, profile, record, counts))
                seen.add(record.remote_id)
            for candidate in search_mirror(book, connector, role, profile.email or profile.name, limit):
                if candidate.remote.remote_id not in seen:
                    found.append(evidence(book, info, settings, profile, candidate.remote, counts))
                    seen.add(candidate.remote.remote_id)
            if profile.email:
                for candidate in search_mirror(book, connector, role, profile.name, limit):
                    if candidate.remote.remote_id not in seen:
                        found.append(evidence(book, info, settings, profile, candidate.remote, counts))
                        seen.add(candidate.remote.remote_id)
        return found

    def decisions(self) -> list[remembered.Decision]:
        """Every remembered decision (not-same, manual links, unlinks, reviews, merges)."""
        return remembered.list_decisions(self.book())

    def merge_candidates(self, profile_id: str) -> list[merging.MergeCandidate]:
        """Local profiles that may be the same person or business as ``profile_id``."""
        return merging.merge_candidates(self.book(), profile_id, self._infos())
