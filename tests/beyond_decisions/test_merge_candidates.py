"""Which local profiles the merge screen offers as duplicates of another, and why (book only)."""

from __future__ import annotations

from pathlib import Path

from loftterm.book import Book
from loftterm.engine.decide.merge import merge_candidates
from loftterm.models import ContactFields, Link, Profile, Warning


def _book(tmp_path: Path) -> Book:
    book = Book(tmp_path / "book.json")
    for pid, name, email in (
        ("P1", "Daniel Okafor", "daniel@example.com"),
        ("P2", "daniel  OKAFOR", ""),  # same name once normalised
        ("P3", "Dan Okafor", "daniel@example.com"),  # same email
        ("P4", "Okafor Holdings", "accounts@okafor.example"),  # holds the warned record
        ("P5", "Daniel Okafor", "other@example.com"),  # same name, but archived
        ("P6", "Someone Else", "someone@example.com"),
    ):
        book.put_profile(Profile(pid, "contact", ContactFields(name=name, email=email),
                                 archived=pid == "P5"))
    book.put_link(Link("P4", "xero", "contact", "X-9", "email"))
    book.warnings["w1"] = Warning("duplicate", "xero", "P1", "two Xero contacts match",
                                  ["X-1", "X-9"])
    return book


def test_candidates_come_with_their_reasons_strongest_first(tmp_path: Path) -> None:
    found = merge_candidates(_book(tmp_path), "P1", {})
    assert [c.profile_id for c in found] == ["P4", "P3", "P2"]  # remote evidence, email, name
    why = {c.profile_id: c.reasons for c in found}
    assert why["P2"] == ("same name Daniel Okafor",)
    assert why["P3"] == ("same email daniel@example.com",)
    assert why["P4"] == ("linked to the xero record X-9 that a warning of Daniel Okafor names",)
    # P4 holds a link and P1 none: keep P4.  P2 has fewer fields, P3 as many: keep P1.
    assert {c.profile_id: c.keep for c in found} == {"P4": True, "P3": False, "P2": False}


def test_archived_profiles_resolved_warnings_and_itself_are_never_offered(tmp_path: Path) -> None:
    book = _book(tmp_path)
    book.warnings["w1"].resolved = True
    found = {c.profile_id for c in merge_candidates(book, "P1", {})}
    assert found == {"P2", "P3"}  # not P5 (archived), P4 (resolved warning), P1 (itself)
    assert merge_candidates(book, "P6", {}) == []
