"""A sync killed at each step of a book save leaves a whole book and a whole backup.

The save writes a temp file, fsyncs it, keeps the previous book as ``<book>.bak`` and renames
the temp file into place.  The killed process SIGKILLs itself inside its first save: half-way
through the temp file, before the backup is made, with the backup made but the book not yet
renamed, and right after the rename.  Each time the book opens (old or new), the backup opens,
and a rerun converges.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from tests.reliability.conftest import CliResult, sections
from tests.reliability.harness import start_cli

CRASH_PRELUDE = r'''
import os, signal
from loftterm.book import storage as _storage
_point = os.environ["CRASH_AT"]
_armed = [False]

def _die():
    os.kill(os.getpid(), signal.SIGKILL)

_write = _storage.write_book_file
def _write_armed(path, data):
    _armed[0] = True  # the first save of the run is the one killed
    return _write(path, data)
_storage.write_book_file = _write_armed

_encode = _storage._encode_tables
def _encode_half(data):
    for number, piece in enumerate(_encode(data)):
        if _armed[0] and _point == "mid-write" and number == 3:
            _die()
        yield piece
_storage._encode_tables = _encode_half

_link, _replace = os.link, os.replace
def _link_checked(src, dst, *args, **kwargs):
    if _armed[0] and _point == "before-backup" and str(src).endswith("book.json"):
        _die()
    return _link(src, dst, *args, **kwargs)
def _replace_checked(src, dst, *args, **kwargs):
    book = str(dst).endswith("book.json")
    if _armed[0] and book and _point == "before-rename":
        _die()
    _replace(src, dst, *args, **kwargs)
    if _armed[0] and book and _point == "after-rename":
        _die()
os.link, os.replace = _link_checked, _replace_checked
'''


@pytest.mark.parametrize("point", ["mid-write", "before-backup", "before-rename", "after-rename"])
def test_a_kill_inside_a_book_save_leaves_a_whole_book_and_backup(
    make_config: Callable[..., Path], xero: XeroSandbox, tmp_path: Path, point: str,
    cli: Callable[..., CliResult],
) -> None:
    config = make_config(sections(xero=xero))
    book = tmp_path / "book.json"
    Book.open(book).save()  # a book with a backup, as after any earlier sync
    old = book.read_bytes()
    proc = start_cli("--sync", "--config", str(config), env={"CRASH_AT": point},
                     prelude=CRASH_PRELUDE)
    assert proc.wait(60) == -9, "the save was reached and killed"
    after = Book.open(book)  # whole: the old book or the new one, never a torn one
    assert (book.read_bytes() == old) == (point != "after-rename")
    assert after.profiles.keys() == Book.open(tmp_path / "book.json.bak").profiles.keys()
    done = cli("--sync", "--config", str(config))
    assert done.code == 0, done.err
    assert Book.open(tmp_path / "book.json.bak").profiles
