"""Misplaced links: the one-key fix of an agent paid to an organization that has a ledger link of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.engine.decide.actions import resolve_warnings
from loftterm.errors import UsageError
from loftterm.matching import normalise
from loftterm.models import Link, LinkMethod, Profile, RemoteContact
from loftterm.views import LinkRow


@dataclass
class MisplacedFix:
    """What the one-key fix of a misplaced link did, and what is left for the user."""

    profile_id: str
    organization_id: str
    connector: str
    done: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    rows: list[LinkRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the fix for ``--json`` output."""
        return {
            "profile_id": self.profile_id,
            "organization_id": self.organization_id,
            "connector": self.connector,
            "done": list(self.done),
            "todo": list(self.todo),
            "rows": [row.to_json() for row in self.rows],
        }


def belongs_to(org: Profile, record: RemoteContact) -> bool:
    """True when a remote record is plainly the organization's (same email or same name)."""
    if org.email and normalise(record.email) == normalise(org.email):
        return True
    names = {record.name, str(record.extra.get("display_name") or "")}
    return any(planner.display_key(n) == planner.display_key(org.name) for n in names if n)


def fix_misplaced(book: Book, info: ConnectorInfo, profile_id: str) -> MisplacedFix:
    """Unlink the own ledger link of a profile paid to an organization (the one-key fix).

    When the link held is plainly the organization's contact (same email or name) and the
    organization has none, the link moves to the organization instead of being dropped.  When
    the organization is still not linked afterwards, ``todo`` says what to do.
    """
    profile = book.profile(profile_id)
    org = planner.paid_through_organization(book, profile)
    if info.kind != "ledger":
        raise UsageError(f"{info.title} is not a ledger: agents keep their own {info.title} link")
    if org is None:
        raise UsageError(f"{profile.name} is not paid to an organization: nothing is misplaced")
    fix = MisplacedFix(profile.id, org.id, info.name)
    title = info.title
    for role in info.roles:
        own = book.link_of(profile.id, info.name, role)
        if own is not None:
            book.drop_link(profile.id, info.name, role)
            record = book.remote_record(info.name, role, own.remote_id)
            label = f"{record.name!r} ({own.remote_id})" if record else own.remote_id
            holder = book.linked_profile(info.name, role, own.remote_id)
            if (
                book.link_of(org.id, info.name, role) is None
                and record is not None
                and belongs_to(org, record)
                and not holder
            ):
                book.put_link(
                    Link(org.id, info.name, role, own.remote_id, LinkMethod.MANUAL, 1.0, now_iso())
                )
                fix.done.append(
                    f"moved the {title} {role} link {label} from {profile.name} to {org.name}: "
                    "it is the organization's contact"
                )
            else:
                fix.done.append(f"unlinked {profile.name}'s own {title} {role} {label}")
        if book.link_of(org.id, info.name, role) is None:
            fix.todo.append(
                f"{org.name} ({org.id}) has no linked {title} {role}: link it by search, or sync "
                f"(it is created in {title})"
            )
    if not fix.todo:
        resolve_warnings(book, profile.id, info.name, ("misplaced",))
    return fix
