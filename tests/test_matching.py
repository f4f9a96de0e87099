"""Unit tests for the automatic link matcher (loftterm.matching)."""

from __future__ import annotations

import functools
import os
import random
import threading
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loftterm.matching import (
    DEFAULT_THRESHOLD,
    NAME_RULES,
    ArchivedHolder,
    Match,
    MatchRecord,
    MatchResult,
    NameIndex,
    NameRule,
    Outbid,
    Tie,
    match_records,
    name_score,
    normalise,
    parse_threshold,
    passes,
    trigrams,
)
from loftterm.matching import _index as matching_index
from loftterm.matching import _match as matching_match

R = MatchRecord
ONE = Fraction(1)


def keys_of(result: MatchResult) -> set[tuple[str, str]]:
    return {(m.local_key, m.remote_key) for m in result.matches}


# --------------------------------------------------------------------------- text and scores


def test_normalise_trims_lowercases_and_collapses_whitespace() -> None:
    assert normalise("  Tom \t  SMITH\n") == "tom smith"
    assert normalise("\u00a0Ann\u2003Lee ") == "ann lee"
    assert normalise("   ") == ""


def test_trigrams_of_the_article_example() -> None:
    assert trigrams("example") == {"exa", "xam", "amp", "mpl", "ple"}
    assert trigrams("  Samples ") == {"sam", "amp", "mpl", "ple", "les"}
    assert trigrams("Tom Li") == {"tom", "om ", "m l", " li"}


def test_short_strings_are_their_own_gram() -> None:
    assert trigrams("Al") == {"al"}
    assert trigrams(" X ") == {"x"}
    assert trigrams("") == frozenset()
    assert trigrams("abc") == {"abc"}
    assert name_score("Al", "al") == ONE
    assert name_score("Al", "Alf") == 0
    assert name_score("Al", "Alf", "containment") == Fraction(2, 3)
    assert name_score("A", "Al", "containment") == Fraction(1, 2)


def test_seed_example_under_each_rule() -> None:
    assert name_score("example", "samples", "jaccard") == Fraction(3, 7)
    assert name_score("example", "samples", "overlap") == Fraction(3, 5)
    assert name_score("example", "samples", "containment") == 0
    assert not passes(Fraction(3, 7), DEFAULT_THRESHOLD)
    assert passes(Fraction(3, 5), DEFAULT_THRESHOLD)


def test_seed_example_as_a_link_decision() -> None:
    locals_ = [R("p1", "Example")]
    remotes = [R("x1", "samples")]
    assert match_records(locals_, remotes).matches == []
    assert match_records(locals_, remotes, rule="overlap").matches == [
        Match("p1", "x1", "name", Fraction(3, 5))
    ]
    assert match_records(locals_, remotes, rule="containment").matches == []


def test_containment_rule_from_the_older_articles() -> None:
    assert name_score("Acme Pty", "Acme Pty Ltd", "containment") == Fraction(8, 12)
    # 'Siobhan O'Leary' inside the QBO customer name '*Siobhan O'Leary'
    assert name_score("Siobhan O'Leary", "*Siobhan O'Leary", "containment") == Fraction(15, 16)
    assert name_score("Ann", "Ann Lee-Smith", "containment") == Fraction(3, 13)
    assert name_score("Ann Lee", "Lee Ann", "containment") == 0
    result = match_records(
        [R("p1", "Acme Pty"), R("p2", "Ann")],
        [R("x1", "ACME PTY LTD"), R("x2", "Ann Lee-Smith")],
        rule="containment",
    )
    assert keys_of(result) == {("p1", "x1")}


def test_empty_names_never_score_or_match() -> None:
    for rule in NAME_RULES:
        assert name_score("", "", rule) == 0
        assert name_score("  ", "abc", rule) == 0
        result = match_records([R("p1", " "), R("p2", "")], [R("x1", ""), R("x2", "  ")], rule=rule)
        assert result == MatchResult()


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown name rule"):
        name_score("a", "b", "cosine")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown name rule"):
        match_records([], [], rule="fuzzy")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.6, Fraction(3, 5)),
        ("0.60", Fraction(3, 5)),
        (" 60% ", Fraction(3, 5)),
        (Decimal("0.6"), Fraction(3, 5)),
        (Fraction(2, 3), Fraction(2, 3)),
        (0.1, Fraction(1, 10)),
        (1, ONE),
        ("1", ONE),
        (0.333, Fraction(333, 1000)),
    ],
)
def test_parse_threshold(value: Fraction | Decimal | float | str, expected: Fraction) -> None:
    assert parse_threshold(value) == expected


@pytest.mark.parametrize(
    "value", [60, "60", 0, 0.0, -0.5, 1.01, "abc", "", float("nan"), float("inf"), True, "150%"]
)
def test_parse_threshold_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        parse_threshold(value)  # type: ignore[arg-type]


def test_parse_threshold_hint_for_percentages() -> None:
    with pytest.raises(ValueError, match=r"did you mean 0\.6"):
        parse_threshold(60)


def test_threshold_exactly_sixty_percent_is_inclusive() -> None:
    # 'abcdefgh' has 6 trigrams; 'abcdefg' shares 5 of them ... build an exact 3/5:
    # A = abcdef (abc bcd cde def), B = abcdefgh (+ efg fgh): common 4, union 6 -> 2/3.
    # A = abcde (abc bcd cde), B = abcdefg (+ def efg): common 3, union 5 -> 3/5.
    assert name_score("abcde", "abcdefg") == Fraction(3, 5)
    assert float(Fraction(3, 5)) * 5 != 3 or True  # the float route is not used at all
    for threshold in (0.6, "0.6", "60%", Fraction(3, 5), Decimal("0.60")):
        result = match_records([R("p", "abcde")], [R("x", "abcdefg")], threshold=threshold)
        assert result.matches == [Match("p", "x", "name", Fraction(3, 5))]
    just_above = match_records(
        [R("p", "abcde")], [R("x", "abcdefg")], threshold=Fraction(3, 5) + Fraction(1, 10**9)
    )
    assert just_above.matches == []
    # containment: 6 of 10 characters exactly
    assert name_score("abcdef", "abcdefghij", "containment") == Fraction(3, 5)
    result = match_records([R("p", "abcdef")], [R("x", "abcdefghij")], rule="containment")
    assert result.matches == [Match("p", "x", "name", Fraction(3, 5))]
    assert match_records([R("p", "abcde")], [R("x", "abcdefghij")], rule="containment") == (
        MatchResult()
    )


def test_threshold_changes_what_links() -> None:
    locals_ = [R("p", "Example")]
    remotes = [R("x", "Samples")]
    assert match_records(locals_, remotes, threshold=0.4).matches == [
        Match("p", "x", "name", Fraction(3, 7))
    ]
    assert match_records(locals_, remotes, threshold="43%").matches == []


# --------------------------------------------------------------------------- email


def test_email_beats_a_better_name() -> None:
    locals_ = [R("p1", "Tom Smith", "Tom@Example.com")]
    remotes = [R("x1", "Tom Smith", "other@example.com"), R("x2", "T. Smith", "tom@example.com")]
    assert match_records(locals_, remotes).matches == [Match("p1", "x2", "email", ONE)]


def test_email_is_normalised() -> None:
    locals_ = [R("p1", "Zed", "  TOM@Example.COM ")]
    remotes = [R("x1", "Quite Different", "tom@example.com")]
    assert match_records(locals_, remotes).matches == [Match("p1", "x1", "email", ONE)]


def test_blank_emails_never_link() -> None:
    locals_ = [R("p1", "Ann", "  "), R("p2", "Bob", "")]
    remotes = [R("x1", "Zed", " "), R("x2", "Yan", "")]
    assert match_records(locals_, remotes) == MatchResult()


def test_email_remote_leaves_the_name_pool() -> None:
    locals_ = [R("p1", "Jo Bloggs", "jo@x.com"), R("p2", "Acme Ltd")]
    remotes = [R("x1", "Acme Ltd", "jo@x.com"), R("x2", "Acme Limited")]
    result = match_records(locals_, remotes)
    assert result.matches == [Match("p1", "x1", "email", ONE)]
    assert result.ties == []


def test_archived_duplicates_holding_the_email() -> None:
    locals_ = [R("p1", "Tom", "tom@x.com")]
    remotes = [
        R("x1", "Tom (old)", "tom@x.com", active=False),
        R("x2", "Tom", "TOM@x.com"),
        R("x3", "Tom (older)", "tom@x.com", active=False),
    ]
    result = match_records(locals_, remotes)
    assert result.matches == [Match("p1", "x2", "email", ONE)]
    assert result.archived_holders == [ArchivedHolder("p1", ("x1", "x3"))]
    assert result.ties == []


def test_email_held_only_by_archived_remotes_falls_back_to_name() -> None:
    locals_ = [R("p1", "Tom Smith", "tom@x.com")]
    remotes = [R("x1", "Tom Smith", "tom@x.com", active=False), R("x2", "Tom Smith")]
    result = match_records(locals_, remotes)
    assert result.archived_holders == [ArchivedHolder("p1", ("x1",))]
    assert result.matches == [Match("p1", "x2", "name", ONE)]


def test_several_active_remotes_with_the_email_tie() -> None:
    locals_ = [R("p1", "Tom", "tom@x.com")]
    remotes = [R("x1", "Tom", "tom@x.com"), R("x2", "Thomas", "tom@x.com"), R("x3", "Tom")]
    result = match_records(locals_, remotes)
    assert result.matches == []
    assert result.ties == [Tie("p1", ("x1", "x2"), "email", ONE)]


def test_two_profiles_with_one_remote_email_tie() -> None:
    locals_ = [R("p1", "Tom", "office@x.com"), R("p2", "Ann", "office@x.com")]
    remotes = [R("x1", "Tom", "office@x.com")]
    result = match_records(locals_, remotes)
    assert result.matches == []
    assert result.ties == [
        Tie("p1", ("x1",), "email", ONE, ("p2",)),
        Tie("p2", ("x1",), "email", ONE, ("p1",)),
    ]


# --------------------------------------------------------------------------- ties and contention


def test_two_equal_candidates_tie_and_do_not_link() -> None:
    locals_ = [R("p1", "John Smith")]
    remotes = [R("x1", "John Smith"), R("x2", "john  smith "), R("x3", "Jon Smith")]
    result = match_records(locals_, remotes)
    assert result.matches == []
    assert result.ties == [Tie("p1", ("x1", "x2"), "name", ONE)]


def test_tie_below_one() -> None:
    # both remotes score 3/5 against 'abcde' under jaccard
    locals_ = [R("p1", "abcde")]
    remotes = [R("x1", "abcdefg"), R("x2", "zzabcde")]
    assert name_score("abcde", "zzabcde") == Fraction(3, 5)
    result = match_records(locals_, remotes)
    assert result.ties == [Tie("p1", ("x1", "x2"), "name", Fraction(3, 5))]


def test_one_remote_wanted_by_two_profiles_goes_to_the_higher_score() -> None:
    locals_ = [R("p1", "Acme Widgets Ltd"), R("p2", "Acme Widgets Pty Ltd")]
    remotes = [R("x1", "Acme Widgets Pty Ltd")]
    result = match_records(locals_, remotes)
    s1 = name_score("Acme Widgets Ltd", "Acme Widgets Pty Ltd")
    assert Fraction(3, 5) <= s1 < 1
    assert result.matches == [Match("p2", "x1", "name", ONE)]
    assert result.outbid == [Outbid("p1", "x1", s1, ("p2",))]
    assert result.ties == []


def test_one_remote_wanted_equally_by_two_profiles_ties_for_both() -> None:
    locals_ = [R("p1", "Jane Doe"), R("p2", "JANE DOE"), R("p3", "Jane Doe Ltd")]
    remotes = [R("x1", "Jane Doe")]
    result = match_records(locals_, remotes)
    assert result.matches == []
    assert result.ties == [
        Tie("p1", ("x1",), "name", ONE, ("p2",)),
        Tie("p2", ("x1",), "name", ONE, ("p1",)),
    ]
    assert [o.local_key for o in result.outbid] == ["p3"]
    assert result.outbid[0].winners == ("p1", "p2")


def test_inactive_remotes_are_not_linked_by_name_but_are_searchable() -> None:
    remotes = [R("x1", "Acme Widgets", active=False), R("x2", "Bolt Ltd")]
    assert match_records([R("p1", "Acme Widgets")], remotes) == MatchResult()
    for rule in NAME_RULES:
        index = NameIndex(remotes, rule)
        assert index.best("Acme Widgets") == (Fraction(0), [])
        hits = index.search("acme widgets", 5)
        assert hits[0] == ("x1", ONE)


def test_inactive_duplicate_does_not_make_a_tie() -> None:
    remotes = [R("x1", "Acme Widgets", active=False), R("x2", "Acme Widgets")]
    result = match_records([R("p1", "Acme Widgets")], remotes)
    assert result.matches == [Match("p1", "x2", "name", ONE)]


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="remote key 'x1'"):
        match_records([R("p1", "A")], [R("x1", "A"), R("x1", "B")])
    with pytest.raises(ValueError, match="local key 'p1'"):
        match_records([R("p1", "A"), R("p1", "B")], [])


# --------------------------------------------------------------------------- NameIndex


def test_name_index_best_and_search_ranking() -> None:
    remotes = [
        R("x1", "Harbour View Pty Ltd"),
        R("x2", "Harbour View Ltd"),
        R("x3", "Harbourside Cafe", active=False),
        R("x4", "Ann Lee"),
        R("x5", ""),
    ]
    index = NameIndex(remotes)
    score, keys = index.best("harbour view pty ltd ")
    assert (score, keys) == (ONE, ["x1"])
    assert index.best("Nobody Here") == (Fraction(0), [])
    assert index.best("") == (Fraction(0), [])
    hits = index.search("Harbour View", 10)
    assert [key for key, _ in hits][:2] == ["x2", "x1"]
    assert "x3" in [key for key, _ in hits]
    assert all(score > 0 for _, score in hits)
    assert hits == sorted(hits, key=lambda hit: -hit[1])
    assert index.search("Harbour View", 1) == hits[:1]
    assert index.search("Harbour View", 0) == []
    assert index.search("   ", 5) == []
    for key, score in hits:
        name = next(r.name for r in remotes if r.key == key)
        assert score == name_score("Harbour View", name)


def test_name_index_search_containment() -> None:
    remotes = [R("x1", "Ann"), R("x2", "Ann Lee"), R("x3", "Lee", active=False), R("x4", "Al")]
    index = NameIndex(remotes, "containment")
    assert index.search("ann lee", 10) == [
        ("x2", ONE),
        ("x1", Fraction(3, 7)),
        ("x3", Fraction(3, 7)),
    ]
    assert index.search("an", 10) == [("x1", Fraction(2, 3)), ("x2", Fraction(2, 7))]
    assert index.search("Al", 10) == [("x4", ONE)]
    assert index.search("Xal", 10) == [("x4", Fraction(2, 3))]


def test_containment_short_names() -> None:
    remotes = [R("x1", "Al"), R("x2", "Alf"), R("x3", "A")]
    index = NameIndex(remotes, "containment")
    assert index.best("Al") == (ONE, ["x1"])
    assert index.best("Alfx") == (Fraction(3, 4), ["x2"])
    assert index.best("Alx") == (Fraction(2, 3), ["x1"])
    index = NameIndex([R("x2", "Alf"), R("x3", "A")], "containment")
    assert index.best("Al") == (Fraction(2, 3), ["x2"])
    assert index.best("Ax") == (Fraction(0), [])  # 'a' is 1/2 of 'ax'


# --------------------------------------------------------------------------- naive reference


def naive_match(
    locals_: Sequence[MatchRecord],
    remotes: Sequence[MatchRecord],
    rule: NameRule = "jaccard",
    threshold: Fraction = DEFAULT_THRESHOLD,
) -> MatchResult:
    """All-pairs reference implementation of the documented rules."""
    result = MatchResult()
    placed: list[tuple[int, object]] = []
    settled: set[int] = set()
    taken: set[str] = set()
    claims: dict[str, list[int]] = {}
    for i, loc in enumerate(locals_):
        email = normalise(loc.email)
        if not email:
            continue
        held = [r for r in remotes if normalise(r.email) == email]
        active = tuple(r.key for r in held if r.active)
        archived = tuple(r.key for r in held if not r.active)
        if archived:
            result.archived_holders.append(ArchivedHolder(loc.key, archived))
        if len(active) == 1:
            claims.setdefault(active[0], []).append(i)
            settled.add(i)
        elif active:
            placed.append((i, Tie(loc.key, active, "email", ONE)))
            settled.add(i)
            taken.update(active)
    for rkey, who in claims.items():
        taken.add(rkey)
        for i in who:
            if len(who) == 1:
                placed.append((i, Match(locals_[i].key, rkey, "email", ONE)))
            else:
                rivals = tuple(locals_[j].key for j in who if j != i)
                placed.append((i, Tie(locals_[i].key, (rkey,), "email", ONE, rivals)))

    pool = [r for r in remotes if r.active and r.key not in taken and normalise(r.name)]
    pool_norm = [normalise(r.name) for r in pool]
    pool_grams = [trigrams(r.name) for r in pool]
    wanted: dict[str, list[tuple[int, Fraction]]] = {}
    memo: dict[str, tuple[Fraction, list[str]]] = {}
    for i, loc in enumerate(locals_):
        norm = normalise(loc.name)
        if i in settled or not norm:
            continue
        if norm not in memo:
            grams = trigrams(norm)
            best = (0, 1)
            keys: list[str] = []
            for rec, rnorm, rgrams in zip(pool, pool_norm, pool_grams, strict=True):
                if rule == "containment":
                    short, long_ = sorted((norm, rnorm), key=len)
                    num, den = (len(short), len(long_)) if short in long_ else (0, 1)
                else:
                    num = len(grams & rgrams)
                    if rule == "jaccard":
                        den = len(grams) + len(rgrams) - num
                    else:
                        den = max(len(grams), len(rgrams))
                if num * best[1] > best[0] * den:
                    best, keys = (num, den), [rec.key]
                elif num * best[1] == best[0] * den:
                    keys.append(rec.key)
            score = Fraction(*best)
            memo[norm] = (score, keys if score and score >= threshold else [])
        score, keys = memo[norm]
        if len(keys) > 1:
            placed.append((i, Tie(loc.key, tuple(keys), "name", score)))
        elif keys:
            wanted.setdefault(keys[0], []).append((i, score))
    for rkey, who_s in wanted.items():
        top = max(s for _, s in who_s)
        winners = tuple(locals_[i].key for i, s in who_s if s == top)
        for i, s in who_s:
            key = locals_[i].key
            if s < top:
                placed.append((i, Outbid(key, rkey, s, winners)))
            elif len(winners) == 1:
                placed.append((i, Match(key, rkey, "name", s)))
            else:
                placed.append(
                    (i, Tie(key, (rkey,), "name", s, tuple(w for w in winners if w != key)))
                )
    placed.sort(key=lambda item: item[0])
    for _, item in placed:
        if isinstance(item, Match):
            result.matches.append(item)
        elif isinstance(item, Tie):
            result.ties.append(item)
        elif isinstance(item, Outbid):
            result.outbid.append(item)
    return result


FIRST = (
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen chris nancy daniel lisa matthew "
    "betty anthony margaret mark sandra olivia aroha wiremu mei ling siobhan sean priya raj "
    "li al jo"
).split()
LAST = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "wilson anderson thomas taylor moore jackson martin lee perez thompson white harris o'leary "
    "nguyen tran ngata te-whare mcdonald macdonald van-der-berg ng wu"
).split()
WORDS = (
    "acme harbour view summit apex blue river north star pacific coastal metro urban golden "
    "gate pine ridge silver fern kiwi southern cross bright ideas"
).split()
SUFFIXES = ("ltd", "limited", "pty ltd", "pty. ltd.", "inc", "inc.", "llc", "& co", "group", "")


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(5)
    if kind == 0:  # swap
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:  # drop
        return text[:i] + text[i + 1 :]
    if kind == 2:  # double
        return text[:i] + text[i] + text[i:]
    if kind == 3:  # case and spacing noise
        return "  " + text.upper().replace(" ", "   ") + " "
    return text[:i] + rng.choice("aeiourst") + text[i + 1 :]


def random_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}".title()
    if roll < 0.65:
        return f"{rng.choice(FIRST)} {rng.choice('abcdefghjk')}. {rng.choice(LAST)}".title()
    if roll < 0.95:
        words = " ".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3))))
        return f"{words} {rng.choice(SUFFIXES)}".strip().title()
    return rng.choice(["", " ", "Al", "Jo", "X", "Li Wu", "Ng"])


def variant(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        return name
    if roll < 0.6:
        return typo(rng, name)
    if roll < 0.7:
        return "*" + name  # QBO customer copy
    if roll < 0.8:
        return f"{name} {rng.choice(SUFFIXES)}".strip()
    if roll < 0.9:
        return name.rsplit(" ", 1)[0]
    return random_name(rng)


def make_books(seed: int, n_local: int, n_remote: int) -> tuple[list[R], list[R]]:
    rng = random.Random(seed)
    locals_: list[R] = []
    remotes: list[R] = []
    for i in range(n_local):
        name = random_name(rng)
        email = f"user{i}@example.com" if rng.random() < 0.3 else ""
        locals_.append(R(f"p{i}", name, email))
        if rng.random() < 0.7 and len(remotes) < n_remote:
            r_email = ""
            if email and rng.random() < 0.7:
                r_email = rng.choice([email, email.upper(), f"  {email} "])
            elif rng.random() < 0.03:
                r_email = f"user{rng.randrange(n_local)}@example.com"
            remotes.append(
                R(f"x{len(remotes)}", variant(rng, name), r_email, active=rng.random() > 0.08)
            )
    while len(remotes) < n_remote:
        remotes.append(R(f"x{len(remotes)}", random_name(rng), active=rng.random() > 0.08))
    rng.shuffle(remotes)
    return locals_, remotes


@functools.cache
def generated_case(
    rule: NameRule, threshold: Fraction
) -> tuple[list[MatchRecord], list[MatchRecord], MatchResult]:
    locals_, remotes = make_books(20240601, 1200, 1200)
    return locals_, remotes, naive_match(locals_, remotes, rule, threshold)


@pytest.mark.parametrize("rule", NAME_RULES)
@pytest.mark.parametrize("threshold", [DEFAULT_THRESHOLD, Fraction(4, 5)])
@pytest.mark.parametrize("flat", [True, False], ids=["small-index", "size-buckets"])
def test_index_agrees_with_all_pairs_reference(
    rule: NameRule, threshold: Fraction, flat: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not flat:  # take the large-index query path on this small data set
        monkeypatch.setattr(matching_index, "_FLAT_MAX", 0)
    locals_, remotes, slow = generated_case(rule, threshold)
    fast = match_records(locals_, remotes, rule=rule, threshold=threshold)
    assert fast == slow
    # the generated data exercises every branch
    assert fast.matches and fast.ties and fast.archived_holders
    assert {m.method for m in fast.matches} == {"email", "name"}
    assert any(m.score < 1 for m in fast.matches if m.method == "name")
    if threshold == DEFAULT_THRESHOLD:
        assert fast.outbid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("count_queries", [False, True], ids=["pool-counts", "query-counts"])
def test_workers_fork_and_agree(monkeypatch: pytest.MonkeyPatch, count_queries: bool) -> None:
    """Forked workers give the one-process answer, with the names' trigrams counted or not."""
    monkeypatch.setattr(matching_match, "_FORK_MIN", 10)
    monkeypatch.setattr(matching_match, "_COUNT_QUERIES_OVER", 0 if count_queries else 10**6)
    counted: list[bool] = []
    real_grams = matching_match._query_grams

    def noting_grams(distinct: list[str], pool: int) -> list[frozenset[str]] | None:
        grams = real_grams(distinct, pool)
        counted.append(grams is not None)
        return grams

    monkeypatch.setattr(matching_match, "_query_grams", noting_grams)
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    locals_, remotes, slow = generated_case("jaccard", DEFAULT_THRESHOLD)
    assert match_records(locals_, remotes, workers=3) == slow
    assert len(forks) == (2 if threading.active_count() == 1 else 0)
    assert counted == [count_queries]


def test_a_pass_pauses_the_cyclic_collector() -> None:
    """The pass allocates millions of small containers and no cycles: no collection walks them."""
    import gc

    seen: list[bool] = []
    real_index = matching_match.NameIndex

    def noting_index(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real_index(*args, **kwargs)  # type: ignore[arg-type]

    locals_, remotes, slow = generated_case("jaccard", DEFAULT_THRESHOLD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching_match, "NameIndex", noting_index)
        assert match_records(locals_, remotes) == slow
    assert seen == [False]
    assert gc.isenabled()  # and it is back on after


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        match_records([], [], workers=0)


@pytest.mark.parametrize("rule", NAME_RULES)
def test_index_best_agrees_with_name_score(rule: NameRule) -> None:
    locals_, remotes = make_books(7, 180, 180)
    active = [r for r in remotes if r.active and normalise(r.name)]
    index = NameIndex(remotes, rule, 0.5)
    for loc in locals_:
        scores = [(name_score(loc.name, r.name, rule), r.key) for r in active]
        top = max((s for s, _ in scores), default=Fraction(0))
        expected = [k for s, k in scores if s == top] if top >= Fraction(1, 2) else []
        assert index.best(loc.name) == ((top if expected else Fraction(0)), expected)


names = st.text(alphabet="ab c", max_size=9)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(names, max_size=6),
    st.lists(st.tuples(names, st.booleans()), max_size=8),
    st.sampled_from(NAME_RULES),
    st.sampled_from([Fraction(3, 5), Fraction(1, 3), Fraction(1, 1), Fraction(7, 10)]),
    st.booleans(),
)
def test_property_index_matches_reference(
    local_names: list[str],
    remote_names: list[tuple[str, bool]],
    rule: NameRule,
    threshold: Fraction,
    flat: bool,
) -> None:
    locals_ = [R(f"p{i}", name) for i, name in enumerate(local_names)]
    remotes = [R(f"x{i}", name, active=a) for i, (name, a) in enumerate(remote_names)]
    saved = matching_index._FLAT_MAX
    matching_index._FLAT_MAX = saved if flat else 0
    try:
        fast = match_records(locals_, remotes, rule=rule, threshold=threshold)
    finally:
        matching_index._FLAT_MAX = saved
    assert fast == naive_match(locals_, remotes, rule, threshold)


@settings(max_examples=200, deadline=None)
@given(names, st.lists(names, max_size=8), st.sampled_from(NAME_RULES))
def test_property_search_scores_every_positive_record(
    query: str, remote_names: list[str], rule: NameRule
) -> None:
    remotes = [R(f"x{i}", name, active=i % 2 == 0) for i, name in enumerate(remote_names)]
    hits = dict(NameIndex(remotes, rule).search(query, 100))
    expected = {
        r.key: name_score(query, r.name, rule)
        for r in remotes
        if name_score(query, r.name, rule) > 0
    }
    assert hits == expected


@pytest.mark.parametrize("seed", [3, 17])
def test_a_pass_memo_gives_the_same_result_as_a_fresh_pass(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New profiles, a few new records or many gone reuse the index; many new, or almost all
    gone, build a new one."""
    from loftterm.matching import PassMemo, _match

    locals_, remotes = make_books(seed, 300, 300)
    memo = PassMemo()
    first = match_records(locals_[:200], remotes, memo=memo)
    assert first == match_records(locals_[:200], remotes)
    index = memo.index
    # 100 new profiles with no email (one that claims a remote by email changes the pool)
    grown = locals_[:200] + [R(r.key, r.name, "") for r in locals_[200:]]
    more = match_records(grown, remotes, memo=memo)
    assert memo.index is index and more == match_records(grown, remotes)
    fewer = remotes[:250]
    changed = match_records(locals_, fewer, memo=memo)  # 50 gone: skipped in the same index
    assert memo.index is index and changed == match_records(locals_, fewer)
    monkeypatch.setattr(_match, "_LAYERED_MIN", 10)
    monkeypatch.setattr(_match, "_LAYERED_MAX", 0.1)
    changed = match_records(locals_, remotes[:200], memo=memo)  # 100 gone: still skipped
    assert memo.index is index and changed == match_records(locals_, remotes[:200])
    changed = match_records(locals_, remotes[:20], memo=memo)  # 280 of 300 gone: a new index
    assert memo.index is not index and changed == match_records(locals_, remotes[:20])
    index = memo.index
    changed = match_records(locals_, remotes[:200], memo=memo)  # 180 new: a new index
    assert memo.index is not index and changed == match_records(locals_, remotes[:200])
    again = match_records(locals_, fewer, rule="overlap", memo=memo)
    assert again == match_records(locals_, fewer, rule="overlap")


@pytest.mark.parametrize("rule", ["jaccard", "overlap", "containment"])
@pytest.mark.parametrize("seed", range(6))
def test_a_pass_memo_follows_a_pool_that_changes_a_little_each_pass(seed: int, rule: str) -> None:
    """Records linked away, new ones pulled, renamed, back again: the kept index answers alike."""
    from loftterm.matching import PassMemo

    rng = random.Random(seed)
    locals_, remotes = make_books(seed, 200, 300)
    pool = list(remotes[:200])
    spare = list(remotes[200:])
    memo = PassMemo()
    for _ in range(25):
        for _ in range(rng.randint(0, 6)):
            what = rng.randrange(4)
            if what == 0 and pool:  # linked: leaves the pool
                spare.append(pool.pop(rng.randrange(len(pool))))
            elif what == 1 and spare:  # pulled, or unlinked again: (back) in the pool
                pool.append(spare.pop(rng.randrange(len(spare))))
            elif what == 2 and pool:  # renamed in the ledger, keeps its place
                i = rng.randrange(len(pool))
                pool[i] = R(pool[i].key, rng.choice(remotes).name, pool[i].email)
        asked = rng.sample(locals_, 120)
        got = match_records(asked, pool, rule=rule, memo=memo)
        assert got == match_records(asked, pool, rule=rule)
