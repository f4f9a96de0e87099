"""TinyDB storage that writes the whole book atomically and refuses to read a corrupt one.

TinyDB's own JSONStorage rewrites the file in place on every write; this one is only flushed by
TinyDB's CachingMiddleware when the book is saved, writes a temp file, fsyncs it, keeps the
previous good file as ``<book>.bak`` and renames the new one into place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from loftterm.errors import BookCorruptError

try:  # orjson is optional: about 10x faster on a 100k-profile book (see bench/README.md)
    import orjson

    def _dumps(data: Any) -> bytes:
        return orjson.dumps(data)

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: type[ValueError] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - exercised only without orjson

    def _dumps(data: Any) -> bytes:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    _loads = json.loads
    _DecodeError = json.JSONDecodeError


def backup_path(path: Path) -> Path:
    """Return where the previous good copy of a book is kept."""
    return path.with_name(path.name + ".bak")


def read_book_file(path: Path) -> dict[str, dict[str, Any]] | None:
    """Parse a book file; None when it does not exist; a one-line error when it is unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BookCorruptError(f"{path}: cannot read the book ({exc})") from exc
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = _loads(raw)
        except (_DecodeError, UnicodeDecodeError) as exc:
            try:  # the stdlib parser says where
                json.loads(raw.decode("utf-8", errors="replace"))
                detail = str(exc)
            except json.JSONDecodeError as located:
                detail = f"line {located.lineno} column {located.colno}: {located.msg}"
            raise BookCorruptError(_corrupt_message(path, detail)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BookCorruptError(
            _corrupt_message(path, "not a TinyDB book (top level must map tables)")
        )
    return data


def _corrupt_message(path: Path, detail: str) -> str:
    bak = backup_path(path)
    advice = (
        f"the previous good copy is {bak}; restore it with `cp '{bak}' '{path}'`"
        if bak.exists()
        else "no backup exists; move the file away to start a new book"
    )
    return f"{path}: the book is corrupt ({detail}); it was left untouched; {advice}"


def write_book_file(path: Path, data: dict[str, dict[str, Any]]) -> None:
    """Write the book atomically: temp file, fsync, keep the old file as .bak, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(_dumps(data))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            bak = backup_path(path)
            if bak.exists():
                bak.unlink()
            os.link(path, bak)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class AtomicJSONStorage(Storage):
    """A TinyDB storage backed by :func:`read_book_file` and :func:`write_book_file`."""

    def __init__(self, path: str, **_: Any) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the whole book, or None for a new one."""
        return read_book_file(self.path)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write the whole book atomically."""
        write_book_file(self.path, data)

    def close(self) -> None:
        """Nothing to release: the file is not kept open."""
