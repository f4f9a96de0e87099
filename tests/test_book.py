"""The book file: atomic saves with a backup, corrupt and newer files refused, one writer."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from loftterm.book import SCHEMA_VERSION, Book
from loftterm.book.lock import BookLock
from loftterm.errors import BookCorruptError, BookLockedError
from loftterm.models import Balance, ContactFields, Link, Profile, RemoteContact


def sample(path: Path) -> Book:
    book = Book.open(path)
    book.put_profile(Profile("P1", "agent", ContactFields(name="Ann Lee", email="Ann@Example.com")))
    book.put_link(Link("P1", "xero", "contact", "R1", "email"))
    book.put_remote(
        "xero",
        [
            RemoteContact(
                "R1",
                fields=ContactFields(name="Ann Lee"),
                balance=Balance(Decimal("12.50"), Decimal("0"), "AUD"),
            )
        ],
    )
    book.save()
    return book


def test_round_trip_keeps_records_and_indexes(tmp_path: Path) -> None:
    sample(tmp_path / "b.json")
    book = Book.open(tmp_path / "b.json")
    assert book.profile("P1").name == "Ann Lee"
    assert book.linked_profile("xero", "contact", "R1") == "P1"
    assert book.profiles_with_email(" ann@example.COM ") == {"P1"}
    assert book.remote_record("xero", "contact", "R1").balance.ar == Decimal("12.50")
    assert book.meta["schema_version"] == SCHEMA_VERSION


def test_save_keeps_previous_copy_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    book = sample(path)
    first = path.read_bytes()
    book.put_profile(Profile("P2", "contact", ContactFields(name="Bo")))
    book.save()
    assert (tmp_path / "b.json.bak").read_bytes() == first
    assert "P2" in Book.open(path).profiles


def test_corrupt_book_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    sample(path).save()
    path.write_text('{"profiles": {"1": {"id": "P1"', encoding="utf-8")
    damaged = path.read_bytes()
    with pytest.raises(BookCorruptError) as err:
        Book.open(path)
    message = str(err.value)
    assert "corrupt" in message and "line 1" in message and "b.json.bak" in message
    assert "\n" not in message
    assert path.read_bytes() == damaged


def test_book_from_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}}), encoding="utf-8"
    )
    with pytest.raises(BookCorruptError, match="newer loftterm"):
        Book.open(path)


def test_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    with BookLock(path, wait_s=0):
        with pytest.raises(BookLockedError, match=f"pid {os.getpid()}"):
            BookLock(path, wait_s=0.2).acquire()
    with BookLock(path, wait_s=0):
        pass  # released: the next writer gets it


def test_lock_of_a_killed_process_is_not_stale(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    code = (
        f"import os; from pathlib import Path; from loftterm.book.lock import BookLock; "
        f"BookLock(Path({str(path)!r})).acquire(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with BookLock(path, wait_s=0):
        pass


def test_profiles_sharing_an_email_are_all_found_until_each_leaves(tmp_path: Path) -> None:
    book = Book(tmp_path / "book.json")
    for pid in ("P1", "P2", "P3"):
        book.put_profile(Profile(pid, "agent", ContactFields(name=pid, email="Desk@Shared.example")))
    assert book.profiles_with_email("desk@shared.example") == {"P1", "P2", "P3"}
    book.drop_profile("P2")
    assert book.profiles_with_email("desk@shared.example") == {"P1", "P3"}
    book.put_profile(Profile("P3", "agent", ContactFields(name="P3", email="p3@own.example")))
    assert book.profiles_with_email("desk@shared.example") == {"P1"}
    book.drop_profile("P1")
    assert book.profiles_with_email("desk@shared.example") == set()
    book.put_profile(Profile("P1", "agent", ContactFields(name="P1", email="p3@own.example")))
    assert book.profiles_with_email("P3@own.example") == {"P1", "P3"}


def test_an_email_edited_in_place_and_touched_is_found_by_its_new_email_only(tmp_path: Path) -> None:
    book = Book(tmp_path / "book.json")
    book.put_profile(Profile("P1", "agent", ContactFields(name="Ann", email="ann@old.example")))
    profile = book.profiles["P1"]
    profile.fields = dataclasses.replace(profile.fields, email="Ann@New.example")
    book.touch_profile(profile)
    assert book.profiles_with_email("ann@new.example") == {"P1"}
    assert book.profiles_with_email("ann@old.example") == set()
