"""Remembered decisions: not-same pairs, manual links and unlinks are respected by later syncs."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import (
    DANIEL_OKAFOR_DOT_ID,
    DANIEL_OKAFOR_ID,
    JORDAN_LEE_ID,
    JORDAN_LEE_OLD_ID,
    THOMAS_BAKER_ID,
)
from loftterm.demo import DemoEnvironment
from loftterm.engine.decide.decisions import without_pairs
from loftterm.errors import UsageError
from loftterm.matching import MatchRecord, match_records
from tests.beyond_decisions.conftest import console_for, open_warnings, remote_of


def test_not_same_on_a_duplicate_warning_does_not_come_back(xero_demo: DemoEnvironment) -> None:
    console = console_for(xero_demo)
    console.sync("xero")
    assert [w.remote_ids for w in open_warnings(console, "duplicate", "P007")] == [
        sorted([DANIEL_OKAFOR_ID, DANIEL_OKAFOR_DOT_ID])
    ]
    decision = console.reject_pair("P007", "xero", DANIEL_OKAFOR_DOT_ID)
    assert decision.kind == "reject" and decision.profile_id == "P007"
    assert "is not" in decision.meaning
    assert not open_warnings(console, "duplicate", "P007")  # settled at once
    # "none of these is P006": the archived holder of Jordan's email
    [archived] = console.reject_candidates("P006", "xero")
    assert archived.remote_id == JORDAN_LEE_OLD_ID
    for _ in range(2):
        assert console.sync("xero", full_pull=True).ok
        assert not open_warnings(console, "duplicate", "P007")
        assert not open_warnings(console, "archived-duplicate", "P006")
    assert remote_of(console, "P007", "xero") == DANIEL_OKAFOR_ID
    assert not console.book().linked_profile("xero", "contact", DANIEL_OKAFOR_DOT_ID)
    with pytest.raises(UsageError, match="unlink it first"):
        console.reject_pair("P007", "xero", DANIEL_OKAFOR_ID)
    with pytest.raises(UsageError, match="no open duplicate warning"):
        console.reject_candidates("P007", "xero")


def test_not_same_on_an_email_tie_is_respected_per_pair(
    xero_demo: DemoEnvironment,
) -> None:
    xero = xero_demo.sandboxes["xero"]
    assert isinstance(xero, XeroSandbox)
    assert not xero.edit_contact(JORDAN_LEE_OLD_ID, ContactStatus="ACTIVE")
    console = console_for(xero_demo)
    console.sync("xero")
    [tie] = open_warnings(console, "duplicate", "P006")  # two active holders of one email
    assert set(tie.remote_ids) == {JORDAN_LEE_ID, JORDAN_LEE_OLD_ID}
    assert remote_of(console, "P006", "xero") == ""
    console.reject_candidates("P006", "xero")  # none of these is Jordan
    before = len(console.book().profiles)
    for _ in range(2):
        assert console.sync("xero", full_pull=True).ok
        assert remote_of(console, "P006", "xero") == ""  # neither by email nor by name
        assert not open_warnings(console, "duplicate", "P006")
    assert len(console.book().profiles) == before  # holders of a profile's email: not imported
    # forgetting one rejection lets the email link that pair (and only that one)
    console.forget_decision(f"reject|xero|{JORDAN_LEE_ID}|P006")
    assert console.sync("xero").ok
    assert remote_of(console, "P006", "xero") == JORDAN_LEE_ID


def test_an_unlinked_auto_link_is_not_recreated_and_a_manual_link_survives(
    xero_demo: DemoEnvironment,
) -> None:
    console = console_for(xero_demo)
    console.sync("xero")
    assert remote_of(console, "P002", "xero") == THOMAS_BAKER_ID  # by email
    assert remote_of(console, "P007", "xero") == DANIEL_OKAFOR_ID
    console.unlink("P002", "xero")
    console.unlink("P007", "xero")
    console.link("P007", "xero", DANIEL_OKAFOR_DOT_ID)  # the other Daniel, by hand
    keys = {d.key for d in console.decisions()}
    assert f"unlink|xero|P002|{THOMAS_BAKER_ID}" in keys
    assert f"manual|xero|P007|{DANIEL_OKAFOR_DOT_ID}" in keys
    for _ in range(2):
        assert console.sync("xero", full_pull=True).ok
        assert remote_of(console, "P002", "xero") != THOMAS_BAKER_ID
        assert not console.book().linked_profile("xero", "contact", THOMAS_BAKER_ID)
        row = console.profile("P007").links[0]
        assert (row.remote_id, row.method) == (DANIEL_OKAFOR_DOT_ID, "manual")
    assert not console.book().linked_profile("xero", "contact", DANIEL_OKAFOR_ID)
    shown = {d.key: d for d in console.decisions()}
    assert "never relinked automatically" in shown[f"unlink|xero|P002|{THOMAS_BAKER_ID}"].meaning
    # linking the pair by hand again overrides the unlink
    console.link("P002", "xero", THOMAS_BAKER_ID)
    keys = {d.key for d in console.decisions()}
    assert f"unlink|xero|P002|{THOMAS_BAKER_ID}" not in keys
    assert f"manual|xero|P002|{THOMAS_BAKER_ID}" in keys
    assert console.sync("xero").ok and remote_of(console, "P002", "xero") == THOMAS_BAKER_ID


def test_a_rejected_review_does_not_come_back(field_demo: DemoEnvironment) -> None:
    console = console_for(field_demo)
    console.sync()
    pid = "sortscape:P002:C-1002"
    assert pid in {p.id for p in console.proposals()}
    assert console.decide_proposal(pid, accept=False).status == "rejected"
    for _ in range(2):
        assert console.sync().ok
        assert pid not in {p.id for p in console.proposals()}
        assert remote_of(console, "P002", "sortscape") != "C-1002"
    assert "reject|sortscape|C-1002|P002" in {d.key for d in console.decisions()}
    # not-same on another review closes it as rejected too
    console.reject_pair("P010", "sortscape", "C-1001")
    assert "sortscape:P010:C-1001" not in {p.id for p in console.proposals()}
    assert console.sync().ok
    assert "sortscape:P010:C-1001" not in {p.id for p in console.proposals()}


def test_decisions_export_and_forget(xero_demo: DemoEnvironment, tmp_path: Path) -> None:
    console = console_for(xero_demo)
    console.sync("xero")
    console.reject_pair("P007", "xero", DANIEL_OKAFOR_DOT_ID)
    console.unlink("P003", "xero")
    found = console.decisions()
    assert {d.kind for d in found} >= {"reject", "unlink"}
    from loftterm.engine.decide.decisions import export

    assert export(found, tmp_path / "d.csv") == "csv"
    with (tmp_path / "d.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["key"] for r in rows} == {d.key for d in found}
    assert {"kind", "connector", "profile_id", "remote_id", "meaning", "at"} <= set(rows[0])
    assert export(found, tmp_path / "d.json") == "json"
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert [d["key"] for d in data] == [d.key for d in found]
    key = f"reject|xero|{DANIEL_OKAFOR_DOT_ID}|P007"
    assert console.forget_decision(key).key == key
    assert key not in {d.key for d in console.decisions()}
    with pytest.raises(UsageError, match="no decision"):
        console.forget_decision(key)


def test_without_pairs_matches_as_if_the_pair_did_not_exist() -> None:
    locals_ = [MatchRecord("A", "Ann Lee", "ann@x.example"), MatchRecord("B", "Bob Ray", "")]
    remotes = [
        MatchRecord("r1", "Ann Lee", "ann@x.example"),
        MatchRecord("r2", "Ann Lee.", "ann@x.example"),
        MatchRecord("r3", "Bob Ray", ""),
    ]
    limit = Fraction(3, 5)
    plain = match_records(locals_, remotes, threshold=limit)
    assert [t.local_key for t in plain.ties] == ["A"]  # two active holders of Ann's email
    fixed = without_pairs(plain, {("A", "r1")}, locals_, remotes, rule="jaccard", threshold=limit)
    assert {(m.local_key, m.remote_key, m.method) for m in fixed.matches} == {
        ("A", "r2", "email"),
        ("B", "r3", "name"),
    }
    assert not fixed.ties
    # two profiles claiming one record: excluding one pair gives it to the other
    twins = [MatchRecord("A", "Bob Ray", ""), MatchRecord("B", "Bob Ray", "")]
    tied = match_records(twins, remotes[2:], threshold=limit)
    assert len(tied.ties) == 2
    fixed = without_pairs(tied, {("A", "r3")}, twins, remotes[2:], rule="jaccard", threshold=limit)
    assert [(m.local_key, m.remote_key) for m in fixed.matches] == [("B", "r3")]
    assert not fixed.ties
