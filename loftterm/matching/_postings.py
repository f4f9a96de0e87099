"""Posting lists and the signature bound the trigram index filters its candidates with."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, compress

# (input position, key, normalised name, active)
Rec = tuple[int, str, str, bool]
# per trigram id: unit sizes (ascending) and the units, parallel lists
Postings = tuple[list[list[int]], list[list[int]]]

_ONES = [int.from_bytes(b"\x01" * m, "little") for m in range(256)]
_AT_LEAST = [bytes(v >= need for v in range(256)) for need in range(257)]


def bound(
    slices: list[list[int]], signatures: list[bytes], m: int, need: int, query_marks: bytes
) -> set[int]:
    """Units of ``slices`` (all of size ``m`` < 256) whose signature allows ``need``.

    ``signatures`` hold each slice's unit signatures end to end.  Marking the query's bytes
    with 1 and the rest with 0 (``translate``), reading the buffer as one little-endian
    integer and multiplying by ``1 + 256 + ... + 256**(m-1)`` puts in byte ``k*m + m-1`` the
    number of marked bytes of unit ``k``, an upper bound of the trigrams it shares with the
    query (sums stay below 256, so no carries): all units bounded in a few C calls.
    """
    marked = b"".join(signatures).translate(query_marks)
    width = len(marked) + m
    sums = (int.from_bytes(marked, "little") * _ONES[m]).to_bytes(width, "little")[m - 1 :: m]
    return set(compress(chain.from_iterable(slices), sums.translate(_AT_LEAST[need])))


def postings(vocab: int, units: Iterable[tuple[int, int, Iterable[int]]]) -> Postings:
    """Build posting lists from ``(size, unit, trigram ids)`` given in ascending size."""
    sizes: list[list[int]] = [[] for _ in range(vocab)]
    members: list[list[int]] = [[] for _ in range(vocab)]
    for size, unit, ids in units:
        for i in ids:
            sizes[i].append(size)
            members[i].append(unit)
    return sizes, members

