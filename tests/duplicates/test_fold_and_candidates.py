"""Unit tests: folding for duplicate detection, and the candidate index's evidence rules."""

from __future__ import annotations

from fractions import Fraction

import pytest

from loftterm.engine.plausible import (
    EQUAL_NAME,
    NEAR_NAME,
    SAME_EMAIL,
    SAME_PHONE,
    CandidateIndex,
    _Entry,
    review_band,
)
from loftterm.matching import fold, fold_core, name_score, phone_key


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("José Álvarez Realty", "jose alvarez realty"),
        ("  O'Leary   & Sons  ", "oleary and sons"),
        ("Smith-Jones Pty. Limited", "smith jones pty ltd"),
        ("\uff21\uff22\uff23 Company", "abc co"),  # full-width letters (NFKC)
        ("Straße", "strasse"),
        ("Søren Ærø", "soren aero"),
        ("J.R. Ewing + Co", "jr ewing and co"),
        ("", ""),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_core_drops_trailing_legal_forms_only() -> None:
    assert fold_core("Harbour Realty Pty Ltd") == "harbour realty"
    assert fold_core("Co-op Ltd") == "co op"  # "co" leads: kept
    assert fold_core("Ltd") == "ltd"  # nothing but legal forms: kept


def test_the_seed_score_is_not_folded() -> None:
    assert name_score("José Álvarez Realty", "Jose Alvarez Realty") == Fraction(6, 11)  # 55%
    assert name_score(fold("José Álvarez Realty"), fold("Jose Alvarez Realty")) == 1


def test_phone_key_needs_six_digits() -> None:
    assert phone_key("+61 2 9555-0101") == "61295550101"
    assert phone_key("ext 12") == ""


def index(*entries: tuple[str, str, str, str]) -> CandidateIndex:
    return CandidateIndex(
        (_Entry(key, name, email, phone, "") for key, name, email, phone in entries),
        "jaccard",
        Fraction(45, 100),
    )


def test_each_kind_of_evidence_is_named() -> None:
    found = index(
        ("R1", "Someone Else", "jo@x.example", ""),
        ("R2", "Another Name", "", "02 9555 0101"),
        ("R3", "Jose Alvarez Realty", "", ""),
        ("R4", "Greenway Plumbing & Gas Services", "", ""),
        ("R5", "Totally Unrelated", "", ""),
    )
    by_key = {c.key: c.reasons for c in found.find("José Álvarez Realty", "JO@x.example ", "0295550101")}
    assert by_key == {"R1": (SAME_EMAIL,), "R2": (SAME_PHONE,), "R3": (EQUAL_NAME,)}
    near = found.find("Greenway Plumbing", "", "")
    assert [(c.key, c.reasons, c.score) for c in near] == [("R4", (NEAR_NAME,), Fraction(15, 32))]


def test_two_known_different_emails_outweigh_a_near_name_but_not_an_equal_one() -> None:
    found = index(("R1", "Greenway Plumbing & Gas Services", "office@greenway.example", ""),
                  ("R2", "David Smith", "d.smith@one.example", ""))
    assert not found.find("Greenway Plumbing", "accounts@greenway.example", "")
    assert found.find("Greenway Plumbing", "", "")  # one email unknown: still plausible
    [smith] = found.find("David Smith", "dave@two.example", "")
    assert smith.key == "R2" and smith.reasons == (EQUAL_NAME,)


def test_ties_are_all_candidates_and_strongest_come_first() -> None:
    found = index(("A", "Summit Realty Group A", "", ""), ("B", "Summit Realty Group B", "", ""),
                  ("C", "Summit Realty Grp", "s@x.example", ""))
    ranked = found.find("Summit Realty Group", "s@x.example", "")
    assert ranked[0].key == "C" and SAME_EMAIL in ranked[0].reasons
    assert {c.key for c in ranked[1:]} == {"A", "B"}
    assert all(any(r.startswith("tied at name") for r in c.reasons) for c in ranked[1:])


def test_find_exact_leaves_out_the_record_itself_and_near_names() -> None:
    found = index(("P1", "Lakeside Homes", "", ""), ("P2", "Lakeside Homes Pty Ltd", "", ""),
                  ("P3", "Lakeside Homes Group", "", ""))
    assert [c.key for c in found.find_exact("P1", "Lakeside Homes", "", "")] == ["P2"]


def test_review_band_reads_the_setting() -> None:
    assert review_band({}) == Fraction(15, 100)
    assert review_band({"match": {"review_band": 0.2}}) == Fraction(1, 5)
