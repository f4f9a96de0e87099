"""An inverted trigram index over remote names: best candidate above a threshold, and search.

Records are grouped into *units* that always score alike: records with the same trigram set
(``jaccard``/``overlap``) or the same normalised name (``containment``).  Trigrams get integer
ids in order of global rarity (how many active units hold them, then the text), so a unit's
sorted ids start with its rarest trigrams.

``jaccard``/``overlap`` (threshold ``t``, query with ``n`` unique trigrams): a unit of ``m``
trigrams can reach ``t`` only when ``ceil(t*n) <= m <= floor(n/t)`` (size filter) and the two
share at least ``ceil(t*max(n, m))`` trigrams, so they share one within the query's first
``n - ceil(t*n) + 1`` and the unit's first ``m - ceil(t*m) + 1`` rarest trigrams (prefix
filter).  Only those unit prefixes are indexed, posting lists are sorted by size, candidates
are verified exactly in integers, and because a query only needs its best score (and whether
it ties) every verified score raises ``t`` and shrinks both filters as it goes.

``containment``: a longer name containing the query holds all the query's trigrams, so it is
in the posting list of the query's rarest trigram; a shorter name contained in the query has
its own rarest trigram among the query's, so each unit is also indexed once under its rarest
trigram.  Lists are sorted by length, the score depends on the lengths only, and lengths are
scanned from the best possible outwards so the first hit ends the scan.  Names under three
characters are looked up by substring.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

from ._records import MatchRecord
from ._text import DEFAULT_THRESHOLD, NameRule, check_rule, gram_set, normalise, parse_threshold

# (input position, key, normalised name, active)
_Rec = tuple[int, str, str, bool]
# per trigram id: unit sizes (ascending) and the units, parallel lists
_Postings = tuple[list[list[int]], list[list[int]]]
_NONE: tuple[int, int, list[int]] = (0, 1, [])
_FLAT_MAX = 20_000
"""Indexes of at most this many active units skip the per-size buckets at query time."""



def _postings(vocab: int, units: Iterable[tuple[int, int, Iterable[int]]]) -> _Postings:
    """Build posting lists from ``(size, unit, trigram ids)`` given in ascending size."""
    sizes: list[list[int]] = [[] for _ in range(vocab)]
    members: list[list[int]] = [[] for _ in range(vocab)]
    for size, unit, ids in units:
        for i in ids:
            sizes[i].append(size)
            members[i].append(unit)
    return sizes, members


class NameIndex:
    """Remote names indexed once for the automatic link pass and the relink search box.

    Only active records are candidates for :meth:`best`; :meth:`search` sees every record.
    Records whose normalised name is empty are left out of both.
    """

    def __init__(
        self,
        records: Iterable[MatchRecord],
        rule: NameRule = "jaccard",
        threshold: Fraction | float | str = DEFAULT_THRESHOLD,
    ) -> None:
        """Index ``records`` for ``rule``; ``threshold`` (see ``parse_threshold``) is fixed here."""
        self.rule: NameRule = check_rule(rule)
        self.threshold: Fraction = parse_threshold(threshold)
        self._num = self.threshold.numerator
        self._den = self.threshold.denominator
        by_text = self.rule == "containment"

        self._norm_unit: dict[str, int] = {}
        self._unit_norm: list[str] = []
        self._unit_recs: list[list[_Rec]] = []
        self._unit_active: list[bool] = []
        unit_grams: list[frozenset[str]] = []
        by_grams: dict[frozenset[str], int] = {}
        for pos, rec in enumerate(records):
            norm = normalise(rec.name)
            if not norm:
                continue
            unit = self._norm_unit.get(norm)
            if unit is None:
                grams = gram_set(norm)
                found = None if by_text else by_grams.get(grams)
                if found is None:
                    unit = len(self._unit_norm)
                    self._unit_norm.append(norm)
                    self._unit_recs.append([])
                    self._unit_active.append(False)
                    unit_grams.append(grams)
                    if not by_text:
                        by_grams[grams] = unit
                else:
                    unit = found
                self._norm_unit[norm] = unit
            self._unit_recs[unit].append((pos, rec.key, norm, rec.active))
            if rec.active:
                self._unit_active[unit] = True

        # Containment only indexes trigrams of names of three characters or more.
        indexed = [
            u for u in range(len(unit_grams)) if not by_text or len(self._unit_norm[u]) >= 3
        ]
        counts: Counter[str] = Counter()
        for u in indexed:
            if self._unit_active[u]:
                counts.update(unit_grams[u])
        vocab = set(counts)
        for u in indexed:
            vocab.update(unit_grams[u])
        ordered = sorted(vocab, key=lambda gram: (counts[gram], gram))
        self._gid: dict[str, int] = {gram: i for i, gram in enumerate(ordered)}
        self._vocab_set = frozenset(ordered)
        self._vocab = len(ordered)
        gid = self._gid.__getitem__
        empty: frozenset[int] = frozenset()
        self._unit_ids: list[frozenset[int]] = [empty] * len(unit_grams)
        for u in indexed:
            self._unit_ids[u] = frozenset(map(gid, unit_grams[u]))
        del unit_grams, by_grams
        self._unit_size: list[int] = (
            [len(norm) for norm in self._unit_norm]
            if by_text
            else [len(ids) for ids in self._unit_ids]
        )
        self._search_tables: _Postings | None = None
        self._search_rare: _Postings | None = None

        active = sorted(
            (u for u in indexed if self._unit_active[u]), key=self._unit_size.__getitem__
        )
        if by_text:
            self._post = _postings(
                self._vocab, ((self._unit_size[u], u, self._unit_ids[u]) for u in active)
            )
            self._rare = _postings(
                self._vocab, ((self._unit_size[u], u, (min(self._unit_ids[u]),)) for u in active)
            )
            # Names a query of one or two characters can be contained in: length <= 2 / t.
            self._short_sub: dict[str, list[int]] = {}
            longest = 2 * self._den // self._num
            for u, norm in enumerate(self._unit_norm):
                if self._unit_active[u] and len(norm) <= longest:
                    subs = {norm[i : i + k] for k in (1, 2) for i in range(len(norm) - k + 1)}
                    for sub in subs:
                        self._short_sub.setdefault(sub, []).append(u)
        else:
            self._build_prefix_buckets(active)

    def _build_prefix_buckets(self, active: list[int]) -> None:
        """Index each active unit's extended prefix by (trigram, unit size), by position.

        A unit of ``m`` trigrams (ids ascending, rarest first) is indexed under its first
        ``m - ceil(t*m) + 2`` ids: one more than the plain prefix filter needs, so a query can
        ask for two shared prefix trigrams instead of one.  Bucket ``gram * K + m`` holds the
        positions of that trigram in its units (ascending) and the units, so for one size a
        query takes exactly the entries whose position still allows the overlap it needs.
        """
        num, den = self._num, self._den
        base = self._key_base = 1 + max((self._unit_size[u] for u in active), default=0)
        live: list[tuple[int, int, list[int]]] = []
        for u in active:
            m = self._unit_size[u]
            live.append((u, m, sorted(self._unit_ids[u])[: m + (-num * m // den) + 2]))
        live.sort(key=lambda item: -len(item[2]))
        buckets: dict[int, tuple[list[int], list[int]]] = {}
        get = buckets.get
        j = 0
        while live:
            for u, m, prefix in live:
                key = prefix[j] * base + m
                bucket = get(key)
                if bucket is None:
                    buckets[key] = ([j], [u])
                else:
                    bucket[0].append(j)
                    bucket[1].append(u)
            j += 1
            while live and len(live[-1][2]) <= j:
                live.pop()
        self._buckets = buckets
        self._flat: list[list[int]] | None = None
        if len(active) <= _FLAT_MAX:
            self._flat = [[] for _ in range(self._vocab)]
            for key, (_, units) in buckets.items():
                self._flat[key // base].extend(units)
        # query sizes visited in order of the best score they allow: n, n+1, n-1, n+2, ...
        self._size_order: dict[int, list[int]] = {}

    # ------------------------------------------------------------------ best candidate

    def best(self, name: str) -> tuple[Fraction, list[str]]:
        """Return the best score at or above the threshold and the active keys tied at it.

        ``(Fraction(0), [])`` when no active record reaches the threshold.  More than one key
        means the best is a tie (keys in input order).
        """
        num, den, units = self.best_units(normalise(name))
        return (Fraction(num, den), self.active_keys(units)) if units else (Fraction(0), [])

    def best_units(self, norm: str) -> tuple[int, int, list[int]]:
        """Return ``(numerator, denominator, units)`` of the best score for a normalised name."""
        if not norm:
            return _NONE
        unit = self._norm_unit.get(norm)
        if unit is not None and self._unit_active[unit]:
            return 1, 1, [unit]
        if self.rule == "containment":
            return self._best_contained(norm)
        return self._best_grams(norm)

    def active_keys(self, units: list[int]) -> list[str]:
        """Return the keys of the active records of ``units``, in input order."""
        recs = [rec for u in units for rec in self._unit_recs[u] if rec[3]]
        if len(units) > 1:
            recs.sort()
        return [rec[1] for rec in recs]

    def _sizes(self, n: int) -> list[int]:
        """Unit sizes a query of ``n`` trigrams can reach the threshold with, best first."""
        sizes = self._size_order.get(n)
        if sizes is None:
            num, den = self._num, self._den
            sizes = sorted(
                range(-(-num * n // den), min(n * den // num, self._key_base - 1) + 1),
                key=lambda m: 2 * (n - m) if m <= n else 2 * (m - n) - 1,
            )
            self._size_order[n] = sizes
        return sizes

    def _best_grams(self, norm: str) -> tuple[int, int, list[int]]:
        grams = gram_set(norm)
        n = len(grams)
        shared = grams & self._vocab_set
        num, den = self._num, self._den  # the score to reach: the threshold, then the best
        if len(shared) < -(-num * n // den):  # fewer known trigrams than any match needs
            return _NONE
        unknown = n - len(shared)
        known = sorted(map(self._gid.__getitem__, shared))
        if self._flat is not None:
            return self._best_flat(n, known, unknown)
        overlap = frozenset(known).intersection
        jaccard = self.rule == "jaccard"
        base = self._key_base
        get = self._buckets.get
        unit_ids = self._unit_ids
        best: list[int] = []
        for m in self._sizes(n):
            if not -(-num * n // den) <= m <= n * den // num:  # outside the tightened window
                continue
            # The overlap a unit of size m needs.  A pair reaching it shares its two rarest
            # common trigrams within the query's first n - need + 2 trigrams and the unit's
            # first m - need + 2 (prefix filter, extended by one), or its only one if need is 1.
            whole = n + m if jaccard else (n if n > m else m)
            need = -(-num * whole // (num + den)) if jaccard else -(-num * whole // den)
            last = m - need + 1  # last unit position allowed
            slices = []
            for gram in known[: n - need + 2 - unknown]:
                bucket = get(gram * base + m)
                if bucket is not None:
                    positions, units = bucket
                    if positions[-1] <= last:
                        slices.append(units)
                    else:
                        slices.append(units[: bisect_right(positions, last)])
            if not slices:
                continue
            if need == 1:
                found = set().union(*slices)
            else:  # units in at least two slices, found with C set operations
                if len(slices) == 1:
                    continue
                once = set(slices[0])
                found = set()
                for units in slices[1:]:
                    found.update(once.intersection(units))
                    once.update(units)
            for u in found:
                common = len(overlap(unit_ids[u]))
                total = whole - common if jaccard else whole
                diff = common * den - num * total
                if diff > 0 or (diff == 0 and not best):
                    num, den, best = common, total, [u]
                elif diff == 0:
                    best.append(u)
        if len(best) > 1:
            best.sort()
        return (num, den, best) if best else _NONE

    def _best_flat(self, n: int, known: list[int], unknown: int) -> tuple[int, int, list[int]]:
        """Best for a small index: one pass over the trigram postings, sizes checked after."""
        num, den = self._num, self._den
        jaccard = self.rule == "jaccard"
        lowest = -(-num * n // den)  # smallest unit size, which allows the smallest overlap
        need = -(-num * (n + lowest) // (num + den)) if jaccard else lowest
        assert self._flat is not None
        post = self._flat
        slices = [post[gram] for gram in known[: n - need + 2 - unknown] if post[gram]]
        if need <= 1:
            found: set[int] = set().union(*slices)
        else:  # units in at least two slices
            if len(slices) < 2:
                return _NONE
            once = set(slices[0])
            found = set()
            for units in slices[1:]:
                found.update(once.intersection(units))
                once.update(units)
        overlap = frozenset(known).intersection
        unit_ids, unit_size = self._unit_ids, self._unit_size
        best: list[int] = []
        for u in found:
            m = unit_size[u]
            common = len(overlap(unit_ids[u]))
            total = n + m - common if jaccard else (n if n > m else m)
            diff = common * den - num * total
            if diff > 0 or (diff == 0 and not best):
                num, den, best = common, total, [u]
            elif diff == 0:
                best.append(u)
        if len(best) > 1:
            best.sort()
        return (num, den, best) if best else _NONE

    def _best_contained(self, norm: str) -> tuple[int, int, list[int]]:
        n = len(norm)
        num, den = self._num, self._den
        best: list[int] = []
        unit_norm = self._unit_norm

        def offer(s_num: int, s_den: int, unit: int) -> None:
            nonlocal num, den, best
            diff = s_num * den - num * s_den
            if diff > 0 or (diff == 0 and not best):
                num, den, best = s_num, s_den, [unit]
            elif diff == 0:
                best.append(unit)

        ids = [self._gid.get(gram) for gram in gram_set(norm)] if n >= 3 else []
        # Longer names containing the query: shortest first, the first hit is the best.
        longest = n * den // num
        if longest > n:
            if n < 3:
                for u in self._short_sub.get(norm, ()):
                    if n < len(unit_norm[u]) <= longest:
                        offer(n, len(unit_norm[u]), u)
            elif None not in ids:
                lengths, units = self._post[0][min(ids)], self._post[1][min(ids)]  # type: ignore[type-var]
                hit = 0
                for j in range(bisect_right(lengths, n), bisect_right(lengths, longest)):
                    if hit and lengths[j] != hit:
                        break
                    if norm in unit_norm[units[j]]:
                        hit = lengths[j]
                        offer(n, hit, units[j])
        # Shorter names contained in the query: longest first.
        shortest = -(-num * n // den)
        if shortest < n:
            rare_lengths, rare_units = self._rare
            for gram in {i for i in ids if i is not None}:
                lengths, units = rare_lengths[gram], rare_units[gram]
                j = bisect_left(lengths, n) - 1
                while j >= 0 and lengths[j] >= shortest:
                    if unit_norm[units[j]] in norm:
                        offer(lengths[j], n, units[j])
                        shortest = -(-num * n // den)
                    j -= 1
            for k in range(max(shortest, 1), min(2, n - 1) + 1):
                for sub in {norm[i : i + k] for i in range(n - k + 1)}:
                    u = self._norm_unit.get(sub)
                    if u is not None and self._unit_active[u]:
                        offer(k, n, u)
        return (num, den, best) if best else _NONE

    # ------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 20) -> list[tuple[str, Fraction]]:
        """Rank every record, active or not, against ``query`` for the relink search box.

        No threshold: any score above 0 under the index's rule is listed, best first, then by
        normalised name and input order; at most ``limit`` entries.
        """
        norm = normalise(query)
        if not norm or limit <= 0:
            return []
        scores = self._contained_scores(norm) if self.rule == "containment" else self._scores(norm)
        ranked = heapq.nsmallest(
            limit,
            ((-score, rec[2], rec[0], rec[1]) for u, score in scores.items()
             for rec in self._unit_recs[u]),
        )
        return [(key, -neg) for neg, _, _, key in ranked]

    def _search_postings(self) -> _Postings:
        if self._search_tables is None:
            order = sorted(range(len(self._unit_norm)), key=self._unit_size.__getitem__)
            self._search_tables = _postings(
                self._vocab, ((self._unit_size[u], u, self._unit_ids[u]) for u in order)
            )
            self._search_rare = _postings(
                self._vocab,
                ((self._unit_size[u], u, (min(self._unit_ids[u]),))
                 for u in order if self._unit_ids[u]),
            )
        return self._search_tables

    def _scores(self, norm: str) -> dict[int, Fraction]:
        grams = gram_set(norm)
        n = len(grams)
        known = {i for i in map(self._gid.get, grams) if i is not None}
        members = self._search_postings()[1]
        candidates: set[int] = set().union(*(members[i] for i in known))
        out: dict[int, Fraction] = {}
        for u in candidates:
            common = len(known & self._unit_ids[u])
            m = self._unit_size[u]
            out[u] = Fraction(common, n + m - common if self.rule == "jaccard" else max(n, m))
        return out

    def _contained_scores(self, norm: str) -> dict[int, Fraction]:
        n = len(norm)
        members = self._search_postings()[1]
        assert self._search_rare is not None
        out: dict[int, Fraction] = {}
        ids = [self._gid.get(gram) for gram in gram_set(norm)] if n >= 3 else []
        if n < 3:
            longer: Iterable[int] = range(len(self._unit_norm))
        elif None in ids:
            longer = ()
        else:
            longer = members[min(ids)]  # type: ignore[type-var]
        for u in longer:
            if len(self._unit_norm[u]) >= n and norm in self._unit_norm[u]:
                out[u] = Fraction(n, len(self._unit_norm[u]))
        for gram in {i for i in ids if i is not None}:
            for u in self._search_rare[1][gram]:
                if len(self._unit_norm[u]) < n and self._unit_norm[u] in norm:
                    out[u] = Fraction(len(self._unit_norm[u]), n)
        for k in range(1, min(2, n - 1) + 1):
            for sub in {norm[i : i + k] for i in range(n - k + 1)}:
                u = self._norm_unit.get(sub)
                if u is not None:
                    out[u] = Fraction(k, n)
        return out
