"""Link states: what each profile's 'Linked contact' field shows, per connector and role."""

from __future__ import annotations

from collections.abc import Iterator

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.models import Link, LinkState, Profile, RemoteContact
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
    verified: bool | None = None,
) -> LinkRow:
    """Derive one profile's link state for a connector and role, with an explanation.

    ``verified`` (a full pull has run) is looked up when not given; :func:`link_rows` passes it
    once for every row.
    """
    link = book.link_of(profile.id, info.name, role)
    remote = book.remote_record(info.name, role, link.remote_id) if link else None
    if verified is None:
        verified = bool(book.connector_meta(info.name).get("last_full_pull"))
    state, why, candidates = _diagnose(book, info, profile, role, link, remote, duplicates,
                                       verified)
    # Built once per row (no dataclasses.replace): the Links screen builds 100k of these.
    return LinkRow(
        profile.id,
        profile.name,
        profile.kind,
        info.name,
        role,
        state,
        link.remote_id if link else "",
        remote.name if remote else "",
        remote.email if remote else "",
        remote.status if remote else "",
        link.method if link else "",
        link.score if link else 0.0,
        why,
        candidates,
    )


def _diagnose(
    book: Book,
    info: ConnectorInfo,
    profile: Profile,
    role: str,
    link: Link | None,
    remote: RemoteContact | None,
    duplicates: dict[str, tuple[str, ...]],
    verified: bool,
) -> tuple[LinkState, str, tuple[str, ...]]:
    """The state, its explanation and any duplicate candidates."""
    title = info.title
    if not profile.sync_enabled(info.name):
        why = "sync turned off for this profile: no matching or pushing"
        if link:
            why += "; balances of the linked contact still update"
        return LinkState.DISABLED, why, ()
    org = planner.paid_through_organization(book, profile) if info.kind == "ledger" else None
    if org is not None:
        if link:
            return (
                LinkState.MISPLACED,
                f"paid to {org.name}: bills and credit notes go to the "
                f"organization, so this profile's linked {title} contact must be blank; unlink it",
                (),
            )
        if book.link_of(org.id, info.name, role) is None:
            return (
                LinkState.MISPLACED,
                f"paid to {org.name}, which has no linked {title} contact; "
                "link the organization (or sync: it is created)",
                (),
            )
        return (
            LinkState.BLANK,
            f"blank is correct: paid to {org.name}, which holds the {title} link",
            (),
        )
    if link and remote is None:
        if not verified:
            return LinkState.LINKED, "not verified yet: run a sync", ()
        return (
            LinkState.MISSING,
            f"{title} contact {link.remote_id} no longer exists (deleted or "
            "merged): Unlink, then relink by search",
            (),
        )
    if link and remote is not None and remote.status != "active":
        merged = f"; merged into {remote.merged_to}: relink to it" if remote.merged_to else ""
        return LinkState.ARCHIVED, f"linked {title} contact is {remote.status}{merged}", ()
    if link:
        return LinkState.LINKED, f"linked by {link.method}", ()
    candidates = duplicates.get(profile.id, ())
    if candidates:
        return (
            LinkState.DUPLICATE,
            f"{len(candidates)} {title} contacts match equally; check the "
            f"All and Archived tabs in {title}, merge the duplicates, sync, then relink",
            candidates,
        )
    return LinkState.BLANK, "no linked contact: search to relink, or sync", ()


def link_rows(book: Book, info: ConnectorInfo) -> Iterator[LinkRow]:
    """Every profile's rows for one connector (one per role)."""
    duplicates = open_duplicates(book, info.name)
    verified = bool(book.connector_meta(info.name).get("last_full_pull"))
    for profile in book.profiles.values():
        if profile.archived:
            continue
        for role in info.roles:
            yield link_row(book, info, profile, role, duplicates, verified)
