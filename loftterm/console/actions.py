"""What a person does through the console: links, reviews, decisions, merges, conflicts, pushes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loftterm.book import Book
from loftterm.console.base import ConsoleBase
from loftterm.engine import baseline as baselines
from loftterm.engine.baseline import conflicted
from loftterm.engine.decide import decisions as remembered
from loftterm.engine.decide import holds, review
from loftterm.engine.decide import merge as merging
from loftterm.engine.decide import merged as merged_contacts
from loftterm.engine.decide.actions import manual_link, proposal_from_dict, resolve_warnings
from loftterm.engine.decide.states import link_row, open_duplicates
from loftterm.engine.pipeline.sync import SyncOptions, run_connector
from loftterm.engine.planner import paid_through_organization
from loftterm.errors import RemoteError, UsageError
from loftterm.models import LinkState
from loftterm.views import BulkReview, LinkRow, Proposal, SyncReport

if TYPE_CHECKING:
    from loftterm.engine.batch.misplaced import MisplacedFix


class Actions(ConsoleBase):
    """The console's writes of a person's decisions (each under the book's write lock)."""

    def link(self, profile_id: str, connector: str, remote_id: str, role: str = "") -> LinkRow:
        """Link a profile to a remote record by hand (method ``manual``)."""
        role = self._role(connector, role)
        with self.writing("link") as book:
            manual_link(book, self.hooks(connector).info, profile_id, role, remote_id)
            remembered.record_link(book, connector, profile_id, remote_id)  # clears not-same/unlink
        return self._row(profile_id, connector, role)

    def unlink(self, profile_id: str, connector: str, role: str = "") -> LinkRow:
        """Clear a profile's link (the seeds' red Unlink button)."""
        role = self._role(connector, role)
        with self.writing("unlink") as book:
            book.profile(profile_id)
            dropped = book.drop_link(profile_id, connector, role)
            if dropped is None:
                raise UsageError(f"{profile_id} has no {connector} {role} link to clear")
            remembered.record_unlink(book, dropped)  # the pair is never relinked automatically
            # "duplicate" here says another record holds the email *besides the linked one*
            resolve_warnings(book, profile_id, connector, ("missing", "misplaced", "duplicate"))
        return self._row(profile_id, connector, role)

    def set_sync_enabled(self, profile_id: str, connector: str, enabled: bool) -> LinkRow:
        """Turn sync off or on for one profile and connector."""
        self._connector(connector)
        with self.writing("sync setting") as book:
            profile = book.profile(profile_id)
            disabled = [c for c in profile.sync_disabled if c != connector]
            profile.sync_disabled = disabled if enabled else [*disabled, connector]
            book.touch_profile(profile)
        return self._row(profile_id, connector, self._role(connector, ""))

    def reject_pair(
        self, profile_id: str, connector: str, remote_id: str
    ) -> remembered.Decision:
        """"Not the same": a remote record is not this profile; never linked or proposed again."""
        info = self.hooks(self._connector(connector).name).info
        with self.writing("not same") as book:
            return remembered.reject_pair(book, info, profile_id, remote_id)

    def reject_candidates(self, profile_id: str, connector: str) -> list[remembered.Decision]:
        """"None of these is the profile": reject every candidate of its duplicate warnings."""
        info = self.hooks(self._connector(connector).name).info
        with self.writing("not same") as book:
            return remembered.reject_candidates(book, info, profile_id)

    def forget_decision(self, key: str) -> remembered.Decision:
        """Drop one remembered decision; the next sync may link or propose the pair again."""
        with self.writing("forget decision") as book:
            return remembered.forget(book, key)

    def merge_profiles(
        self, survivor: str, other: str, dry_run: bool = False
    ) -> merging.MergeReport:
        """Merge ``other`` into ``survivor`` (``engine/decide/merge``); ``unmerge(other)`` reverses it."""
        if dry_run:
            report = merging.merge_profiles(
                Book.open(self.config.book), survivor, other, self._infos(), self._balance_rules()
            )
            report.dry_run = True
            return report
        with self.writing("merge") as book:
            return merging.merge_profiles(
                book, survivor, other, self._infos(), self._balance_rules()
            )

    def unmerge(self, other: str) -> merging.MergeReport:
        """Reverse the merge of ``other`` into another profile."""
        with self.writing("unmerge") as book:
            return merging.unmerge(book, other, self._infos(), self._balance_rules())

    def resolve_conflict(
        self, profile_id: str, connector: str, field: str, take: str, role: str = ""
    ) -> str:
        """Pick one side of a field changed on both sides and sync the connector to write it.

        ``take`` is ``local`` (the book's value goes to the remote) or ``remote``.  When the sync
        fails the choice is kept and the next sync writes it; the error is raised.
        :returns: a one-line account of what was written.
        """
        name = self._connector(connector).name
        info = self.hooks(name).info
        with self.writing("resolve conflict") as book:
            roles = [self._role(name, role)] if role else list(info.roles)
            candidates = [r for r in roles if conflicted(book, info, profile_id, r, field)]
            chosen = (candidates or roles)[0]
            link = baselines.resolve_conflict(book, info, profile_id, chosen, field, take)
            report = self._sync_in(
                book, [name], SyncOptions(sleep=self.sleep, ledgers=self._ledgers())
            )
        if not report.ok:
            raise RemoteError(
                f"kept the {take} {field} of {profile_id}, but the sync failed "
                f"({'; '.join(report.errors.values())}); the next sync writes it"
            )
        target = info.title if take == "local" else "the book"
        return f"{profile_id} {field}: the {take} value was written to {target} ({link.remote_id})"

    def relink_merged(
        self, profile_id: str, connector: str, role: str = "", remote_id: str = ""
    ) -> list[LinkRow]:
        """Relink a profile whose linked record was merged remotely to the surviving record."""
        name = self._connector(connector).name
        role = self._role(name, role) if role else ""
        with self.writing("relink merged") as book:
            links = merged_contacts.relink_merged(
                book, self.hooks(name).info, profile_id, role, remote_id
            )
        return [self._row(profile_id, name, link.role) for link in links]

    def decide_proposal(
        self, proposal_id: str, accept: bool, take: dict[str, str] | None = None
    ) -> Proposal:
        """Accept (link and update both sides with the chosen values) or reject (remember) a review.

        Accepting links the pair, sets the chosen values on the profile and runs the sync of the
        proposal's connector and of the profile's ledger connectors (config order) under the same
        write lock, so the values reach both sides now (``engine/decide/review``).  When that sync fails
        the link and values are kept and the next sync pushes them; the error is raised.
        """
        report: SyncReport | None = None
        with self.writing("review") as book:
            stored = book.proposals.get(proposal_id)
            if stored is None or not accept:
                decided = review.reject_proposal(book, proposal_id)
            else:
                info = self.hooks(self._connector(str(stored.get("connector"))).name).info
                decided, affected = review.accept_proposal(
                    book, info, self._ledger_infos(), proposal_id, take or {}
                )
                names = [n for n in self._sync_order() if n in affected]
                report = self._sync_in(
                    book, names, SyncOptions(sleep=self.sleep, ledgers=self._ledgers())
                )
            proposal = proposal_from_dict(decided)
        if report is not None and not report.ok:
            errors = "; ".join(f"{n}: {e}" for n, e in report.errors.items())
            raise RemoteError(
                f"linked {proposal.profile_id} to {proposal.remote_id} and saved the chosen "
                f"values, but pushing them failed ({errors}); the next sync pushes them"
            )
        return proposal

    def override_hold(self, proposal_id: str, kind: str) -> Proposal:
        """Create (``kind="create"``) or import (``"import"``) a held record anyway, now.

        The decision is remembered in the book, then the review's connector syncs under the same
        lock so the record is written at once; when that sync fails the decision is kept and the
        next sync carries it out.
        """
        with self.writing("review") as book:
            proposal = holds.open_hold(book, proposal_id)
            holds.override(book, proposal_id, kind)
            name = str(proposal["connector"])
            report = self._sync_in(book, [name], SyncOptions(sleep=self.sleep))
            decided = proposal_from_dict(book.proposals[proposal_id])
        self._raise_unless_ok(report, f"decided to {kind} it anyway")
        return decided

    def bulk_review(self, rule: BulkReview, apply: bool = False) -> list[Proposal]:
        """The held reviews a bulk action takes; with ``apply``, decide them all, then sync once.

        ``link`` links each pair by hand; ``create`` and ``import`` remember "anyway" for each
        held profile or record.  One sync of each affected connector then writes them.
        """
        if not apply:
            return [proposal_from_dict(p) for p in holds.bulk_select(self.book(), rule)]
        with self.writing("review") as book:
            chosen = holds.bulk_select(book, rule)
            names: list[str] = []
            for proposal in chosen:
                connector = str(proposal["connector"])
                if rule.action == "link":
                    info = self.hooks(self._connector(connector).name).info
                    review.accept_proposal(book, info, self._ledger_infos(), proposal["id"], {})
                else:
                    holds.override(book, str(proposal["id"]), rule.action)
                if connector not in names:
                    names.append(connector)
            order = [n for n in self._sync_order() if n in names]
            report = self._sync_in(book, order, SyncOptions(sleep=self.sleep, ledgers=self._ledgers()))
            decided = [proposal_from_dict(book.proposals[str(p["id"])]) for p in chosen]
        self._raise_unless_ok(report, f"decided {len(decided)} reviews")
        return decided

    def push_profile(self, profile_id: str, connector: str, anyway: bool = False) -> LinkRow:
        """Create a profile's contact in a ledger now (SortScape's "Create contact in Xero").

        Contacts that came from (or are only linked to) a field-service app are never created in
        a ledger by a sync; this runs the ledger's sync with the profile added to the creates.
        A create the ledger may already hold is held for review like any other, unless
        ``anyway`` (remembered as "create anyway").
        """
        conn = self._connector(connector)
        info = self.hooks(connector).info
        if info.kind != "ledger":
            raise UsageError(f"{connector} is not a ledger: push creates ledger contacts only")
        role = self._role(connector, "")
        with self.writing("push") as book:
            profile = book.profile(profile_id)
            if profile.archived:
                raise UsageError(f"{profile_id} {profile.name} is archived")
            if not profile.sync_enabled(connector):
                raise UsageError(f"sync to {connector} is off for {profile_id}; enable it first")
            org = paid_through_organization(book, profile)
            if org is not None:
                raise UsageError(
                    f"{profile.name} is paid to {org.name}: push the organization ({org.id})"
                )
            held = [r for r in info.roles if book.link_of(profile_id, connector, r) is not None]
            if held:
                link = book.link_of(profile_id, connector, held[0])
                raise UsageError(
                    f"{profile_id} is already linked to {info.title} {held[0]} "
                    f"{link.remote_id if link else ''}"
                )
            if anyway:
                for each in info.roles:
                    key = holds.create_anyway_key(connector, each, profile_id)
                    remembered.remember(book, key, role=each)
            result = run_connector(
                book,
                self.pm,
                connector,
                conn.settings,
                self.tokens.for_connector(connector),
                SyncOptions(
                    sleep=self.sleep,
                    extra_create_ids=frozenset({profile_id}),
                    ledgers=self._ledgers(),
                ),
            )
        if result.error is not None:
            raise result.error
        row = self._row(profile_id, connector, role)
        if row.state != LinkState.LINKED:
            said = [o for o in result.outcomes if o.profile_id == profile_id and o.reason]
            why = said[0].reason if said else row.explanation
            if said and said[0].status == "held":  # a person's decision, not a remote failure
                raise UsageError(
                    f"{profile_id} was not created in {info.title}: {why}; or create it anyway: "
                    f"loftterm push {profile_id} --connector {connector} --anyway"
                )
            raise RemoteError(f"{profile_id} was not created in {info.title}: {why}")
        return row

    def fix_misplaced(self, profile_id: str, connector: str) -> MisplacedFix:
        """The one-key fix of a misplaced link: unlink the own link of an agent paid to an org.

        A link that is plainly the organization's contact moves to the organization; ``todo``
        says what is left (the organization not linked: link it by search, or sync).
        """
        from loftterm.engine.batch.misplaced import fix_misplaced

        info = self.hooks(self._connector(connector).name).info
        with self.writing("fix misplaced") as book:
            fix = fix_misplaced(book, info, profile_id)
        book = self.book()
        duplicates = open_duplicates(book, info.name)
        for pid in (fix.profile_id, fix.organization_id):
            fix.rows.extend(
                link_row(book, info, book.profile(pid), role, duplicates) for role in info.roles
            )
        return fix
