"""Explained matches and the common-name penalty."""

from __future__ import annotations

from pathlib import Path

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.engine.decide.explain import evidence
from loftterm.models import ContactFields, Profile, RemoteContact

XERO = ConnectorInfo("xero", "Xero")
SETTINGS = {"match": {"name_rule": "jaccard", "name_threshold": 0.6}}


def smiths(tmp_path: Path, remote_email: str) -> Book:
    book = Book.open(tmp_path / "b.json")
    book.put_profile(Profile("P1", "contact", ContactFields(name="David Smith", email="david@one.example")))
    book.put_profile(Profile("P2", "contact", ContactFields(name="David Smith", email="dsmith@two.example")))
    book.put_remote("xero", [RemoteContact("R1", fields=ContactFields(name="David Smith", email=remote_email))])
    return book


def test_common_name_with_different_emails_never_auto_links(tmp_path: Path) -> None:
    book = smiths(tmp_path, "david@three.example")
    result = planner.plan_links(book, XERO, SETTINGS, "contact")
    dropped = planner.penalised_matches(book, XERO, result)
    assert not [m for m in result.matches if m.method == "name"]
    assert dropped or result.ties  # not linked by name either way


def test_email_still_links_a_common_name(tmp_path: Path) -> None:
    book = smiths(tmp_path, "david@one.example")
    result = planner.plan_links(book, XERO, SETTINGS, "contact")
    planner.penalised_matches(book, XERO, result)
    assert [(m.local_key, m.method) for m in result.matches] == [("P1", "email")]


def test_rare_name_without_remote_email_links_by_name(tmp_path: Path) -> None:
    book = Book.open(tmp_path / "b.json")
    book.put_profile(Profile("P1", "contact", ContactFields(name="Priya Natarjan", email="p@x.example")))
    book.put_remote("xero", [RemoteContact("R1", fields=ContactFields(name="Priya Natarajan"))])
    result = planner.plan_links(book, XERO, SETTINGS, "contact")
    assert not planner.penalised_matches(book, XERO, result)
    assert [m.method for m in result.matches] == ["name"]


def test_evidence_explains_a_penalised_pair(tmp_path: Path) -> None:
    book = smiths(tmp_path, "david@three.example")
    found = evidence(book, XERO, SETTINGS, book.profile("P1"), book.remote_record("xero", "contact", "R1"))
    assert found.name_score == 1.0 and found.name_passes and found.common_name and found.penalised
    assert "not linked" in found.verdict
    assert any("common name: yes" in line for line in found.lines())
