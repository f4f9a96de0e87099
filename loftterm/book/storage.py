"""TinyDB storage that writes the whole book atomically and refuses to read a corrupt one.

TinyDB's own JSONStorage rewrites the file in place on every write; this one is only flushed by
TinyDB's CachingMiddleware when the book is saved, writes a temp file, fsyncs it, keeps the
previous good file as ``<book>.bak`` and renames the new one into place.

The file is one JSON document (TinyDB reads it), laid out one document per line::

    {
    "meta":{
    "1":{...}
    },
    "profiles":{
    "1":{...},
    "2":{...}
    },
    ...
    }

so a 100k-profile book is read record by record (:func:`iter_book_records`): the whole parsed
file is never in memory at once (it would take ~4x the file size), and it is written record by
record too.  A file in any other layout (an older loftterm, TinyDB, a hand edit) is read whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tinydb.storages import Storage

from loftterm.durable import fsync_directory
from loftterm.errors import BookCorruptError
from loftterm.heap import gc_paused

try:  # orjson is optional: ~2.5x faster than json on book records (see bench/README.md)
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


def encode_document(doc: Any) -> bytes:
    """One document as the book writes it (compact JSON)."""
    return _dumps(doc)


class LayoutMismatch(Exception):
    """The file is not in the one-document-per-line layout: read it whole instead."""


class Table(Protocol):
    """What a table must offer to be written: its documents by id, in order."""

    def items(self) -> Iterable[tuple[str, Any]]:
        """Pairs of document id and document."""
        ...


class NumberedTable:
    """A table whose documents are numbered from 1 and produced while the file is written."""

    def __init__(self, docs: Iterable[Any]) -> None:
        self.docs = docs

    def items(self) -> Iterator[tuple[str, Any]]:
        """Pairs of document id ("1", "2"...) and document."""
        return ((str(number), doc) for number, doc in enumerate(self.docs, start=1))


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
        # An existing book is never empty (a new book is a missing file): an empty one was cut
        # short by something else.  Read as a new book, the next save would replace the good
        # backup with it (issue 7).
        raise BookCorruptError(corrupt_message(path, "the file is empty"))
    try:
        data = _loads(raw)
    except (_DecodeError, UnicodeDecodeError) as exc:
        try:  # the stdlib parser says where
            json.loads(raw.decode("utf-8", errors="replace"))
            detail = str(exc)
        except json.JSONDecodeError as located:
            detail = f"line {located.lineno} column {located.colno}: {located.msg}"
        raise BookCorruptError(corrupt_message(path, detail)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BookCorruptError(
            corrupt_message(path, "not a TinyDB book (top level must map tables)")
        )
    return data


def corrupt_message(path: Path, detail: str) -> str:
    """Say the book is corrupt, that it was left untouched, and how to restore its backup."""
    bak = backup_path(path)
    advice = (
        f"the previous good copy is {bak}; restore it with `cp '{bak}' '{path}'`"
        if bak.exists()
        else "no backup exists; move the file away to start a new book"
    )
    return f"{path}: the book is corrupt ({detail}); it was left untouched; {advice}"


def iter_book_records(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(table, document)`` for every document of a book written by this module.

    Tables come in file order, documents in id order.  Raises :class:`LayoutMismatch` (possibly
    after yielding some documents) when the file is missing, in another layout, or damaged: the
    caller then starts over with :func:`read_book_file`, which reads any layout and explains
    damage.  Only documents numbered 1, 2, 3... are accepted, so what is yielded is exactly what
    the whole file parses to.
    """
    try:
        handle = open(path, "rb")  # closed by the with below
    except FileNotFoundError:
        raise LayoutMismatch("no file") from None
    with handle:
        if handle.readline() != b"{\n":
            raise LayoutMismatch("not one document per line")
        last_table, names = False, set()
        while not last_table:
            header = handle.readline()
            if not (header.startswith(b'"') and header.endswith(b'":{\n')):
                raise LayoutMismatch("table header expected")
            try:
                name = _loads(header[:-3])
            except (_DecodeError, UnicodeDecodeError):
                raise LayoutMismatch("table name") from None
            if not isinstance(name, str) or name in names:
                raise LayoutMismatch("table name")
            names.add(name)
            number, more = 0, True
            for line in handle:
                if line == b"}\n" or line == b"},\n":
                    if number and more:
                        raise LayoutMismatch("comma after the last document")
                    last_table = line == b"}\n"
                    break
                if not more:
                    raise LayoutMismatch("missing comma between documents")
                number += 1
                prefix = b'"%d":' % number
                if not line.startswith(prefix):
                    raise LayoutMismatch("documents must be numbered 1, 2, 3...")
                more = line.endswith(b"},\n")
                end = -2 if more else -1
                if not line.endswith(b"}\n") and not more:
                    raise LayoutMismatch("a document must end its line")
                try:
                    doc = _loads(line[len(prefix) : end])
                except (_DecodeError, UnicodeDecodeError):
                    raise LayoutMismatch("document does not parse") from None
                yield name, doc
            else:
                raise LayoutMismatch("file ends inside a table")
        if handle.readline() != b"}\n" or handle.read(1):
            raise LayoutMismatch("the file must end after its last table")


def _encode_tables(data: Mapping[str, Table]) -> Iterator[bytes]:
    """The book in the one-document-per-line layout, in pieces (see the module docstring)."""
    yield b"{\n"
    names = list(data)
    for position, name in enumerate(names):
        yield _dumps(name) + b":{\n"
        table = data[name]
        if isinstance(table, NumberedTable):  # the usual case: one formatting per document
            last = 0
            pending = b""
            for last, doc in enumerate(table.docs, start=1):
                if last > 1:
                    yield b'"%d":%b,\n' % (last - 1, pending)
                pending = _dumps(doc)
            if last:
                yield b'"%d":%b\n' % (last, pending)
        else:
            lines = [_dumps(str(key)) + b":" + _dumps(doc) for key, doc in table.items()]
            if lines:
                yield b",\n".join(lines) + b"\n"
        yield b"}\n" if position == len(names) - 1 else b"},\n"
    yield b"}\n"


def write_book_file(path: Path, data: Mapping[str, Table]) -> None:
    """Write the book atomically: temp file, fsync, keep the old file as .bak, rename.

    ``data`` maps table names to tables (``dict`` of documents by id, or a :class:`NumberedTable`
    that builds its documents while they are written, so the whole encoded book never sits in
    memory at once).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb", buffering=1 << 20) as handle:
            with gc_paused():
                handle.writelines(_encode_tables(data))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            # The new backup replaces the old one in one rename: a crash here never leaves the
            # book without a backup (unlinking the old one first did; issue 7).
            bak = backup_path(path)
            fresh = bak.with_name(f".{bak.name}.{os.getpid()}.tmp")
            fresh.unlink(missing_ok=True)
            os.link(path, fresh)
            os.replace(fresh, bak)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_directory(path.parent)


def encode_part(table: str, docs: Iterable[Any]) -> Iterator[bytes]:
    """One table's documents as a TinyDB file of its own, one document per line."""
    return _encode_tables({table: NumberedTable(docs)})


def _blocks(chunks: Iterable[bytes], size: int = 1 << 18) -> Iterator[bytes]:
    """The chunks joined into blocks of about ``size`` bytes (fewer reads to compare)."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _copy_prefix(source: BinaryIO, target: BinaryIO, size: int) -> None:
    source.seek(0)
    while size > 0:
        piece = source.read(min(size, 1 << 20))
        if not piece:
            raise OSError("the previous part shrank while it was read")
        target.write(piece)
        size -= len(piece)


def write_part(folder: Path, stem: str, previous: Path | None, chunks: Iterable[bytes]) -> Path:
    """Write a part of the book, ``<stem>.<digest>.json``, unless it equals ``previous``.

    The new content is compared with the previous part while it is encoded, once: nothing is
    written while they agree, and at the first difference the agreed bytes are copied from the
    previous file and the rest is written after them (temp file, fsync, rename; the main file
    commits the part later).  Returns the part's path (``previous`` when nothing changed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.blake2b(digest_size=10)
    tmp = folder / f".{stem}.{os.getpid()}.tmp"
    old = open(previous, "rb") if previous is not None and previous.exists() else None
    out: BinaryIO | None = None
    agreed = 0  # bytes equal to the previous part, not written yet
    try:
        for chunk in _blocks(chunks):
            hasher.update(chunk)
            if out is None:
                if old is not None and old.read(len(chunk)) == chunk:
                    agreed += len(chunk)
                    continue
                out = open(tmp, "wb", buffering=1 << 20)  # closed below
                if old is not None and agreed:
                    _copy_prefix(old, out, agreed)
            out.write(chunk)
        if out is None:
            if old is not None and previous is not None and not old.read(1):
                return previous  # the same content, byte for byte
            out = open(tmp, "wb")  # a shorter content, or no previous part
            if old is not None and agreed:
                _copy_prefix(old, out, agreed)
        out.flush()
        os.fsync(out.fileno())
        out.close()
        target = folder / f"{stem}.{hasher.hexdigest()}.json"
        os.replace(tmp, target)
        return target
    finally:
        if old is not None:
            old.close()
        if out is not None and not out.closed:
            out.close()
        if tmp.exists():
            tmp.unlink()


class AtomicJSONStorage(Storage):
    """A TinyDB storage backed by :func:`read_book_file` and :func:`write_book_file`."""

    def __init__(self, path: str, **_: Any) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the whole book, or None for a new one."""
        return read_book_file(self.path)

    def read_records(self) -> Iterator[tuple[str, Any]]:
        """Stream ``(table, document)`` pairs (see :func:`iter_book_records`)."""
        return iter_book_records(self.path)

    def write(self, data: Mapping[str, Table]) -> None:
        """Write the whole book atomically."""
        write_book_file(self.path, data)

    def close(self) -> None:
        """Nothing to release: the file is not kept open."""
