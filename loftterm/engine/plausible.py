"""Plausible candidates: what could be the same person on the other side, before a write.

A create (push-new, a batch's missing contact, a QBO vendor or ``*`` customer) or an import
writes a second record for a person when the first one was missed.  Before either, the engine
asks this module for the *plausible candidates* on the other side; any candidate holds the
write for a person's review (``engine/decide/holds.py``).  A record is a plausible candidate of a
profile (or the reverse) when it has:

* the **same email** (normalised), archived records included;
* the **same phone** (digits only, at least six);
* an **equal name after folding** (accents, punctuation, ``&``, legal forms: see
  :mod:`loftterm.matching._fold`), or equal once trailing legal forms are dropped;
* a **name score in the review band**: the folded names score at least ``threshold -
  review_band`` under the connector's rule (ties at the top included: a tie is never resolved
  by writing a third record) -- unless both emails are known and differ: a near name is weak
  evidence, two different known emails strong evidence of two people.

Pairs a person already settled ("not the same", Unlink) are never candidates again.  Everything
here is pure: it reads the book and returns candidates, strongest first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import derived, planner
from loftterm.engine.decide import decisions
from loftterm.matching import (
    MatchRecord,
    NameIndex,
    NameRule,
    best_of,
    fold_core,
    name_score,
    normalise,
    phone_key,
)
from loftterm.matching import fold as fold_name
from loftterm.models import ContactFields, Profile, RemoteContact

DEFAULT_REVIEW_BAND = Fraction(15, 100)
"""How far below the link threshold a folded name score still holds a write (15 points)."""
MAX_CANDIDATES = 5
"""At most this many candidates are kept per held record (strongest first)."""
LAYERED_MAX = 0.25
LAYERED_MIN = 2000
"""A kept index serves while the records changed since it was built are at most this share of
it (or ``LAYERED_MIN`` records); past that it is built again."""

SAME_EMAIL = "same email"
SAME_PHONE = "same phone"
EQUAL_NAME = "equal name after folding"
NEAR_NAME = "near name"


def review_band(settings: Mapping[str, Any]) -> Fraction:
    """The configured ``match.review_band`` as an exact fraction (default 0.15)."""
    match = settings.get("match") or {}
    value = match.get("review_band")
    if value is None:
        return DEFAULT_REVIEW_BAND
    return Fraction(str(value))


def band_floor(settings: Mapping[str, Any]) -> Fraction:
    """The lowest folded name score that still makes a plausible candidate."""
    floor = planner.threshold(settings) - review_band(settings)
    return floor if floor > 0 else Fraction(1, 100)


STRONG = (SAME_EMAIL, SAME_PHONE, EQUAL_NAME)
"""Evidence that holds a write on its own; a near name (or a tie) holds only when the two
emails are not both known and different."""


def different_emails(normalised: str, other: str) -> bool:
    """True when both emails are known and differ (``normalised`` is already normalised)."""
    theirs = normalise(other)
    return bool(normalised) and bool(theirs) and normalised != theirs


@dataclass(frozen=True)
class Candidate:
    """One plausible candidate and the evidence for it.

    :param key: the candidate's remote id (for a held profile) or profile id (for a held record).
    :param name: its display name.
    :param score: the folded name score under the connector's rule.
    :param reasons: the evidence, strongest first (``same email``, ``same phone``, ...).
    :param note: what else a person should know (``archived``, ``linked to P003 Anna Lee``).
    """

    key: str
    name: str
    score: Fraction
    reasons: tuple[str, ...]
    note: str = ""

    @property
    def strength(self) -> tuple[int, int, int, Fraction]:
        """Sort key: email, then phone, then folded equality, then the score."""
        return (
            SAME_EMAIL in self.reasons,
            SAME_PHONE in self.reasons,
            EQUAL_NAME in self.reasons,
            self.score,
        )

    def describe(self) -> str:
        """E.g. ``Summit Realty Group A (name 86%)`` or ``Jo Ng (same email, name 40%; archived)``."""
        evidence = ", ".join((*self.reasons, f"name {float(self.score):.0%}")
                             if not any(r.startswith("name ") for r in self.reasons)
                             else self.reasons)
        return f"{self.name} ({evidence}{'; ' + self.note if self.note else ''})"


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    name: str
    email: str
    phone: str
    note: str


_Keys = str | list[str]  # one key, or several (most values are held by one record)


class CandidateIndex:
    """One side's records indexed by email, phone, folded name and folded name score."""

    def __init__(self, entries: Iterable[_Entry], rule: NameRule, floor: Fraction) -> None:
        self.rule, self.floor = rule, floor
        self.entries: dict[str, _Entry] = {}
        self.by_email: dict[str, _Keys] = {}
        self.by_phone: dict[str, _Keys] = {}
        self.by_name: dict[str, _Keys] = {}
        records: list[MatchRecord] = []
        for entry in entries:
            key = entry.key
            self.entries[key] = entry
            folded = fold_name(entry.name)
            for table, value in (
                (self.by_email, normalise(entry.email)),
                (self.by_phone, phone_key(entry.phone)),
                (self.by_name, folded),
                (self.by_name, "core:" + fold_core(entry.name)),
            ):
                if value and value != "core:":
                    held = table.get(value)
                    if held is None:
                        table[value] = key
                    elif isinstance(held, str):
                        table[value] = [held, key]
                    else:
                        held.append(key)
            if folded:
                records.append(MatchRecord(key, folded))
        self.names = NameIndex(records, rule, floor)

    def find_exact(self, key: str, name: str, email: str, phone: str) -> list[Candidate]:
        """The *other* records sharing an email, a phone or a folded name with one indexed record.

        The near-name search is left out: among records that are all indexed, each one's best
        name is itself, and ranking every pair would cost a search per record.
        """
        return self.find(name, email, phone, skip=key, near=False)

    def find(
        self, name: str, email: str, phone: str, skip: str = "", near: bool = True
    ) -> list[Candidate]:
        """Every plausible candidate of one record, strongest first.

        :param skip: a key never returned (the record itself).
        :param near: also search names within the review band (else exact evidence only).
        """
        return _find(((self, frozenset()),), name, email, phone, skip, near)


class LayeredIndex:
    """A candidate index built earlier with the records changed since laid over it.

    ``base`` is searched as if the ``changed`` keys were not in it; ``fresh`` indexes their
    records as they are now (those still to be indexed).  :meth:`find` answers what one index
    of the records as they are now would answer, without building it.
    """

    def __init__(self, base: CandidateIndex, changed: Set[str], fresh: CandidateIndex) -> None:
        self.layers: tuple[tuple[CandidateIndex, Set[str]], ...] = (
            (base, changed), (fresh, frozenset()))

    def find(
        self, name: str, email: str, phone: str, skip: str = "", near: bool = True
    ) -> list[Candidate]:
        """Every plausible candidate of one record, strongest first (see ``CandidateIndex``)."""
        return _find(self.layers, name, email, phone, skip, near)


def _find(
    layers: Sequence[tuple[CandidateIndex, Set[str]]],
    name: str,
    email: str,
    phone: str,
    skip: str,
    near: bool,
) -> list[Candidate]:
    """The candidates of one record among layers of (index, keys hidden in it)."""
    found: dict[str, list[str]] = {}
    lookups = (
        (SAME_EMAIL, "by_email", normalise(email)),
        (SAME_PHONE, "by_phone", phone_key(phone)),
        (EQUAL_NAME, "by_name", fold_name(name)),
        (EQUAL_NAME, "by_name", "core:" + fold_core(name)),
    )
    for reason, table, value in lookups:
        if not value or value == "core:":
            continue
        for index, hidden in layers:
            held = getattr(index, table).get(value, ())
            for key in (held,) if isinstance(held, str) else held:
                if key in hidden:
                    continue
                reasons = found.setdefault(key, [])
                if reason not in reasons:
                    reasons.append(reason)
    folded = fold_name(name)
    if folded and near:
        score, keys = functools.reduce(
            best_of, (index.names.best_except(folded, hidden) for index, hidden in layers))
        for key in keys:
            found.setdefault(key, [])
        if len(keys) > 1:
            for key in keys:
                found[key].append(f"tied at name {float(score):.0%}")
    out = []
    own_email = normalise(email)
    rule = layers[0][0].rule
    for key, reasons in sorted(found.items()):
        entry = next((index.entries[key] for index, hidden in layers
                      if key not in hidden and key in index.entries), None)
        if key == skip or entry is None:
            continue
        if not any(r in STRONG for r in reasons) and different_emails(own_email, entry.email):
            continue  # a near name is weak; two known, different emails outweigh it
        score = name_score(folded, fold_name(entry.name), rule) if folded else Fraction(0)
        out.append(Candidate(key, entry.name, score, tuple(reasons or [NEAR_NAME]), entry.note))
    out.sort(key=lambda c: c.strength, reverse=True)  # equal evidence: by key
    return out


def record_note(book: Book, connector: str, record: RemoteContact) -> str:
    """What a person should know of a candidate record: ``archived``, ``linked to P003 Anna Lee``."""
    notes: list[str] = [] if record.status == "active" else [record.status]
    holder = book.linked_profile(connector, record.role, record.remote_id)
    if holder:
        profile = book.profiles.get(holder)
        notes.append(f"linked to {holder}" + (f" {profile.name}" if profile else ""))
    return "; ".join(notes)


def profile_note(book: Book, info: ConnectorInfo, profile: Profile) -> str:
    """What a person should know of a candidate profile: ``linked to Xero R22``."""
    links = [link for r in info.roles if (link := book.link_of(profile.id, info.name, r))]
    return ", ".join(f"linked to {info.title} {link.remote_id}" for link in links)


def _remote_entry(book: Book, connector: str, record: RemoteContact) -> _Entry:
    note = record_note(book, connector, record)
    return _Entry(record.remote_id, record.name, record.email, record.fields.phone, note)


def _profile_entry(book: Book, info: ConnectorInfo, profile: Profile) -> _Entry:
    note = profile_note(book, info, profile)
    return _Entry(profile.id, profile.name, profile.email, profile.fields.phone, note)


def _settled(book: Book, connector: str, profile_id: str, remote_id: str) -> bool:
    return decisions.pair_excluded(book, connector, profile_id, remote_id) or planner.rejected(
        book, connector, remote_id
    )


def _index(
    info: ConnectorInfo, settings: Mapping[str, Any], entries: Iterable[_Entry]
) -> CandidateIndex:
    """The candidate index of one side under the connector's rule and review band."""
    rule = planner.name_rule(settings, info)
    return CandidateIndex(entries, rule, band_floor(settings))  # type: ignore[arg-type]


def _search(
    book: Book,
    connector: str,
    index: CandidateIndex | LayeredIndex,
    queries: Iterable[tuple[str, str, ContactFields]],
) -> dict[str, list[Candidate]]:
    """``(profile id, remote id, fields)`` queries -> the candidates no decision settled.

    One id of each query is blank: the side being searched for.
    """
    out: dict[str, list[Candidate]] = {}
    for profile_id, remote_id, fields in queries:
        found = [
            c
            for c in index.find(fields.name, fields.email, fields.phone)
            if not _settled(book, connector, profile_id or c.key, remote_id or c.key)
        ]
        if found:
            out[profile_id or remote_id] = found[:MAX_CANDIDATES]
    return out


def remote_candidates(
    book: Book,
    info: ConnectorInfo,
    settings: Mapping[str, Any],
    role: str,
    profiles: Sequence[Profile],
) -> dict[str, list[Candidate]]:
    """Profile id -> the remote records of ``role`` that could already be that profile.

    Every mirrored record of the role counts (archived, and linked to another profile, too):
    creating a second record next to any of them would be a duplicate in the ledger.
    """
    if not profiles:
        return {}
    index = _records_index(book, info, settings, role)
    return _search(book, info.name, index, ((p.id, "", p.fields) for p in profiles))


def _records_index(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any], role: str
) -> CandidateIndex:
    """The candidate index of every mirrored record of a role, built for this one check.

    Not kept between runs as the profiles' index is: runs that create are rarer than runs
    that import, and at 100k records it would hold about 125 MB for the next one.
    """
    records = (r for r in book.remote[info.name].values() if r.role == role)
    return _index(info, settings, (_remote_entry(book, info.name, r) for r in records))


def local_candidates(
    book: Book,
    info: ConnectorInfo,
    settings: Mapping[str, Any],
    records: Sequence[RemoteContact],
) -> dict[str, list[Candidate]]:
    """Remote id -> the local profiles that could already be that remote record.

    Every profile that is not archived counts (linked ones too: a second remote record of a
    linked person is a ledger duplicate, not a new person).
    """
    if not records:
        return {}
    index = _profiles_index(book, info, settings)
    return _search(book, info.name, index, (("", r.remote_id, r.fields) for r in records))


def _profiles_index(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any]
) -> CandidateIndex | LayeredIndex:
    """The candidate index of every profile that is not archived, kept with the book.

    A later run lays the profiles whose entry moved since (name, email, phone, or links of
    this connector; a balance or a baseline does not count) over the kept index until they
    are more than :data:`LAYERED_MAX` of it; then it is built again.  Building it costs
    about 1.5 s at 100k profiles and holds about 110 MB; a layer of a thousand profiles
    costs a few hundredths of a second.
    """
    key = ("candidates", info.name)
    state = (planner.name_rule(settings, info), band_floor(settings))
    kept = derived.kept_since(book, key, ("profiles", "links"), state)
    if kept is not None:
        base, changed = kept
        touched = {str(k) for k in changed["profiles"]} | {
            str(k[0]) for k in changed["links"] if isinstance(k, tuple) and k[1] == info.name}
        now = {pid: _entry_now(book, info, pid) for pid in sorted(touched)}
        stale = {pid for pid, entry in now.items() if entry != base.entries.get(pid)}
        if len(stale) <= max(LAYERED_MIN, int(len(base.entries) * LAYERED_MAX)):
            fresh = (entry for pid in sorted(stale) if (entry := now[pid]) is not None)
            return LayeredIndex(base, frozenset(stale), _index(info, settings, fresh))
    profiles = (p for p in book.profiles.values() if not p.archived)
    index = _index(info, settings, (_profile_entry(book, info, p) for p in profiles))
    derived.keep(book, key, index, state)
    return index


def _entry_now(book: Book, info: ConnectorInfo, profile_id: str) -> _Entry | None:
    """A profile's entry in the candidate index now (None: not indexed)."""
    profile = book.profiles.get(profile_id)
    return _profile_entry(book, info, profile) if profile and not profile.archived else None


def pair_candidate(
    settings: Mapping[str, Any], info: ConnectorInfo, profile: Profile, record: RemoteContact
) -> Candidate | None:
    """The folded evidence of one pair (``explain``): its score, and reasons if plausible."""
    entry = _Entry(record.remote_id, record.name, record.email, record.fields.phone, "")
    found = _index(info, settings, [entry]).find(profile.name, profile.email, profile.fields.phone)
    if found:
        return found[0]
    rule = planner.name_rule(settings, info)
    score = name_score(fold_name(profile.name), fold_name(record.name), rule)  # type: ignore[arg-type]
    return Candidate(record.remote_id, record.name, score, ())


def alike_among(
    book: Book,
    info: ConnectorInfo,
    settings: Mapping[str, Any],
    profiles: Sequence[Profile],
    checked: Sequence[Profile],
) -> dict[str, list[Candidate]]:
    """Profile id (of ``checked``) -> the other ``profiles`` sharing an email, phone or name.

    Used on the profiles about to be created in one run: creating two of them would put the
    duplicate in the ledger even though neither had a candidate there before the run.  Only
    exact evidence counts here (see :meth:`CandidateIndex.find_exact`).
    """
    if len(profiles) < 2:
        return {}
    index = _index(info, settings, (_profile_entry(book, info, p) for p in profiles))
    found = (
        (p.id, index.find_exact(p.id, p.name, p.email, p.fields.phone)) for p in checked
    )
    return {pid: others[:MAX_CANDIDATES] for pid, others in found if others}


def alike_records(
    book: Book, info: ConnectorInfo, settings: Mapping[str, Any], records: Sequence[RemoteContact]
) -> dict[str, list[Candidate]]:
    """Remote id -> the other ``records`` sharing an email, phone or folded name with it.

    Used on the records about to be imported in one run: importing two of them would put the
    duplicate in the book.
    """
    if len(records) < 2:
        return {}
    index = _index(info, settings, (_remote_entry(book, info.name, r) for r in records))
    found = (
        (r.remote_id, index.find_exact(r.remote_id, r.name, r.email, r.fields.phone))
        for r in records
    )
    return {rid: others for rid, others in found if others}
