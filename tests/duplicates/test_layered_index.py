"""Unit tests: an index built earlier, with the changed records laid over it, answers as a new one.

The import phase keeps the candidate index of every profile between runs
(``plausible.LayeredIndex``); these compare it, query by query, with an index built from
scratch over the same records, for random books and random edits.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from loftterm.engine.plausible import CandidateIndex, LayeredIndex, _Entry
from loftterm.matching import MatchRecord, NameIndex

WORDS = ("harbour", "realty", "summit", "group", "jo", "ng", "anna", "lee", "coastal",
         "property", "partners", "smith", "and", "co", "pty", "ltd", "west", "east")


def random_entry(rng: random.Random, key: str) -> _Entry:
    name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    email = rng.choice(("", f"{rng.choice(WORDS)}@x.example", f"{key.lower()}@y.example"))
    phone = rng.choice(("", "", f"02 9555 {rng.randint(0, 20):04d}"))
    return _Entry(key, name, email, phone, rng.choice(("", "linked to Xero X1")))


def build(entries: dict[str, _Entry], rule: str = "jaccard") -> CandidateIndex:
    return CandidateIndex(entries.values(), rule, Fraction(45, 100))  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rule", ["jaccard", "overlap", "containment"])
def test_a_layered_index_finds_what_a_new_one_finds(seed: int, rule: str) -> None:
    rng = random.Random(seed)
    before = {f"P{i:03d}": random_entry(rng, f"P{i:03d}") for i in range(150)}
    base = build(before, rule)
    after = dict(before)
    changed: set[str] = set()
    for _ in range(rng.randint(1, 30)):
        key = rng.choice([*after, f"P{rng.randint(150, 200):03d}"])
        changed.add(key)
        if rng.random() < 0.25:
            after.pop(key, None)  # dropped, or archived: not indexed any more
        else:
            after[key] = random_entry(rng, key)
    fresh = build({k: e for k, e in after.items() if k in changed}, rule)
    layered = LayeredIndex(base, frozenset(changed), fresh)
    whole = build(after, rule)
    for _ in range(60):
        query = random_entry(rng, "Q")
        assert layered.find(query.name, query.email, query.phone) == whole.find(
            query.name, query.email, query.phone
        ), query


def test_best_except_is_best_without_the_skipped_records() -> None:
    names = ["harbour realty", "harbour realty", "harbour realty group", "summit realty"]
    records = [MatchRecord(f"R{i}", name) for i, name in enumerate(names)]
    index = NameIndex(records, "jaccard", Fraction(40, 100))
    assert index.best("harbour realty")[1] == ["R0", "R1"]
    assert index.best_except("harbour realty", {"R0"})[1] == ["R1"]
    score, keys = index.best_except("harbour realty", {"R0", "R1"})
    assert keys == ["R2"]
    assert (score, keys) == NameIndex(records[2:], "jaccard", Fraction(40, 100)).best(
        "harbour realty")
    assert index.best_except("summit realty", {"R3"}) == NameIndex(
        records[:3], "jaccard", Fraction(40, 100)).best("summit realty")
