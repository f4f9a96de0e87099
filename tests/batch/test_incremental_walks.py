"""A walk of what changed finds what a walk of the whole book finds (warnings, field diffs).

A routine sync of a big book looks again only at the pairs and profiles the changes since the
last run can concern.  Random books and random edits, each followed by both walks: the one
kept since the last run and one from scratch (nothing kept), which must agree.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any, cast

import pytest

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import company_names, planner, plausible
from loftterm.engine.decide import holds, merged
from loftterm.engine.pipeline import balances, linking
from loftterm.engine.pipeline.diagnose import book_warnings
from loftterm.engine.pipeline.linking import import_phase
from loftterm.engine.runs.runstate import RunState
from loftterm.models import ContactFields
from tests.batch.conftest import XERO, BookMaker

NAMES = ["Harbour Realty", "Siobhan O'Leary", "Tom Baker", "Anna Lee", "Coastal Group"]
EMAILS = ["", "a@x.example", "b@x.example"]


def random_editor(
    maker: BookMaker, rng: random.Random, paid: bool = True
) -> Callable[[], None]:
    """One random edit a sync or a person makes: profiles, records, links, "not the same".

    ``paid=False``: no agent is paid to an organization (whose own contacts are never imported).
    """
    book = maker.book
    orgs = [f"O{i}" for i in range(4)]
    people = [f"P{i:02d}" for i in range(20)]
    records = [f"R{i:02d}" for i in range(30)]

    def edit() -> None:
        what = rng.choices(range(7), weights=(3, 3, 5, 1, 1, 1, 2))[0]
        if what == 0:
            pid = rng.choice(orgs + people)
            kind = "organization" if pid in orgs else "agent"
            maker.profile(pid, kind, rng.choice(NAMES), email=rng.choice(EMAILS),
                          payable_to="" if kind == "organization" or not paid
                          else rng.choice(["", "", *orgs]),
                          archived=rng.random() < 0.1)
        elif what == 1:
            maker.remote(rng.choice(records), rng.choice(NAMES),
                         status=rng.choice(["active", "active", "archived"]),
                         email=rng.choice(EMAILS))
        elif what == 2:
            pid, rid = rng.choice(orgs + people), rng.choice(records)
            if pid in book.profiles and book.remote_record("xero", "contact", rid) and not (
                    book.linked_profile("xero", "contact", rid)):
                book.drop_link(pid, "xero", "contact")
                maker.link(pid, rid)
        elif what == 3:
            book.drop_link(rng.choice(orgs + people), "xero", "contact")
        elif what == 4:
            book.drop_remote("xero", f"contact:{rng.choice(records)}")
        elif what == 5:
            key = f"reject|xero|{rng.choice(records)}|{rng.choice(people)}"
            if key in book.decisions:
                del book.decisions[key]
            else:
                book.decisions[key] = {"key": key, "kind": "reject"}
        elif (pid := rng.choice(people)) in book.profiles:  # a profile edited in place
            profile = book.profiles[pid]
            profile.fields = ContactFields(name=rng.choice(NAMES), email=rng.choice(EMAILS))
            book.touch_profile(profile)

    return edit


def run_state(book: Book, info: ConnectorInfo = XERO) -> RunState:
    """A run of ``info`` on ``book`` with no connector behind it (the walks read the book only)."""
    return RunState(book, cast(Any, None), info, {}, cast(Any, None))


def from_scratch(maker: BookMaker, walk: Callable[[], Any]) -> Any:
    """What ``walk`` finds with nothing kept from an earlier walk (what was kept stays)."""
    kept, maker.book.derived = maker.book.derived, {}
    try:
        return walk()
    finally:
        maker.book.derived = kept


def agree_after_edits(
    maker: BookMaker, edit_round: Callable[[], None], walk: Callable[[], Any],
    size: Callable[[Any], int] = len,
) -> int:
    """40 rounds of ``edit_round`` then ``walk`` kept and from scratch, which must agree.

    Return how much the walks found in all (a test of nothing found proves nothing).
    """
    seen = 0
    for _ in range(40):
        edit_round()
        now = walk()
        assert now == from_scratch(maker, walk)
        seen += size(now)
    return seen


def agree_with_reopened(
    book: Book, edit_round: Callable[[], None], run: Callable[[Book], list[str]], seen: str
) -> int:
    """40 rounds of ``edit_round`` then ``run`` (which writes) on the book and on the same book
    opened again from its save (nothing kept), which must agree; return the lines with ``seen``.
    """
    found = 0
    for _ in range(40):
        edit_round()
        book.save()
        twin = Book.open(book.path)
        mine = run(book)
        assert mine == run(twin)
        found += sum(seen in line for line in mine)
    return found


def few(rng: random.Random, edit: Callable[[], None]) -> Callable[[], None]:
    """One to three edits."""
    def edits() -> None:
        for _ in range(rng.randint(1, 3)):
            edit()
    return edits


@pytest.mark.parametrize("seed", range(10))
def test_warnings_of_what_changed_are_the_warnings_of_the_whole_book(
    maker: BookMaker, seed: int
) -> None:
    rng = random.Random(seed)
    edit = random_editor(maker, rng)
    maker.book.connector_meta("xero")["last_full_pull"] = "2026-01-01T00:00:00+00:00"

    def warnings() -> list[tuple[str, str, str, list[str]]]:
        rs = run_state(maker.book)
        book_warnings(rs)
        return [(w.kind, w.profile_id, w.message, w.remote_ids) for w in rs.found]

    for _ in range(80):
        edit()
    assert agree_after_edits(maker, few(rng, edit), warnings)  # the random books do warn


@pytest.mark.parametrize("seed", range(10))
def test_field_diffs_of_what_changed_are_those_of_every_link(maker: BookMaker, seed: int) -> None:
    rng = random.Random(seed)
    edit = random_editor(maker, rng)

    def updates() -> list[tuple[str, str, Any]]:
        return [(p.id, r.remote_id, d) for p, _, r, d in planner.plan_updates(maker.book, XERO)]

    for _ in range(80):
        edit()
    assert agree_after_edits(maker, few(rng, edit), updates)


@pytest.mark.parametrize("seed", range(10))
def test_a_kept_candidate_index_finds_what_a_new_one_finds(maker: BookMaker, seed: int) -> None:
    """The import check's index of every profile, kept and layered between runs."""
    rng = random.Random(seed)
    edit = random_editor(maker, rng)
    book = maker.book

    def candidates() -> tuple[Any, Any]:
        profiles = sorted(book.profiles.values(), key=lambda p: p.id)
        records = sorted(book.remote["xero"].values(), key=lambda r: r.key)
        return (plausible.remote_candidates(book, XERO, {}, "contact", profiles),
                plausible.local_candidates(book, XERO, {}, records))

    for _ in range(80):
        edit()
    assert agree_after_edits(maker, few(rng, edit), candidates, lambda c: len(c[0]) + len(c[1]))
    assert ("candidates", "xero") in book.derived  # kept (each later round laid its edits over)


@pytest.mark.parametrize("seed", range(10))
def test_kept_merge_suspects_are_those_of_the_whole_book(maker: BookMaker, seed: int) -> None:
    """QBO-like names (unique across inactive records): suspects kept while profiles change."""
    rng = random.Random(seed)
    edit = random_editor(maker, rng)
    info = dataclasses.replace(XERO, name_scope="all")
    book = maker.book

    def suspects() -> list[tuple[str, str, list[str]]]:
        return [(s.profile_id, s.old.remote_id, [r.remote_id for r in s.survivors])
                for s in merged.suspects(book, info, "contact")]

    for _ in range(250):
        edit()
    def edit_round() -> None:
        if rng.random() < 0.5:  # profiles alone changed: the kept suspects may stand
            for pid in rng.sample(sorted(book.profiles), min(3, len(book.profiles))):
                profile = book.profiles[pid]
                profile.archived = rng.random() < 0.1
                book.touch_profile(profile)
        else:
            edit()

    assert agree_after_edits(maker, edit_round, suspects)


def _import_run(book: Book) -> list[str]:
    """One import phase and the settling of holds a run ends with; what a person would see.

    Imported profiles get random ids: they are named by the order they were made in.
    """
    before = set(book.profiles)
    rs = run_state(book)
    import_phase(rs, "contact")
    holds.withdraw_stale(rs)
    reviews = {pid: {k: v for k, v in p.items() if k not in ("created", "updated")}
               for pid, p in book.proposals.items()}
    ordered = [*map(repr, rs.outcomes), repr(sorted(rs.counts.items())), *rs.notes]
    unordered = [*map(repr, rs.held.items()), *map(repr, reviews.items()),
                 *(repr((pid, p.fields, p.kind)) for pid, p in book.profiles.items())]
    made = [row.profile_id for row in rs.outcomes if row.profile_id and row.profile_id not in before]
    for n, pid in enumerate(dict.fromkeys(made)):
        ordered = [line.replace(pid, f"<imported {n}>") for line in ordered]
        unordered = [line.replace(pid, f"<imported {n}>") for line in unordered]
    return ordered + sorted(unordered)


@pytest.mark.parametrize("seed", range(10))
def test_held_imports_kept_are_those_looked_up_again(maker: BookMaker, seed: int) -> None:
    """The import phase re-checks only the held records that changes since could concern."""
    rng = random.Random(seed)
    edit = random_editor(maker, rng, paid=False)
    book = maker.book

    def touch_a_hold() -> None:  # a person settles a held pair, or either side of it changes
        open_holds = sorted(pid for pid, p in book.proposals.items() if holds.is_hold(p)
                            and p.get("status") == "open")
        if not open_holds:
            return
        proposal = book.proposals[rng.choice(open_holds)]
        what = rng.randrange(4)
        if what == 0:
            book.proposals[proposal["id"]] = {**proposal, "status": "rejected"}
        elif what == 1:
            key = holds.import_anyway_key("xero", proposal["remote_id"])
            book.decisions[key] = {"key": key}
        elif what == 2:
            maker.remote(proposal["remote_id"], rng.choice(NAMES), email=rng.choice(EMAILS))
        elif (profile := book.profiles.get(proposal["profile_id"])) is not None:
            profile.fields = ContactFields(name=rng.choice(NAMES), email=rng.choice(EMAILS))
            book.touch_profile(profile)

    for _ in range(80):
        edit()
    def edit_round() -> None:
        roll = rng.random()
        if roll < 0.7:
            few(rng, edit)()
        elif roll < 0.85:
            touch_a_hold()

    assert agree_with_reopened(book, edit_round, _import_run, "status='held'")  # books hold


@pytest.mark.parametrize("seed", range(10))
def test_kept_own_contacts_are_those_of_the_whole_mirror(maker: BookMaker, seed: int) -> None:
    """The unlinked own contacts of agents paid to an organization (their balances)."""
    rng = random.Random(seed)
    edit = random_editor(maker, rng)

    def own() -> dict[str, list[str]]:
        found = balances.unlinked_own_contacts(maker.book, XERO)
        return {agent: [r.remote_id for r in records] for agent, records in found.items()}

    for _ in range(80):
        edit()
    assert agree_after_edits(maker, few(rng, edit), own)


def merge_and_company_editor(maker: BookMaker, rng: random.Random) -> Callable[[], None]:
    """The random edits, plus records merged away remotely and profiles' companies changed."""
    book, edit = maker.book, random_editor(maker, rng)

    def edit_more() -> None:
        what = rng.randrange(4)
        records = sorted(book.remote["xero"])
        linked = sorted(key for link in book.links.values()
                        if (key := f"contact:{link.remote_id}") in book.remote["xero"])
        if what == 0 and linked:  # mostly a linked record: the link phase relinks those
            record = book.remote["xero"][rng.choice(linked if rng.random() < 0.8 else records)]
            survivor = book.remote["xero"][rng.choice(records)]
            record.merged_to = "" if rng.random() < 0.3 else survivor.remote_id
            book.touch_remote("xero", [record.key])
        elif what == 1 and book.profiles:
            holders = sorted(link.profile_id for link in book.links.values()
                             if link.profile_id in book.profiles)
            profile = book.profiles[rng.choice(holders if holders and rng.random() < 0.8
                                               else sorted(book.profiles))]
            profile.fields = dataclasses.replace(profile.fields, company=rng.choice(["", "Acme"]))
            book.touch_profile(profile)
        elif what == 2 and book.links:
            link = book.links[rng.choice(sorted(book.links))]
            link.baseline = {**link.baseline, company_names.TRACKED: rng.choice(["", "Acme"])}
            book.touch_link(link)
        else:
            edit()

    return edit_more


@pytest.mark.parametrize("seed", range(10))
def test_kept_merged_away_links_are_those_of_every_link(maker: BookMaker, seed: int) -> None:
    """The links whose record was merged away (the link phase relinks them to the survivor)."""
    rng = random.Random(seed)
    edit = merge_and_company_editor(maker, rng)

    def merged_away() -> list[str]:
        return [link.remote_id for link in linking._merged_away(run_state(maker.book), "contact")]

    for _ in range(150):
        edit()
    assert agree_after_edits(maker, few(rng, edit), merged_away)


@pytest.mark.parametrize("seed", range(10))
def test_company_renames_of_what_changed_are_those_of_every_link(
    maker: BookMaker, seed: int
) -> None:
    """Links whose profile's company changed are renamed once, kept walk or whole walk."""
    rng = random.Random(seed)
    edit = merge_and_company_editor(maker, rng)
    book = maker.book
    info = dataclasses.replace(XERO, company_names=True)

    def follow(book: Book) -> list[str]:
        rs = run_state(book, info)
        company_names.follow_company(rs)
        return [*map(repr, rs.outcomes),
                *sorted(repr((k, link.baseline, link.name_source)) for k, link in book.links.items())]

    for _ in range(150):
        edit()
    assert agree_with_reopened(book, few(rng, edit), follow, "OutcomeRow(")


def test_a_hold_on_a_profile_imported_in_the_same_run_is_held_again(maker: BookMaker) -> None:
    """Two alike records, no profile: one is imported, the other held on it; the next run with
    nothing changed holds it again (its note named a profile of that run: not replayed)."""
    maker.remote("R1", "Harbour Realty")
    maker.remote("R2", "Harbour Realty")
    runs = []
    for _ in range(3):
        rs = run_state(maker.book)
        import_phase(rs, "contact")
        holds.withdraw_stale(rs)
        runs.append([(row.remote_id, row.status) for row in rs.outcomes])
    assert runs[0] == [("R1", "created"), ("R2", "held")]
    assert runs[1] == runs[2] == [("R2", "held")]
