"""The records the matcher reads and the results it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

MatchMethod = Literal["email", "name"]


@dataclass(frozen=True)
class MatchRecord:
    """One contact as the matcher sees it, local profile or remote ledger contact.

    :param key: unique within its side (profile id, ledger contact id).
    :param name: the display name compared by the name rule; blank names never link by name.
    :param email: compared after :func:`~loftterm.matching.normalise`; blank never links.
    :param active: False for archived or inactive remote contacts: they never auto-link, but an
        archived contact holding a profile's email is reported, and ``NameIndex.search`` finds
        them.  Ignored on the local side.
    """

    key: str
    name: str
    email: str = ""
    active: bool = True


@dataclass(frozen=True)
class Match:
    """A link the matcher would make.

    :param score: 1 for email links; the exact name score otherwise.
    """

    local_key: str
    remote_key: str
    method: MatchMethod
    score: Fraction


@dataclass(frozen=True)
class Tie:
    """A profile left unlinked because its best candidate is ambiguous.

    Either several remotes share the best score (``remote_keys`` holds them all, in input
    order), or one remote is the best for several profiles at the same score (``remote_keys``
    holds that remote and ``rivals`` the other profiles that claimed it).
    """

    local_key: str
    remote_keys: tuple[str, ...]
    method: MatchMethod
    score: Fraction
    rivals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchivedHolder:
    """Archived/inactive remotes holding a profile's email (duplicates to clean up in the ledger).

    Reported whether or not an active remote with the same email was linked.
    """

    local_key: str
    remote_keys: tuple[str, ...]


@dataclass(frozen=True)
class Outbid:
    """A profile whose best remote went to profiles with a strictly higher name score.

    The profile is left unlinked (it does not fall back to its second best); ``winners`` are the
    profiles at the top score (one linked, or several tied).
    """

    local_key: str
    remote_key: str
    score: Fraction
    winners: tuple[str, ...]


@dataclass
class MatchResult:
    """Everything one matching pass decided, each list in local input order."""

    matches: list[Match] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)
    archived_holders: list[ArchivedHolder] = field(default_factory=list)
    outbid: list[Outbid] = field(default_factory=list)
