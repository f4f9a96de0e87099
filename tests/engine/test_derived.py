"""Walks of an unchanged book are kept (engine/derived.py), and redone after any change."""

from __future__ import annotations

from pathlib import Path

from loftterm.book import Book
from loftterm.console import BookConsole
from loftterm.engine import derived
from loftterm.models import ContactFields, Link, Profile, RemoteContact


def test_every_kind_of_change_moves_the_version(tmp_path: Path) -> None:
    book = Book(tmp_path / "book.json")
    seen = [book.version]

    def moved() -> bool:
        seen.append(book.version)
        return seen[-1] != seen[-2]

    book.put_profile(Profile("P1", "agent", ContactFields(name="Ann")))
    assert moved()
    book.touch_profile(book.profiles["P1"])
    assert moved()
    book.put_link(Link("P1", "xero", "contact", "R1", "email"))
    assert moved()
    book.put_remote("xero", [RemoteContact("R1")])
    assert moved()
    book.put_remote("xero", [])  # an empty pull page changes nothing
    assert not moved()
    book.proposals["H1"] = {"id": "H1"}
    assert moved()
    book.decisions.pop("nothing", None)  # nothing removed: nothing changed
    assert not moved()
    book.journal["r1"] = {"run_id": "r1", "entries": []}
    assert moved()
    book.drop_link("P1", "xero", "contact")
    assert moved()


def test_a_walk_is_recalled_only_at_the_version_and_state_it_saw(tmp_path: Path) -> None:
    book = Book(tmp_path / "book.json")
    derived.keep(book, ("walk",), ["found"], "rule-a")
    assert derived.recall(book, ("walk",), "rule-a") == ["found"]
    assert derived.recall(book, ("walk",), "rule-b") is None
    book.put_profile(Profile("P1"))
    assert derived.recall(book, ("walk",), "rule-a") is None


def test_a_quiet_sync_reports_what_the_last_one_found(console: BookConsole) -> None:
    """The kept walks change nothing a person sees: the same warnings, holds and states."""
    console.sync("xero")
    first = console.sync("xero")  # echoes of the first run's writes settle here
    again = console.sync("xero")
    for name in ("held", "warnings", "linked", "created_remote", "updated_remote"):
        assert again.connectors["xero"].get(name) == first.connectors["xero"].get(name), name
    book = console.book()
    open_before = {k for k, w in book.warnings.items() if not w.resolved}
    assert open_before  # the demo has stuck links to show
    console.sync("xero")
    assert {k for k, w in console.book().warnings.items() if not w.resolved} == open_before
    # a change is seen at once: unlinking the profile whose linked contact is gone resolves
    # its "missing" warning on the next sync (a kept walk would raise it again)
    assert any(w.kind == "missing" and w.profile_id == "P005" and not w.resolved
               for w in console.book().warnings.values())
    console.unlink("P005", "xero")
    console.sync("xero")
    assert not any(w.kind == "missing" and w.profile_id == "P005" and not w.resolved
                   for w in console.book().warnings.values())
