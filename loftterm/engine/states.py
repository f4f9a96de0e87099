"""Link states: what each profile's 'Linked contact' field shows, per connector and role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.models import LinkState, Profile
from loftterm.views import LinkRow


def open_duplicates(book: Book, connector: str) -> dict[str, tuple[str, ...]]:
    """Profile id -> remote candidates of its open duplicate warning."""
    return {
        w.profile_id: tuple(w.remote_ids)
        for w in book.warnings.values()
        if w.kind == "duplicate" and w.connector == connector and not w.resolved
    }


def link_row(
    book: Book,
    info: ConnectorInfo,
    profile: Profile,
    role: str,
    duplicates: dict[str, tuple[str, ...]],
) -> LinkRow:
    """Derive one profile's link state for a connector and role, with an explanation."""
    link = book.link_of(profile.id, info.name, role)
    remote = book.remote_record(info.name, role, link.remote_id) if link else None
    verified = bool(book.connector_meta(info.name).get("last_full_pull"))
    org = planner.paid_through_organization(book, profile) if info.kind == "ledger" else None
    title = info.title
    base = LinkRow(
        profile_id=profile.id,
        name=profile.name,
        kind=profile.kind,
        connector=info.name,
        role=role,
        state=LinkState.BLANK,
        remote_id=link.remote_id if link else "",
        remote_name=remote.name if remote else "",
        remote_email=remote.email if remote else "",
        remote_status=remote.status if remote else "",
        method=link.method if link else "",
        score=link.score if link else 0.0,
    )

    def row(state: LinkState, why: str, candidates: tuple[str, ...] = ()) -> LinkRow:
        return replace(base, state=state, explanation=why, candidates=candidates)

    if not profile.sync_enabled(info.name):
        why = "sync turned off for this profile: no matching or pushing"
        return row(
            LinkState.DISABLED,
            why + ("; balances of the linked contact still update" if link else ""),
        )
    if org is not None:
        if link:
            return row(
                LinkState.MISPLACED,
                f"paid to {org.name}: bills and credit notes go to the "
                f"organization, so this profile's linked {title} contact must be blank; unlink it",
            )
        if book.link_of(org.id, info.name, role) is None:
            return row(
                LinkState.MISPLACED,
                f"paid to {org.name}, which has no linked {title} contact; "
                "link the organization (or sync: it is created)",
            )
        return row(
            LinkState.BLANK, f"blank is correct: paid to {org.name}, which holds the {title} link"
        )
    if link and remote is None:
        if not verified:
            return row(LinkState.LINKED, "not verified yet: run a sync")
        return row(
            LinkState.MISSING,
            f"{title} contact {link.remote_id} no longer exists (deleted or "
            "merged): Unlink, then relink by search",
        )
    if link and remote is not None and remote.status != "active":
        merged = f"; merged into {remote.merged_to}: relink to it" if remote.merged_to else ""
        return row(LinkState.ARCHIVED, f"linked {title} contact is {remote.status}{merged}")
    if link:
        return row(LinkState.LINKED, f"linked by {link.method}")
    candidates = duplicates.get(profile.id, ())
    if candidates:
        return row(
            LinkState.DUPLICATE,
            f"{len(candidates)} {title} contacts match equally; check the "
            f"All and Archived tabs in {title}, merge the duplicates, sync, then relink",
            candidates,
        )
    return row(LinkState.BLANK, "no linked contact: search to relink, or sync")


def link_rows(book: Book, info: ConnectorInfo) -> Iterator[LinkRow]:
    """Every profile's rows for one connector (one per role)."""
    duplicates = open_duplicates(book, info.name)
    for profile in book.profiles.values():
        if profile.archived:
            continue
        for role in info.roles:
            yield link_row(book, info, profile, role, duplicates)
