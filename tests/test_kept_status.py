"""A big book's status is kept beside it while the book stands still, and derived again after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book import book as book_module
from loftterm.config import config_from_mapping
from loftterm.console import BookConsole
from loftterm.console.kept_status import kept_path
from loftterm.demo import seed_demo_book
from loftterm.plugins import make_plugin_manager
from tests.conftest import serving


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A demo book kept in parts, synced once with the Xero sandbox: the console's mapping."""
    monkeypatch.setattr(book_module, "PART_MIN_DOCS", 3)
    seed_demo_book(tmp_path / "book.json", ["xero"])
    for sandbox in serving(XeroSandbox()):
        mapping = {"book": str(tmp_path / "book.json"),
                   "connectors": {"xero": {"enabled": True, **sandbox.connector_settings()}}}
        console_of(mapping).sync("xero")
        yield mapping


def console_of(mapping: dict[str, Any]) -> BookConsole:
    """A console as a new process has it: nothing read yet."""
    pm = make_plugin_manager()
    return BookConsole(config_from_mapping(mapping, pm, base_dir=Path(mapping["book"]).parent,
                                           source="<test>"), pm)


def status_json(console: BookConsole) -> list[dict[str, Any]]:
    return [status.to_json() for status in console.status()]


def test_status_asked_again_reads_no_part_and_says_the_same(synced: dict[str, Any]) -> None:
    first = status_json(console_of(synced))
    assert kept_path(Path(synced["book"])).is_file()
    again = console_of(synced)
    assert status_json(again) == first
    held = again._book
    assert held is not None and held.in_parts and {"people", "mirror"} <= held._unloaded


def rows_json(console: BookConsole, state: str, text: str = "") -> list[dict[str, Any]]:
    return [row.to_json() for row in console.link_rows("xero", state, text)]


@pytest.mark.parametrize("state", ["blank", "duplicate", "archived", "disabled", "misplaced"])
def test_links_not_linked_come_from_the_kept_status_as_derived(
    synced: dict[str, Any], state: str
) -> None:
    status_json(console_of(synced))  # kept
    quick = console_of(synced)
    kept_rows = rows_json(quick, state)
    held = quick._book
    assert held is not None and {"people", "mirror"} <= held._unloaded  # no part read
    kept_path(Path(synced["book"])).unlink()
    assert kept_rows == rows_json(console_of(synced), state)


def test_links_searched_among_the_kept_rows_find_what_a_derived_search_finds(
    synced: dict[str, Any]
) -> None:
    derived = console_of(synced)  # no state asked: every row derived, nothing kept
    blank = [row for row in derived.link_rows("xero") if str(row.state) == "blank"]
    assert blank, "the demo book has blank links"
    needle = blank[0].name.split()[0].lower()
    expected = [row.to_json() for row in derived.link_rows("xero", "", needle)
                if str(row.state) == "blank"]
    assert not kept_path(Path(synced["book"])).exists()
    status_json(console_of(synced))
    assert rows_json(console_of(synced), "blank", needle) == expected != []


def test_a_change_to_the_book_has_status_derived_again(synced: dict[str, Any]) -> None:
    console = console_of(synced)
    before = status_json(console)[0]
    linked = next(row for row in console.link_rows("xero", "linked"))
    console.unlink(linked.profile_id, "xero", linked.role)
    after = status_json(console_of(synced))[0]
    assert after["states"]["linked"] == before["states"]["linked"] - 1
    kept_path(Path(synced["book"])).unlink()
    assert status_json(console_of(synced))[0] == after  # the same as derived from scratch


@pytest.mark.parametrize("kept", ["{not json", '{"connectors": {"xero": {"key": 1}}}', "[]"])
def test_a_damaged_kept_status_is_derived_again(synced: dict[str, Any], kept: str) -> None:
    first = status_json(console_of(synced))
    kept_path(Path(synced["book"])).write_text(kept, encoding="utf-8")
    assert status_json(console_of(synced)) == first


def test_other_settings_are_not_answered_from_the_kept_status(synced: dict[str, Any]) -> None:
    status_json(console_of(synced))
    stricter = {**synced, "connectors": {"xero": {**synced["connectors"]["xero"],
                                                  "sync_every_minutes": 45}}}
    console = console_of(stricter)
    assert console.status()[0].sync_every_minutes == 45
    held = console._book
    assert held is not None and "people" not in held._unloaded  # derived again: people read


def test_a_headless_sync_keeps_the_status_its_next_status_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli_support import run_loftterm, xero_config

    monkeypatch.setenv("LOFTTERM_PART_MIN_DOCS", "1")  # the child processes' books: in parts
    for sandbox in serving(XeroSandbox()):
        config = xero_config(tmp_path, sandbox, demo_book=True)
        assert run_loftterm("--sync", "--config", str(config)).returncode == 0
        kept = kept_path(tmp_path / "book.json")
        assert kept.is_file()
        asked = (("status", "--json"), ("links", "--state", "blank", "--json"))
        quick = [run_loftterm(*args, "--config", str(config)) for args in asked]
        derived = []
        for args in asked:
            kept.unlink()  # each derived from scratch
            derived.append(run_loftterm(*args, "--config", str(config)))
        for fast, slow in zip(quick, derived, strict=True):
            assert fast.returncode == slow.returncode == 0
            assert fast.stdout == slow.stdout
        assert '"linked"' in quick[0].stdout and '"blank"' in quick[1].stdout
