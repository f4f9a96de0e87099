"""The automatic link pass: email first, then the best name, with ties left for a person."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ._index import NameIndex
from ._records import ArchivedHolder, Match, MatchRecord, MatchResult, Outbid, Tie
from ._text import DEFAULT_THRESHOLD, NameRule, check_rule, normalise, parse_threshold

_ONE = Fraction(1)


def _check_unique(records: Sequence[MatchRecord], side: str) -> None:
    seen: set[str] = set()
    for rec in records:
        if rec.key in seen:
            raise ValueError(f"{side} key {rec.key!r} appears more than once")
        seen.add(rec.key)


def match_records(
    locals_: Sequence[MatchRecord],
    remotes: Sequence[MatchRecord],
    *,
    rule: NameRule = "jaccard",
    threshold: Fraction | float | str = DEFAULT_THRESHOLD,
) -> MatchResult:
    """Decide which unlinked profiles link to which unlinked remote contacts.

    Pass only records that are not linked yet; keys must be unique on each side.

    1. **Email.**  A profile whose normalised email equals the email of exactly one *active*
       remote claims it; archived remotes holding the same email are reported in
       ``archived_holders`` and never linked.  Several active holders make a tie.  A remote
       claimed by several profiles is a tie for all of them.  A profile with an email match or
       tie is settled, and the remotes involved leave the name pool.  A profile whose email is
       held only by archived remotes goes on to the name rule.
    2. **Name.**  Each remaining profile's best active remote under ``rule`` at or above
       ``threshold`` (inclusive, exact).  Several remotes at the best score: a tie, no link.
       A remote that is the unique best of several profiles goes to the strictly highest
       score; equal top scores tie for all of them, and lower-scoring claimants are reported
       in ``outbid`` (they do not fall back to a second choice).  Blank names never match.

    Every list in the result is in local input order; keys inside a tie in input order.
    """
    rule = check_rule(rule)
    limit = parse_threshold(threshold)
    _check_unique(locals_, "local")
    _check_unique(remotes, "remote")
    placed: list[tuple[int, Match | Tie | Outbid]] = []
    holders: list[ArchivedHolder] = []

    # ---- email
    by_email: dict[str, list[MatchRecord]] = {}
    for rec in remotes:
        email = normalise(rec.email)
        if email:
            by_email.setdefault(email, []).append(rec)
    settled: set[int] = set()
    taken: set[str] = set()
    email_claims: dict[str, list[int]] = {}
    for i, loc in enumerate(locals_):
        email = normalise(loc.email) if loc.email else ""
        held = by_email.get(email) if email else None
        if not held:
            continue
        active = tuple(rec.key for rec in held if rec.active)
        archived = tuple(rec.key for rec in held if not rec.active)
        if archived:
            holders.append(ArchivedHolder(loc.key, archived))
        if len(active) == 1:
            email_claims.setdefault(active[0], []).append(i)
            settled.add(i)
        elif active:
            placed.append((i, Tie(loc.key, active, "email", _ONE)))
            settled.add(i)
            taken.update(active)
    for remote_key, claimants in email_claims.items():
        taken.add(remote_key)
        if len(claimants) == 1:
            i = claimants[0]
            placed.append((i, Match(locals_[i].key, remote_key, "email", _ONE)))
            continue
        for i in claimants:
            rivals = tuple(locals_[j].key for j in claimants if j != i)
            placed.append((i, Tie(locals_[i].key, (remote_key,), "email", _ONE, rivals)))

    # ---- name
    pool = [rec for rec in remotes if rec.active and rec.key not in taken]
    index = NameIndex(pool, rule, limit)
    cache: dict[str, tuple[Fraction, list[str]]] = {}
    name_claims: dict[str, list[tuple[int, Fraction]]] = {}
    for i, loc in enumerate(locals_):
        if i in settled:
            continue
        norm = normalise(loc.name)
        found = cache.get(norm)
        if found is None:
            num, den, units = index.best_units(norm)
            found = (Fraction(num, den), index.active_keys(units)) if units else (_ONE, [])
            cache[norm] = found
        score, keys = found
        if len(keys) == 1:
            name_claims.setdefault(keys[0], []).append((i, score))
        elif keys:
            placed.append((i, Tie(loc.key, tuple(keys), "name", score)))
    for remote_key, wanted in name_claims.items():
        if len(wanted) == 1:
            i, score = wanted[0]
            placed.append((i, Match(locals_[i].key, remote_key, "name", score)))
            continue
        top = max(score for _, score in wanted)
        winners = [i for i, score in wanted if score == top]
        winner_keys = tuple(locals_[i].key for i in winners)
        for i, score in wanted:
            key = locals_[i].key
            if score != top:
                placed.append((i, Outbid(key, remote_key, score, winner_keys)))
            elif len(winners) == 1:
                placed.append((i, Match(key, remote_key, "name", score)))
            else:
                rivals = tuple(k for k in winner_keys if k != key)
                placed.append((i, Tie(key, (remote_key,), "name", score, rivals)))

    placed.sort(key=lambda item: item[0])
    result = MatchResult(archived_holders=holders)
    for _, item in placed:
        if isinstance(item, Match):
            result.matches.append(item)
        elif isinstance(item, Tie):
            result.ties.append(item)
        else:
            result.outbid.append(item)
    return result
