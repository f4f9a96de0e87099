"""Who a batch document is paid to: the rules that send an agent's documents to its organization."""

from __future__ import annotations

from dataclasses import dataclass

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.models import Profile


def document_role(info: ConnectorInfo, kind: str) -> str:
    """The link role a document is posted against (QBO: bills to the vendor, invoices to the customer)."""
    wanted = "customer" if kind == "invoice" else "vendor"
    return wanted if wanted in info.roles else info.roles[0]


@dataclass(frozen=True)
class Payee:
    """Who a document goes to remotely, or why it cannot be posted.

    :param profile: the profile the batch names.
    :param target: the profile whose remote contact receives the document (the organization for
        an agent paid to one).
    :param role: the link role of that contact.
    :param remote_id: the contact, empty when there is none (``problem`` says why).
    :param problem: why the document cannot be posted; empty when it can.
    :param note: something to know that does not stop the post (a misplaced own link).
    """

    profile: Profile
    target: Profile
    role: str
    remote_id: str = ""
    problem: str = ""
    note: str = ""


def resolve_payee(book: Book, info: ConnectorInfo, profile_id: str, kind: str) -> Payee:
    """Apply the payee rules to one document's profile, from the book alone."""
    profile = book.profile(profile_id)
    org = planner.paid_through_organization(book, profile)
    target = org or profile
    role = document_role(info, kind)
    title = info.title
    note = ""
    if org is not None and any(book.link_of(profile.id, info.name, r) for r in info.roles):
        note = (
            f"{profile.name}'s own {title} link is ignored: paid to {org.name}, it must be "
            "blank (fix misplaced)"
        )

    def refused(problem: str, remote_id: str = "") -> Payee:
        return Payee(profile, target, role, remote_id, problem, note)

    if profile.archived:
        return refused(f"{profile.name} ({profile.id}) is archived")
    via = f"{profile.name} is paid to {org.name}, which " if org is not None else f"{target.name} "
    if org is not None and org.archived:
        return refused(f"{via}is archived: change who it is paid to")
    link = book.link_of(target.id, info.name, role)
    if link is None:
        if not target.sync_enabled(info.name):
            return refused(
                f"{via}has no linked {title} {role} and its sync is off: link it by hand or "
                "turn sync on"
            )
        return refused(f"{via}has no linked {title} {role}")
    record = book.remote_record(info.name, role, link.remote_id)
    if record is None:
        if book.connector_meta(info.name).get("last_full_pull"):
            return refused(
                f"{via}is linked to {title} {role} {link.remote_id}, which no longer exists: "
                "unlink it and relink by search",
                link.remote_id,
            )
    elif record.status != "active":
        merged = f" (merged into {record.merged_to}: relink to it)" if record.merged_to else ""
        return refused(
            f"{via}is linked to {title} {role} {record.name!r}, which is {record.status}{merged}",
            link.remote_id,
        )
    return Payee(profile, target, role, link.remote_id, "", note)
