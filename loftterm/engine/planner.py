"""Pure decisions over the book: what to link, create, update and import.

The sync phases act on these decisions and the pending counter counts them, so the counter
always explains exactly what the next sync will do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import company_names, derived
from loftterm.engine.baseline import book_is_newer, initial_baseline
from loftterm.engine.decide import decisions, merged
from loftterm.matching import (
    Match,
    MatchRecord,
    MatchResult,
    PassMemo,
    match_records,
    normalise,
    parse_threshold,
)
from loftterm.models import (
    ContactFields,
    Link,
    Profile,
    RemoteContact,
    comparable,
    phone_digits,
    raw_equal,
)

DEFAULT_THRESHOLD = "0.60"


def name_rule(settings: Mapping[str, Any], info: ConnectorInfo) -> str:
    """Return the configured name rule, or the connector's default."""
    match = settings.get("match") or {}
    return str(match.get("name_rule") or info.default_name_rule)


def threshold(settings: Mapping[str, Any]) -> Fraction:
    """Return the configured name threshold as an exact fraction."""
    match = settings.get("match") or {}
    return parse_threshold(match.get("name_threshold", DEFAULT_THRESHOLD))


def paid_through_organization(book: Book, profile: Profile) -> Profile | None:
    """Return the organization an agent or contact is paid to, if any (and it exists)."""
    if not profile.payable_to or profile.kind not in ("agent", "contact"):
        return None
    return book.profiles.get(profile.payable_to)


def paid_through_any(book: Book) -> set[str]:
    """The ids of every profile paid to an (existing) organization."""
    return {p.id for p in book.profiles.values() if paid_through_organization(book, p) is not None}


def must_stay_blank(book: Book, info: ConnectorInfo, profile: Profile) -> bool:
    """Seeds 000-002: an agent paid to an organization has a blank ledger link."""
    return info.kind == "ledger" and paid_through_organization(book, profile) is not None


def linkable_profiles(book: Book, info: ConnectorInfo, role: str) -> list[Profile]:
    """Profiles the link phase may link for a role: enabled, active, blank, not paid through an org."""
    return [
        p
        for p in book.profiles.values()
        if not p.archived
        and p.sync_enabled(info.name)
        and book.link_of(p.id, info.name, role) is None
        and not must_stay_blank(book, info, p)
    ]


def unlinked_remotes(book: Book, connector: str, role: str) -> list[RemoteContact]:
    """Mirrored records of a role that no profile is linked to."""
    known = derived.recall(book, ("unlinked", connector, role))
    if known is None:
        known = [
            r
            for r in book.remote[connector].values()
            if r.role == role and not book.linked_profile(connector, role, r.remote_id)
        ]
        derived.keep(book, ("unlinked", connector, role), known)
    return list(known)


def plan_links(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any], role: str
) -> MatchResult:
    """Match blank profiles against unlinked remote records of one role (email, then names).

    Field-service connectors never auto-link: a same-name, -phone or -email contact there
    becomes a proposal for review (``engine/pipeline/fieldsync``).
    """
    if info.kind == "field":
        return MatchResult([], [], [])
    locals_ = [MatchRecord(p.id, p.name, p.email) for p in linkable_profiles(book, info, role)]
    remotes = [
        MatchRecord(r.remote_id, r.name, r.email, r.status == "active")
        for r in unlinked_remotes(book, info.name, role)
        if not rejected(book, info.name, r.remote_id)
    ]
    if not locals_ or not remotes:
        return MatchResult([], [], [])
    rule, limit = name_rule(settings, info), threshold(settings)
    result = _matched(f"{info.name}:{role}", locals_, remotes, rule, limit)
    excluded = decisions.excluded_pairs(book, info.name)  # "not the same" and unlinked pairs
    if excluded:
        result = decisions.without_pairs(
            result, excluded, locals_, remotes, rule=rule, threshold=limit  # type: ignore[arg-type]
        )
    return result


#: The last matching pass of each connector and role, by its whole input: a routine sync in
#: a long-lived process (the TUI's auto-sync) asks the same question again, and at 100k
#: unlinked records the pass costs seconds.  The input is the key, so a hit is exact.  When
#: only the profiles changed (new ones), the pass reuses its index and best scores over the
#: same remote pool (``PassMemo``) and searches just the new names.
_LAST_PASS: dict[str, tuple[tuple[Any, ...], MatchResult]] = {}
_MEMOS: dict[str, PassMemo] = {}


def _matched(
    slot: str, locals_: list[MatchRecord], remotes: list[MatchRecord], rule: str, limit: Fraction
) -> MatchResult:
    content = (
        rule,
        limit,
        tuple((r.key, r.name, r.email) for r in locals_),
        tuple((r.key, r.name, r.email, r.active) for r in remotes),
    )
    last = _LAST_PASS.get(slot)
    if last is None or last[0] != content:
        memo = _MEMOS.setdefault(slot, PassMemo())
        found = match_records(locals_, remotes, rule=rule, threshold=limit,  # type: ignore[arg-type]
                              memo=memo)
        last = _LAST_PASS[slot] = (content, found)
    kept = last[1]  # callers edit the lists they get: hand out copies
    return MatchResult(list(kept.matches), list(kept.ties), list(kept.archived_holders),
                       list(kept.outbid))


COMMON_NAME_MIN = 2  # a normalised name held by more records than this is "common"


def name_counts(book: Book, connector: str) -> Counter[str]:
    """How many profiles and remote records of a connector hold each normalised name."""
    counts: Counter[str] = Counter(normalise(p.name) for p in book.profiles.values() if p.name)
    counts.update(normalise(r.name) for r in book.remote[connector].values() if r.name)
    return counts


def penalised(profile_email: str, remote_email: str) -> bool:
    """Two known, different emails: not the same person by the name alone."""
    a, b = normalise(profile_email), normalise(remote_email)
    return bool(a) and bool(b) and a != b


def penalised_matches(book: Book, info: ConnectorInfo, result: MatchResult) -> list[Match]:
    """Remove name matches whose two emails are known and differ from ``result``; return them.

    A name is weak evidence (two David Smiths), a known email strong: a record whose email
    differs from the profile's known email is never linked on the name alone (a ``suggested``
    warning asks a person instead).
    """
    kept: list[Match] = []
    dropped: list[Match] = []
    for match in result.matches:
        if match.method != "name":
            kept.append(match)
            continue
        profile = book.profiles[match.local_key]
        remote = next(
            (
                r
                for role in info.roles
                if (r := book.remote_record(info.name, role, match.remote_key)) is not None
            ),
            None,
        )
        if remote is None or not (profile.email and remote.email):
            kept.append(match)
            continue
        (dropped if penalised(profile.email, remote.email) else kept).append(match)
    result.matches = kept
    return dropped


def rejected(book: Book, connector: str, remote_id: str, profile_id: str = "") -> bool:
    """True when the user said a remote record is not one of ours (remembered decision).

    With ``profile_id``, also when they said it is not that profile (a rejected proposal:
    ``reject|connector|remote_id|profile_id``).
    """
    if f"reject|{connector}|{remote_id}" in book.decisions:
        return True
    return bool(profile_id) and f"reject|{connector}|{remote_id}|{profile_id}" in book.decisions


def recoverable(
    book: Book, info: ConnectorInfo, role: str
) -> Iterator[tuple[Profile, RemoteContact]]:
    """Remote records stamped with a blank profile's id: a create that died before it was linked."""
    for record in unlinked_remotes(book, info.name, role):
        profile = book.profiles.get(record.external_key) if record.external_key else None
        if profile is not None and book.link_of(profile.id, info.name, role) is None:
            if not decisions.pair_excluded(book, info.name, profile.id, record.remote_id):
                yield profile, record


def plan_creates(
    book: Book, info: ConnectorInfo, extra_ids: frozenset[str] = frozenset()
) -> list[tuple[Profile, str]]:
    """Payable agents and organizations (and a batch's profiles) with no remote record yet.

    An agent paid to an organization is never created itself: its organization is, once.
    """
    if info.kind != "ledger":
        return []
    wanted: dict[str, Profile] = {}
    for profile in book.profiles.values():
        if profile.archived or not (profile.is_payable or profile.id in extra_ids):
            continue
        target = paid_through_organization(book, profile) or profile
        if not target.archived and target.sync_enabled(info.name):
            wanted[target.id] = target
    return [
        (profile, role)
        for profile in wanted.values()
        for role in info.roles
        if book.link_of(profile.id, info.name, role) is None
    ]


def plan_imports(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any], role: str
) -> list[RemoteContact]:
    """Unlinked active remote records the import policy wants as new local profiles.

    The import phase still holds each one that has a plausible local candidate (the same email,
    a tie, a near name: ``engine/plausible``) for review instead of importing it.
    """
    policy = str(settings.get("import") or info.imports_remote)
    if policy == "none":
        return []
    chosen = []
    held = merged.survivor_ids(book, info, role)  # a proposed relink waits for a person
    held |= decisions.unlinked_remote_ids(book, info.name)  # unlinked by hand: not a new person
    agents = paid_agents_by_key(book)
    for record in unlinked_remotes(book, info.name, role):
        if record.status != "active" or record.merged_to:
            continue
        if record.remote_id in held:
            continue
        if rejected(book, info.name, record.remote_id):
            continue
        if policy == "customers" and record.is_supplier and not record.is_customer:
            continue
        if paid_agent_of(record, agents) is not None:
            continue  # the own contact of an agent paid to an organization: kept unlinked
        chosen.append(record)
    return chosen


def kind_for(record: RemoteContact) -> str:
    """The profile kind of an imported remote record."""
    if record.is_customer and not record.is_supplier:
        return "customer"
    if record.is_supplier and not record.is_customer:
        return "supplier"
    return "contact"


@dataclass(frozen=True)
class FieldDiff:
    """How a linked profile and its remote record differ, field by field."""

    push: frozenset[str]
    pull: frozenset[str]
    conflicts: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.push or self.pull or self.conflicts)


NO_DIFF = FieldDiff(frozenset(), frozenset(), frozenset())


def diff_link(
    profile: Profile, remote: RemoteContact, link: Link, fields: tuple[str, ...]
) -> FieldDiff:
    """Three-way compare with the link's baseline: a local change pushes, a remote change pulls.

    A link without a baseline yet (made by hand, or before baselines) is compared with the
    baseline it gets at its next sync (``baseline.initial_baseline``: blanks never erase).  Within
    a baseline a missing value is an empty one.
    """
    mine = company_names.local_fields(link, profile)
    if raw_equal(mine, remote.fields, fields):
        return NO_DIFF
    local, there, base = comparable(mine), comparable(remote.fields), link.baseline
    if not base:
        base = initial_baseline(mine, remote.fields, fields, book_newer=book_is_newer(profile, remote))
    push, pull, conflicts = set(), set(), set()
    for name in fields:
        if local[name] == there[name]:
            continue
        agreed = _baseline_value(base, name)
        if agreed == there[name]:
            push.add(name)
        elif agreed == local[name]:
            pull.add(name)
        else:
            conflicts.add(name)
    return FieldDiff(frozenset(push), frozenset(pull), frozenset(conflicts))


_EMPTY = comparable(ContactFields())


def _baseline_value(base: Mapping[str, Any], name: str) -> Any:
    """One field's agreed value, restoring what the book's compaction dropped."""
    empty = _EMPTY[name]
    value = base.get(name, empty)
    if name == "phone":
        return phone_digits(value)  # baselines stored before phones compared by digits
    if isinstance(empty, dict):
        return {**empty, **(value if isinstance(value, Mapping) else {})}
    return value


_Update = tuple[Profile, Link, RemoteContact, FieldDiff]


def plan_updates(book: Book, info: ConnectorInfo) -> Iterator[_Update]:
    """Linked, enabled, active pairs whose synced fields differ (the same book: the same list).

    After a few changes only the pairs they touched are compared again.
    """
    key = ("updates", info.name)
    kept = derived.kept_since(book, key, derived.pair_groups(info.name))
    if kept is not None and derived.few(kept[1], len(book.links)):
        table: dict[tuple[str, str, str], _Update] = kept[0]
        moved = derived.pairs_moved(book, info.name, info.roles, kept[1])
        if moved:
            for link_key in moved:
                table.pop(link_key, None)
                link = book.links.get(link_key)
                found = _differing(book, info, link) if link is not None else None
                if found is not None:
                    table[link_key] = found
            table = {k: table[k] for k in book.links if k in table}  # the book's order
    else:
        table = {}
        for link in list(book.links_of_connector(info.name)):
            found = _differing(book, info, link)
            if found is not None:
                table[(link.profile_id, link.connector, link.role)] = found
    derived.keep(book, key, table)
    return iter(list(table.values()))


def _differing(book: Book, info: ConnectorInfo, link: Link) -> _Update | None:
    profile = book.profiles.get(link.profile_id)
    remote = book.remote_record(info.name, link.role, link.remote_id)
    if profile is None or remote is None or profile.archived or remote.status != "active":
        return None
    if not profile.sync_enabled(info.name):
        return None
    diff = diff_link(profile, remote, link, info.fields_for(link.role))
    return (profile, link, remote, diff) if diff else None


def display_key(name: str) -> str:
    """Normalise a remote display name for clash checks."""
    return normalise(name)


def paid_agents_by_key(book: Book) -> dict[str, Profile]:
    """Profiles paid to an organization by normalised email and name (``email:``/``name:`` keys).

    Their own remote contact stays unlinked by the rules (seed 000: the user may maintain both
    contacts), so such a record is never imported as a new person, and ``organization_first``
    balances fall back to its AR.
    """
    index: dict[str, Profile] = {}
    for profile in book.profiles.values():
        if profile.archived or paid_through_organization(book, profile) is None:
            continue
        if profile.email:
            index.setdefault("email:" + normalise(profile.email), profile)
        if profile.name:
            index.setdefault("name:" + normalise(profile.name), profile)
    return index


def paid_agent_of(record: RemoteContact, index: Mapping[str, Profile]) -> Profile | None:
    """Return the agent paid to an organization whose own contact a remote record is, if any."""
    if not index:
        return None
    keys = (
        "email:" + normalise(record.email) if record.email else "",
        "name:" + normalise(record.name),
    )
    return next((index[key] for key in keys if key and key in index), None)
