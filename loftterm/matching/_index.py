"""An inverted trigram index over remote names: best candidate above a threshold, and search.

Records are grouped into *units* that always score alike: records with the same trigram set
(``jaccard``/``overlap``) or the same normalised name (``containment``), so duplicates cost one
comparison and an exact name is found with one dictionary lookup.  Trigrams get integer ids in
order of rarity (how many remote units and looked-up names hold them), so a unit's sorted ids
start with its rarest trigrams.

``jaccard``/``overlap``, threshold ``t``, a query of ``n`` unique trigrams and a unit of ``m``:

* size filter: the score can reach ``t`` only when ``ceil(t*n) <= m <= floor(n/t)``;
* the two must share ``need`` trigrams (``ceil(t*(n+m)/(1+t))`` for jaccard,
  ``ceil(t*max(n, m))`` for overlap), so their rarest common trigram lies within the query's
  first ``n - need + 1`` and the unit's first ``m - need + 1`` trigrams (prefix filter, with
  positions).  Each unit is indexed under its first ``m - ceil(t*m) + 1`` trigrams in buckets
  keyed by (trigram, unit size) holding positions, so one size takes exactly the entries whose
  position still allows ``need``;
* a one-byte-per-trigram signature (``bytes.translate``) bounds the common count from above
  and drops most candidates before the exact check, done in integers;
* sizes are visited best-first (``n, n+1, n-1, ...``) and each verified score raises ``t`` for
  the rest, because a query needs only its best score and whether it ties.

Small indexes (a few new remotes against a large book) skip the per-size buckets: one pass
over per-trigram lists, sizes checked on the few survivors.

``containment``: a longer name containing the query holds all the query's trigrams, so it is
in the posting list of each of them (the shortest is scanned); a shorter name contained in the
query has its own rarest trigram among the query's, so each unit is also filed once under its
rarest trigram.  Lists are sorted by length, the score depends on the lengths only, and lengths
are scanned from the best possible outwards so the first hit ends the scan.  Names under three
characters are looked up by substring.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from fractions import Fraction
from itertools import chain

from ._postings import Postings, Rec, bound, postings
from ._records import MatchRecord
from ._search import RelinkSearch
from ._text import DEFAULT_THRESHOLD, NameRule, check_rule, gram_set, normalise, parse_threshold

_NONE: tuple[int, int, list[int]] = (0, 1, [])
_FLAT_MAX = 20_000
"""Indexes of at most this many active units skip the per-size buckets at query time."""


def best_of(
    answer: tuple[Fraction, list[str]], other: tuple[Fraction, list[str]]
) -> tuple[Fraction, list[str]]:
    """The better of two :meth:`NameIndex.best` answers over disjoint records; both keys on a tie.

    How an index laid over another (records changed since it was built) answers as one.
    """
    if not other[1] or (answer[1] and answer[0] > other[0]):
        return answer
    if not answer[1] or other[0] > answer[0]:
        return other
    return answer[0], answer[1] + other[1]


class NameIndex(RelinkSearch):
    """Remote names indexed once for the automatic link pass and the relink search box.

    Only active records are candidates for :meth:`best`; :meth:`search` sees every record.
    Records whose normalised name is empty are left out of both.
    """

    def __init__(
        self,
        records: Iterable[MatchRecord],
        rule: NameRule = "jaccard",
        threshold: Fraction | float | str = DEFAULT_THRESHOLD,
        *,
        query_grams: Mapping[str, int] | None = None,
    ) -> None:
        """Index ``records`` for ``rule``; ``threshold`` (see ``parse_threshold``) is fixed here.

        ``query_grams`` optionally counts the trigrams of the names that will be looked up
        (``Counter`` of :func:`trigrams`).  It only changes the order trigrams are filtered
        in, never a result: rare on both sides is what keeps candidate lists short, which
        matters most when few remotes face many profiles.
        """
        self.rule: NameRule = check_rule(rule)
        self.threshold: Fraction = parse_threshold(threshold)
        self._num = self.threshold.numerator
        self._den = self.threshold.denominator
        by_text = self.rule == "containment"

        self._norm_unit: dict[str, int] = {}
        self._unit_norm: list[str] = []
        self._unit_recs: list[list[Rec]] = []
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
        indexed = [u for u in range(len(unit_grams)) if not by_text or len(self._unit_norm[u]) >= 3]
        active_unit = self._unit_active
        counts = Counter(chain.from_iterable(unit_grams[u] for u in indexed if active_unit[u]))
        vocab = set(counts)
        vocab.update(chain.from_iterable(unit_grams[u] for u in indexed if not active_unit[u]))
        if query_grams:
            for gram in vocab:
                counts[gram] += query_grams.get(gram, 0)
        ordered = sorted(vocab, key=lambda gram: (counts[gram], gram))
        self._gid: dict[str, int] = {gram: i for i, gram in enumerate(ordered)}
        self._vocab_set = frozenset(ordered)
        self._vocab = len(ordered)
        gid = self._gid.__getitem__
        # Ids ascending (rarest first), in a tuple: a quarter of a frozenset's memory, and
        # ``frozenset.intersection`` takes it as well.
        empty: tuple[int, ...] = ()
        self._unit_ids: list[tuple[int, ...]] = [empty] * len(unit_grams)
        for u in indexed:
            self._unit_ids[u] = tuple(sorted(map(gid, unit_grams[u])))
        del unit_grams, by_grams
        # One byte per trigram (its id mod 256): the bytes of a unit found among the query's
        # bytes bound the trigrams they share from above, in one C call (bytes.translate).
        self._unit_sig: list[bytes] = [bytes([i & 255 for i in ids]) for ids in self._unit_ids]
        self._unit_size: list[int] = (
            [len(norm) for norm in self._unit_norm]
            if by_text
            else [len(ids) for ids in self._unit_ids]
        )
        self._search_all: Postings | None = None  # built on the first search
        self._search_rare: Postings | None = None
        self._buckets: dict[int, tuple[list[int], list[int], bytes]] = {}
        self._flat: list[list[int]] | None = None
        self._key_base = 1
        self._size_order: dict[int, list[int]] = {}
        self._key_unit: dict[str, int] | None = None  # built by the first best_except
        self._dead: tuple[Collection[str], frozenset[int]] | None = None

        active = sorted(
            (u for u in indexed if self._unit_active[u]), key=self._unit_size.__getitem__
        )
        if by_text:
            self._post = postings(
                self._vocab, ((self._unit_size[u], u, self._unit_ids[u]) for u in active)
            )
            self._rare = postings(
                self._vocab, ((self._unit_size[u], u, self._unit_ids[u][:1]) for u in active)
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
        """Index each active unit's prefix by (trigram, unit size), by position.

        A unit of ``m`` trigrams (ids ascending, rarest first) is indexed under its first
        ``m - ceil(t*m) + 1`` ids.  Bucket ``gram * K + m`` holds the positions of that
        trigram in its units (ascending), the units, and their signatures end to end (``m``
        bytes each), so for one size a query takes exactly the entries whose position still
        allows the overlap it needs and bounds them all at once (``_postings.bound``).  Small indexes
        also get one plain list per trigram (see ``_best_flat``).
        """
        num, den = self._num, self._den
        base = self._key_base = 1 + max((self._unit_size[u] for u in active), default=0)
        live: list[tuple[int, int, tuple[int, ...]]] = []
        for u in active:
            m = self._unit_size[u]
            live.append((u, m, self._unit_ids[u][: m + (-num * m // den) + 1]))
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
        sigs = self._unit_sig.__getitem__
        self._buckets = {
            key: (positions, units, b"".join(map(sigs, units)))
            for key, (positions, units) in buckets.items()
        }
        if len(active) <= _FLAT_MAX:
            flat: list[list[int]] = [[] for _ in range(self._vocab)]
            for key, (_, units) in buckets.items():
                flat[key // base].extend(units)
            self._flat = flat

    # ------------------------------------------------------------------ best candidate

    def best(self, name: str) -> tuple[Fraction, list[str]]:
        """Return the best score at or above the threshold and the active keys tied at it.

        ``(Fraction(0), [])`` when no active record reaches the threshold.  More than one key
        means the best is a tie (keys in input order).
        """
        num, den, units = self.best_units(normalise(name))
        return (Fraction(num, den), self.active_keys(units)) if units else (Fraction(0), [])

    def best_except(self, name: str, skip: Collection[str]) -> tuple[Fraction, list[str]]:
        """:meth:`best` as if the records with the keys ``skip`` were not indexed.

        Lets an index built once stand in for one whose records changed since: the changed
        records are skipped here and searched in a small index of their own.
        """
        if not skip:
            return self.best(name)
        dead = self._dead_units(skip)
        num, den, units = self.best_units(normalise(name), dead=dead)
        keys = [key for key in self.active_keys(units) if key not in skip]
        return (Fraction(num, den), keys) if keys else (Fraction(0), [])

    def _dead_units(self, skip: Collection[str]) -> frozenset[int]:
        """The units whose every active record has a key in ``skip`` (the last answer kept)."""
        if self._dead is not None and self._dead[0] is skip:
            return self._dead[1]
        if self._key_unit is None:
            self._key_unit = {
                rec[1]: unit for unit, recs in enumerate(self._unit_recs) for rec in recs
            }
        units = {u for key in skip if (u := self._key_unit.get(key)) is not None}
        dead = frozenset(
            u for u in units if all(rec[1] in skip for rec in self._unit_recs[u] if rec[3])
        )
        self._dead = (skip, dead)  # a layered index asks with the same keys for every query
        return dead

    def best_units(
        self, norm: str, grams: frozenset[str] | None = None, dead: frozenset[int] = frozenset()
    ) -> tuple[int, int, list[int]]:
        """Return ``(numerator, denominator, units)`` of the best score for a normalised name.

        ``grams``, when given, must be ``gram_set(norm)`` (saves computing it again).
        ``dead`` units are never returned (see :meth:`best_except`).
        """
        if not norm:
            return _NONE
        unit = self._norm_unit.get(norm)
        if unit is not None and self._unit_active[unit] and unit not in dead:
            return 1, 1, [unit]
        if grams is None:
            grams = gram_set(norm)
        if self.rule == "containment":
            return self._best_contained(norm, grams, dead)
        return self._best_grams(norm, grams, dead)

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

    def _best_grams(
        self, norm: str, grams: frozenset[str], dead: frozenset[int]
    ) -> tuple[int, int, list[int]]:
        n = len(grams)
        shared = grams & self._vocab_set
        num, den = self._num, self._den  # the score to reach: the threshold, then the best
        if len(shared) < -(-num * n // den):  # fewer known trigrams than any match needs
            return _NONE
        unknown = n - len(shared)
        known = sorted(map(self._gid.__getitem__, shared))
        if self._flat is not None:
            return self._best_flat(n, known, unknown, dead)
        overlap = frozenset(known).intersection
        query_sig = bytes({i & 255 for i in known})
        marks = bytearray(256)  # 1 for the bytes of the query's signature
        for i in known:
            marks[i & 255] = 1
        query_marks = bytes(marks)
        jaccard = self.rule == "jaccard"
        base = self._key_base
        get = self._buckets.get
        unit_ids = self._unit_ids
        best: list[int] = []
        for m in self._sizes(n):
            if not -(-num * n // den) <= m <= n * den // num:  # outside the tightened window
                continue
            # The overlap a unit of size m needs.  A pair reaching it shares its rarest common
            # trigram within the query's first n - need + 1 trigrams (unknown ones first) and
            # the unit's first m - need + 1: the prefix filter, with positions.
            whole = n + m if jaccard else (n if n > m else m)
            need = -(-num * whole // (num + den)) if jaccard else -(-num * whole // den)
            last = m - need  # last unit position allowed
            slices = []
            signatures = []
            for gram in known[: n - need + 1 - unknown]:
                bucket = get(gram * base + m)
                if bucket is not None:
                    positions, units, sigcat = bucket
                    if positions[-1] <= last:
                        slices.append(units)
                        signatures.append(sigcat)
                    else:
                        cut = bisect_right(positions, last)
                        slices.append(units[:cut])
                        signatures.append(sigcat[: cut * m])
            if not slices:
                continue
            if m < 256:
                found: Iterable[int] = bound(slices, signatures, m, need, query_marks)
            else:  # byte sums could overflow: one unit at a time
                found = self._survivors(slices, need, query_sig)
            if dead:
                found = [u for u in found if u not in dead]
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

    def _survivors(self, slices: list[list[int]], need: int, query_sig: bytes) -> list[int]:
        """Units of ``slices`` whose signature allows ``need`` shared trigrams.

        The bytes of a unit's signature found in the query's signature bound the trigrams
        they share from above (a byte stands for every trigram id with the same low byte).
        """
        sigs = self._unit_sig
        out = []
        for u in set().union(*slices):
            sig = sigs[u]
            if len(sig) - len(sig.translate(None, query_sig)) >= need:
                out.append(u)
        return out

    def _best_flat(
        self, n: int, known: list[int], unknown: int, dead: frozenset[int]
    ) -> tuple[int, int, list[int]]:
        """Best for a small index: one pass over the trigram postings, sizes checked after."""
        num, den = self._num, self._den
        jaccard = self.rule == "jaccard"
        lowest = -(-num * n // den)  # smallest unit size, which allows the smallest overlap
        need = -(-num * (n + lowest) // (num + den)) if jaccard else lowest
        assert self._flat is not None
        post = self._flat
        slices = [post[gram] for gram in known[: n - need + 1 - unknown] if post[gram]]
        overlap = frozenset(known).intersection
        query_sig = bytes({i & 255 for i in known})
        unit_ids, unit_size = self._unit_ids, self._unit_size
        best: list[int] = []
        for u in self._survivors(slices, need, query_sig):
            if u in dead:
                continue
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

    def _best_contained(
        self, norm: str, grams: frozenset[str], dead: frozenset[int]
    ) -> tuple[int, int, list[int]]:
        n = len(norm)
        num, den = self._num, self._den
        best: list[int] = []
        unit_norm = self._unit_norm

        def offer(s_num: int, s_den: int, unit: int) -> None:
            nonlocal num, den, best
            if unit in dead:
                return
            diff = s_num * den - num * s_den
            if diff > 0 or (diff == 0 and not best):
                num, den, best = s_num, s_den, [unit]
            elif diff == 0:
                best.append(unit)

        if n < 3:  # no trigrams: handled by substring below
            grams = frozenset()
        ids = [self._gid[gram] for gram in grams & self._vocab_set]
        # Longer names containing the query: shortest first, the first hit is the best.
        longest = n * den // num
        if longest > n:
            if n < 3:
                for u in self._short_sub.get(norm, ()):
                    if n < len(unit_norm[u]) <= longest:
                        offer(n, len(unit_norm[u]), u)
            elif len(ids) == len(grams):  # every trigram of the query is known
                shortest_list = min(ids, key=lambda i: len(self._post[1][i]))
                lengths, units = self._post[0][shortest_list], self._post[1][shortest_list]
                hit = 0
                for j in range(bisect_right(lengths, n), bisect_right(lengths, longest)):
                    if hit and lengths[j] != hit:
                        break
                    if norm in unit_norm[units[j]] and units[j] not in dead:
                        hit = lengths[j]
                        offer(n, hit, units[j])
        # Shorter names contained in the query: longest first.
        shortest = -(-num * n // den)
        if shortest < n:
            rare_lengths, rare_units = self._rare
            for gram in ids:
                lengths, units = rare_lengths[gram], rare_units[gram]
                j = bisect_left(lengths, n) - 1
                while j >= 0 and lengths[j] >= shortest:
                    if unit_norm[units[j]] in norm:
                        offer(lengths[j], n, units[j])
                        shortest = -(-num * n // den)
                    j -= 1
            for k in range(max(shortest, 1), min(2, n - 1) + 1):
                for sub in {norm[i : i + k] for i in range(n - k + 1)}:
                    short = self._norm_unit.get(sub)
                    if short is not None and self._unit_active[short]:
                        offer(k, n, short)
        return (num, den, best) if best else _NONE
