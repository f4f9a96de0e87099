"""The automatic link pass: email first, then the best name, with ties left for a person."""

from __future__ import annotations

import os
import pickle
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain

from loftterm.heap import gc_paused

from ._index import NameIndex, best_of
from ._records import ArchivedHolder, Match, MatchRecord, MatchResult, Outbid, Tie
from ._text import (
    DEFAULT_THRESHOLD,
    NameRule,
    check_rule,
    gram_set,
    normalise,
    parse_threshold,
)

_ONE = Fraction(1)
_ZERO = Fraction(0)
_FORK_MIN = 4000
"""Fewer distinct names than this are searched in-process: forking would cost more."""

_MEMO_POOL_MAX = 50_000
"""A pass memo keeps no index over a bigger pool (~1.1 MB per 1,000 names held: a first sync's)."""

_Best = tuple[int, int, list[str]]
"""A name's best score as ``(numerator, denominator, keys tied at it)``; no keys: none found."""
_NONE_BEST: _Best = (0, 1, [])


def _search(
    index: NameIndex, norms: list[str], grams: list[frozenset[str]] | None
) -> list[_Best]:
    """Each name's best in ``index``, with its keys (computed here, so by every worker)."""
    pairs: Iterable[tuple[str, frozenset[str] | None]] = (
        ((norm, None) for norm in norms) if grams is None else zip(norms, grams, strict=True))
    found: list[_Best] = []
    for norm, gram in pairs:
        num, den, units = index.best_units(norm, gram)
        found.append((num, den, index.active_keys(units)) if units else _NONE_BEST)
    return found


def _best_many(
    index: NameIndex, norms: list[str], grams: list[frozenset[str]] | None, workers: int
) -> list[_Best]:
    """Return each name's best in ``index``, forking ``workers - 1`` helpers if worth it.

    Helper ``k`` takes names ``k, k + workers, ...`` and sends its answers back pickled
    through a pipe; a helper that fails has its share done here instead.  Everything a name
    needs past the index (its trigrams when ``grams`` is None, its keys) is done by the
    worker that searches it: the parent's own part is what bounds many workers.
    """
    workers = min(workers, len(norms) // (_FORK_MIN // 2) or 1)
    if workers <= 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return _search(index, norms, grams)

    def share(part: int) -> list[_Best]:
        return _search(index, norms[part::workers], None if grams is None else grams[part::workers])

    children: list[tuple[int, int, int]] = []
    for part in range(1, workers):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            code = 1
            try:
                os.close(read)
                found = share(part)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        children.append((part, pid, read))
    results: list[list[_Best]] = [[] for _ in range(workers)]
    results[0] = share(0)
    for part, pid, read in children:
        with os.fdopen(read, "rb") as answers:
            payload = answers.read()
        _, status = os.waitpid(pid, 0)
        results[part] = pickle.loads(payload) if status == 0 and payload else share(part)
    merged: list[_Best] = [_NONE_BEST] * len(norms)
    for part, found in enumerate(results):
        merged[part::workers] = found
    return merged


def _query_grams(distinct: list[str], pool: int) -> list[frozenset[str]] | None:
    """The trigrams of the names looked up, when counting them pays; else None.

    Counting them lets the index filter on trigrams rare on both sides, which keeps candidate
    lists short when many names face a small pool.  Against a pool as big as the names (a
    first sync) the pool's own counts do as well (measured: the same search time at 100k), and
    computing every name's trigrams before the index would keep that work out of the workers.
    """
    if len(distinct) <= _COUNT_QUERIES_OVER * pool:
        return None
    return [gram_set(norm) for norm in distinct]


_COUNT_QUERIES_OVER = 2
"""Names looked up are counted into the index's trigram order past this many per pooled record."""


@dataclass
class PassMemo:
    """What a name pass may take from the last one: its index and best answers, by remote pool.

    A routine sync asks the link pass again with a few new profiles (or none) against almost
    the same unlinked remotes: the last pass linked a few of them, a pull brought a few more.
    The index built over the last pool is kept with the best answer found for each name;
    records gone from the pool (or renamed) are skipped in it (``NameIndex.best_except``) and
    those new to it are searched in a small index of their own, so only what changed costs.
    Past :data:`_LAYERED_MAX` of the pool new, or :data:`_GONE_MAX` of it gone, the index is
    built again.
    """

    index: NameIndex | None = None
    rule: tuple[str, Fraction] | None = None
    names: dict[str, str] = field(default_factory=dict)  # key -> name, of the pool indexed
    skip: frozenset[str] = frozenset()  # keys of ``names`` not in the pool now (as they were)
    answers: dict[str, tuple[Fraction, list[str]]] = field(default_factory=dict)

    def reuse(
        self, pool: Sequence[MatchRecord], rule: str, limit: Fraction
    ) -> list[MatchRecord] | None:
        """The records new to the kept index (to search beside it), or None: build one anew.

        Brings :attr:`skip` and :attr:`answers` up to the pool: an answer naming a record
        now skipped is dropped; all of them when a skipped record came back.
        """
        if self.index is None or self.rule != (rule, limit):
            return None
        now = {rec.key: rec.name for rec in pool}
        gone = frozenset(k for k, name in self.names.items() if now.get(k) != name)
        added = [rec for rec in pool if self.names.get(rec.key) != rec.name]
        if len(added) > max(_LAYERED_MIN, int(len(self.names) * _LAYERED_MAX)):
            return None
        if len(gone) > len(self.names) * _GONE_MAX:
            return None
        if not gone >= self.skip:  # a skipped record is back: it may beat a kept answer
            self.answers = {}
        elif gone != self.skip:
            newly = gone - self.skip
            self.answers = {norm: answer for norm, answer in self.answers.items()
                            if newly.isdisjoint(answer[1])}
        self.skip = gone
        return added


_LAYERED_MAX = 0.5
_LAYERED_MIN = 2000
#: Records gone from the pool only cost a skip in the kept index (never more than the search
#: it was built for), and most answers stand: it is built again only once it is mostly dead.
_GONE_MAX = 0.9


def _name_answers(
    pool: Sequence[MatchRecord],
    distinct: list[str],
    rule: NameRule,
    limit: Fraction,
    workers: int,
    memo: PassMemo | None,
) -> dict[str, tuple[Fraction, list[str]]]:
    """Each distinct normalised name -> its best score in ``pool`` and the keys tied at it."""
    kept = memo is not None
    memo = memo if memo is not None else PassMemo()
    added = memo.reuse(pool, rule, limit)
    delta = None
    if added is None:
        grams = _query_grams(distinct, len(pool))
        counts = None if grams is None else Counter(chain.from_iterable(grams))
        index = NameIndex(pool, rule, limit, query_grams=counts)
        found = _best_many(index, distinct, grams, workers)
        memo.index, memo.rule, memo.skip = index, (rule, limit), frozenset()
        memo.names = {rec.key: rec.name for rec in pool} if kept else {}
        memo.answers = _scored(distinct, found)
        out = {norm: answer for norm, answer in memo.answers.items() if answer[1]}
    else:
        assert memo.index is not None
        for norm in distinct:
            if norm not in memo.answers:
                memo.answers[norm] = memo.index.best_except(norm, memo.skip)
        delta = NameIndex(added, rule, limit) if added else None
        position: dict[str, int] = {}
        out = {}
        for norm in distinct:
            answer = memo.answers[norm]
            score, keys = answer if delta is None else best_of(answer, delta.best(norm))
            if len(keys) > 1:  # ties in the pool's order, as one index gives
                position = position or {rec.key: i for i, rec in enumerate(pool)}
                keys = sorted(keys, key=position.__getitem__)
            if keys:
                out[norm] = (score, keys)
    if len(pool) > _MEMO_POOL_MAX or not kept:
        memo.index, memo.names, memo.answers = None, {}, {}
    return out


def _scored(distinct: list[str], found: list[_Best]) -> dict[str, tuple[Fraction, list[str]]]:
    """Each name's answer with its score as a fraction (one object per distinct score)."""
    fractions: dict[tuple[int, int], Fraction] = {}
    answers: dict[str, tuple[Fraction, list[str]]] = {}
    for norm, (num, den, keys) in zip(distinct, found, strict=True):
        if keys:
            score = fractions.get((num, den))
            if score is None:
                score = fractions[num, den] = Fraction(num, den)
            answers[norm] = (score, keys)
        else:
            answers[norm] = (_ZERO, [])
    return answers


def _check_unique(records: Sequence[MatchRecord], side: str) -> None:
    if len({rec.key for rec in records}) == len(records):  # the usual case, in one C loop
        return
    seen: set[str] = set()
    for rec in records:
        if rec.key in seen:
            raise ValueError(f"{side} key {rec.key!r} appears more than once")
        seen.add(rec.key)


@gc_paused()  # millions of small containers and no cycles: the collector doubled the pass
def match_records(
    locals_: Sequence[MatchRecord],
    remotes: Sequence[MatchRecord],
    *,
    rule: NameRule = "jaccard",
    threshold: Fraction | float | str = DEFAULT_THRESHOLD,
    workers: int = 1,
    memo: PassMemo | None = None,
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

    ``workers > 1`` splits the name searches over that many processes with ``os.fork`` (POSIX
    only).  It is used only for large passes from a single-threaded process (forking a
    threaded process, such as a running TUI, is unsafe); otherwise the pass runs in this
    process.  The result is the same either way.

    ``memo`` (a :class:`PassMemo` kept by the caller between passes) reuses the last pass's
    index and best scores when the remote pool is the same; the result is the same either way.
    """
    rule = check_rule(rule)
    limit = parse_threshold(threshold)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
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
    wanted_norms: dict[int, str] = {}
    for i, loc in enumerate(locals_):
        if i not in settled:
            norm = normalise(loc.name)
            if norm:
                wanted_norms[i] = norm
    distinct = list(dict.fromkeys(wanted_norms.values()))
    pool = [rec for rec in remotes if rec.active and rec.key not in taken]
    best = _name_answers(pool, distinct, rule, limit, workers, memo)
    name_claims: dict[str, list[tuple[int, Fraction]]] = {}
    for i, norm in wanted_norms.items():
        found = best.get(norm)
        if found is None:
            continue
        loc = locals_[i]
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
