"""The relink search box over a name index: every record ranked against a query, no threshold."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from fractions import Fraction

from ._postings import Postings, Rec, postings
from ._text import NameRule, gram_set, normalise


class RelinkSearch:
    """What :class:`~loftterm.matching.NameIndex` offers the relink search box.

    The posting lists over every unit (inactive ones too) are built on the first search.
    """

    rule: NameRule
    _norm_unit: dict[str, int]
    _unit_norm: list[str]
    _unit_recs: list[list[Rec]]
    _unit_ids: list[tuple[int, ...]]
    _unit_size: list[int]
    _gid: dict[str, int]
    _vocab_set: frozenset[str]
    _vocab: int
    _search_all: Postings | None
    _search_rare: Postings | None

    def search(self, query: str, limit: int = 20) -> list[tuple[str, Fraction]]:
        """Rank every record, active or not, against ``query`` for the relink search box.

        No threshold: any score above 0 under the index's rule is listed, best first, then by
        normalised name and input order; at most ``limit`` entries.
        """
        norm = normalise(query)
        if not norm or limit <= 0:
            return []
        scores = self._contained_scores(norm) if self.rule == "containment" else self._scores(norm)
        # Ranked by c / d as a float: numerators and denominators are tiny, equal fractions
        # round to the same double and different ones to different doubles in the same order,
        # so the order is exact; the scores returned are exact fractions (and search has no
        # threshold to compare).
        ranked = heapq.nsmallest(
            limit,
            (
                (-common / whole, rec[2], rec[0], rec[1], common, whole)
                for u, (common, whole) in scores.items()
                for rec in self._unit_recs[u]
            ),
        )
        return [(key, Fraction(common, whole)) for _, _, _, key, common, whole in ranked]

    def _search_postings(self) -> tuple[list[list[int]], list[list[int]]]:
        """Return the full posting lists over every unit, and the rarest-trigram lists.

        Built on the first search; the rarest-trigram lists are empty unless containment.
        """
        if self._search_all is None or self._search_rare is None:
            units = [u for u in range(len(self._unit_norm)) if self._unit_ids[u]]
            self._search_all = postings(
                self._vocab, ((self._unit_size[u], u, self._unit_ids[u]) for u in units)
            )
            rare = (
                ((self._unit_size[u], u, self._unit_ids[u][:1]) for u in units)
                if self.rule == "containment"
                else ()
            )
            self._search_rare = postings(self._vocab, rare)
        return self._search_all[1], self._search_rare[1]

    def _scores(self, norm: str) -> dict[int, tuple[int, int]]:
        grams = gram_set(norm)
        n = len(grams)
        known = frozenset(self._gid[gram] for gram in grams & self._vocab_set)
        members = self._search_postings()[0]
        overlap = known.intersection
        unit_ids, unit_size = self._unit_ids, self._unit_size
        jaccard = self.rule == "jaccard"
        out: dict[int, tuple[int, int]] = {}
        for u in set().union(*(members[i] for i in known)):
            common = len(overlap(unit_ids[u]))
            m = unit_size[u]
            out[u] = (common, n + m - common if jaccard else (n if n > m else m))
        return out

    def _contained_scores(self, norm: str) -> dict[int, tuple[int, int]]:
        n = len(norm)
        unit_norm = self._unit_norm
        members, rare = self._search_postings()
        grams = gram_set(norm) if n >= 3 else frozenset()
        ids = [self._gid[gram] for gram in grams & self._vocab_set]
        longer: Iterable[int] = ()
        if n < 3:
            longer = range(len(unit_norm))
        elif len(ids) == len(grams):
            longer = members[min(ids, key=lambda i: len(members[i]))]  # the shortest list
        out: dict[int, tuple[int, int]] = {}
        for u in longer:
            if len(unit_norm[u]) >= n and norm in unit_norm[u]:
                out[u] = (n, len(unit_norm[u]))
        for gram in ids:
            for u in rare[gram]:
                if len(unit_norm[u]) < n and unit_norm[u] in norm:
                    out[u] = (len(unit_norm[u]), n)
        for k in range(1, min(2, n - 1) + 1):
            for sub in {norm[i : i + k] for i in range(n - k + 1)}:
                short = self._norm_unit.get(sub)
                if short is not None:
                    out[short] = (k, n)
        return out
