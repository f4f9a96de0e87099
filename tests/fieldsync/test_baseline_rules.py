"""The link-time baseline and the cheapest balance reads, rule by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.qbo.pull import balance_queries
from connectors.xero.plugin import balance_calls
from loftterm.config import load_config
from loftterm.engine.baseline import book_is_newer, initial_baseline
from loftterm.engine.planner import diff_link
from loftterm.errors import ConfigError
from loftterm.models import Address, ContactFields, Link, Profile, RemoteContact
from loftterm.plugins import make_plugin_manager

FIELDS = ("name", "email", "phone", "billing")
STREET = Address(line1="9 Quay St", city="Sydney")


def diff(local: ContactFields, remote: ContactFields, *, book_newer: bool,
         keep_ledger_names: bool = False) -> tuple[set[str], set[str], set[str]]:
    base = initial_baseline(local, remote, FIELDS, book_newer=book_newer,
                            keep_ledger_names=keep_ledger_names)
    found = diff_link(Profile("P1", fields=local), RemoteContact("r1", fields=remote),
                      Link("P1", "xero", "contact", "r1", "name", baseline=base), FIELDS)
    return set(found.push), set(found.pull), set(found.conflicts)


def test_a_blank_on_either_side_is_filled_from_the_other() -> None:
    local = ContactFields(name="Peter Novak", phone="+61 2 9555 0199")
    remote = ContactFields(name="Peter Novak", email="peter@novak.example", billing=STREET)
    for newer in (True, False):
        assert diff(local, remote, book_newer=newer) == ({"phone"}, {"email", "billing"}, set())


def test_values_on_both_sides_follow_the_book_only_when_it_is_newer() -> None:
    local = ContactFields(name="Priya Natarjan", email="p@one.example")
    remote = ContactFields(name="Priya Natarajan", email="p@one.example")
    assert diff(local, remote, book_newer=True) == ({"name"}, set(), set())
    assert diff(local, remote, book_newer=False) == (set(), set(), {"name"})
    assert diff(local, remote, book_newer=True, keep_ledger_names=True) == (set(), {"name"}, set())


def test_equal_values_agree_and_phones_compare_by_digits() -> None:
    local = ContactFields(name="Tom Baker", phone="+61 2 9555 0101")
    remote = ContactFields(name="Tom Baker", phone="61 2 9555 0101")
    assert diff(local, remote, book_newer=False) == (set(), set(), set())


def test_xero_reads_balances_by_id_or_by_page_whichever_is_fewer() -> None:
    assert balance_calls(10, 30, 1000) == ("ids", 1)
    assert balance_calls(120, 200, 1000) == ("pages", 1)
    assert balance_calls(5000, 10000, 1000) == ("pages", 10)
    assert balance_calls(40, 100000, 1000) == ("ids", 1)


def test_qbo_reads_balances_by_id_or_by_page_whichever_is_fewer() -> None:
    assert balance_queries(10, 30) == ("ids", 1)
    assert balance_queries(2400, 5000) == ("ids", 5)
    assert balance_queries(2600, 5000) == ("pages", 5)
    assert balance_queries(4000, 5000) == ("pages", 5)


def test_first_link_names_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "loftterm.yaml"
    path.write_text("book: book.json\nconnectors:\n  xero:\n    client_id: a\n    client_secret: b\n"
                    "    first_link_names: remote\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"first_link_names.*book, ledger"):
        load_config(path, make_plugin_manager(), env={})
    path.write_text(path.read_text(encoding="utf-8").replace("remote", "ledger"), encoding="utf-8")
    config = load_config(path, make_plugin_manager(), env={})
    assert config.connector("xero").settings["first_link_names"] == "ledger"


def test_the_book_is_newer_by_its_whole_seconds() -> None:
    profile = Profile("P1", updated_at="2026-01-01T00:00:05+00:00")
    assert book_is_newer(profile, RemoteContact("r", updated="2026-01-01T00:00:04.900Z"))
    assert book_is_newer(profile, RemoteContact("r", updated="2026-01-01T00:00:05.500Z"))  # tie
    assert not book_is_newer(profile, RemoteContact("r", updated="2026-01-01T00:00:06.000Z"))
    assert not book_is_newer(profile, RemoteContact("r", updated="2026-01-01T11:00:06+10:00"))
    assert book_is_newer(profile, RemoteContact("r"))  # the remote keeps no time
