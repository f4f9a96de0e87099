"""The book in memory: profiles, links, the remote mirror, warnings, runs and meta.

TinyDB is the file format and the storage API (:mod:`loftterm.book.storage`): the book is kept
in memory with indexes built at load (by email, by remote id) and written back in one atomic
save, a bounded number of times per sync; a big one lives in parts (:mod:`loftterm.book.parts`).
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware

from loftterm.book.parts import (
    PART_TABLE,
    MirrorChanges,
    drop_parts,
    lazy_group,
    part_map,
    part_records,
    part_stem,
    records_of,
)
from loftterm.book.sharing import share_baseline
from loftterm.book.storage import (
    AtomicJSONStorage,
    LayoutMismatch,
    NumberedTable,
    corrupt_message,
    encode_part,
    gc_paused,
    write_part,
)
from loftterm.durable import fsync_directory
from loftterm.errors import BookCorruptError, UsageError
from loftterm.models import Link, Profile, RemoteContact, Warning

SCHEMA_VERSION = 2  # what this reads; a book in one file is still written as 1 (see save)
# A book with more profiles, links and mirrored records keeps them in parts (see save); the
# environment can lower it so that trials on small books exercise parts (bench/chaos.py --parts).
PART_MIN_DOCS = int(os.environ.get("LOFTTERM_PART_MIN_DOCS") or 5000)
PARTS_KEY = "_parts"  # in the written meta document: part group -> file, beside the book
# load order: profiles first (links and the mirror share their values)
MAX_RUNS = 200


def now_iso() -> str:
    """Return the current UTC time as ISO-8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


LinkKey = tuple[str, str, str]  # profile id, connector, role
_NO_META = object()  # _consume: no meta document comes first (a part)


class Book:
    """The whole book held in memory, with its indexes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._profiles: dict[str, Profile] = {}
        self._links: dict[LinkKey, Link] = {}
        self._remote: dict[str, dict[str, RemoteContact]] = defaultdict(dict)
        # the pull token of the last full pull that saw each mirrored record (resumable pulls)
        self._seen: dict[str, dict[str, str]] = defaultdict(dict)
        self._journal: dict[str, dict[str, Any]] = {}  # by run id (engine/runs/journal.py)
        # lazy groups of a book in parts not read yet ("people", "mirror", "journal"), and the
        # error that left one half-read (such a book is never saved)
        self._unloaded: set[str] = set()
        self._broken: BookCorruptError | None = None
        self._load_lock = threading.RLock()
        self._loading: set[str] = set()
        self.warnings: dict[str, Warning] = {}
        self.runs: list[dict[str, Any]] = []
        self.meta: dict[str, Any] = {}
        self._proposals: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self._decisions: dict[str, dict[str, Any]] = {}
        self._by_remote: dict[tuple[str, str, str], LinkKey] = {}
        self._by_email: dict[str, set[str]] = defaultdict(set)
        self._parts: dict[str, str] = {}  # part group -> file (relative to the book's folder)
        self._mirrors = MirrorChanges()  # an unchanged mirror is neither encoded nor written
        self.saves = 0

    # ----------------------------------------------------------------- lazily read tables
    @property
    def profiles(self) -> dict[str, Profile]:
        """Profiles by id."""
        if self._unloaded:
            self._need("people")
        return self._profiles

    @property
    def links(self) -> dict[LinkKey, Link]:
        """Links by (profile id, connector, role)."""
        if self._unloaded:
            self._need("people")
        return self._links

    @property
    def remote(self) -> dict[str, dict[str, RemoteContact]]:
        """The mirror: each connector's pulled records by key (``role:remote_id``)."""
        if self._unloaded:
            self._need("mirror")
        return self._remote

    @property
    def seen(self) -> dict[str, dict[str, str]]:
        """The token of the last full pull that saw each mirrored record, per connector."""
        if self._unloaded:
            self._need("mirror")
        return self._seen

    @property
    def proposals(self) -> dict[str, dict[str, Any]]:
        """The review queue by id: link proposals and held pairs (engine/decide/review.py, holds.py)."""
        if self._unloaded:
            self._need("reviews")
        return self._proposals

    @property
    def decisions(self) -> dict[str, dict[str, Any]]:
        """Remembered decisions by key (engine/decide/decisions.py)."""
        if self._unloaded:
            self._need("reviews")
        return self._decisions

    @property
    def journal(self) -> dict[str, dict[str, Any]]:
        """The undo journal by run id (engine/runs/journal.py)."""
        if self._unloaded:
            self._need("journal")
        return self._journal

    def _need(self, group: str) -> None:
        """Read a lazy group's part files now (the mirror after the people it shares values with).

        A damaged part found here leaves the book unsaveable (see :meth:`save`): what was read of
        it is incomplete.
        """
        if group not in self._unloaded:
            return
        with self._load_lock:  # another thread reading the same group waits for it here
            if group not in self._unloaded or group in self._loading:
                return  # read meanwhile, or being read by this thread (its loaders index)
            if group == "mirror":
                self._need("people")
            self._loading.add(group)
            try:
                with gc_paused():
                    self._consume(self._part_records(group))
            except BookCorruptError as exc:
                self._broken = exc
                raise
            finally:
                self._loading.discard(group)
                self._unloaded.discard(group)

    # ----------------------------------------------------------------- loading and saving
    @classmethod
    def open(cls, path: Path) -> Book:
        """Read a book (a missing file is a new, empty book); refuse a corrupt or newer one."""
        book = cls(path)
        db = TinyDB(str(path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        # CachingMiddleware hands attributes and writes through to the storage.
        storage = cast(AtomicJSONStorage, db.storage)
        try:
            with gc_paused():
                try:  # one document at a time, as this module writes books...
                    book._load(storage.read_records())
                except LayoutMismatch:  # ...else the whole file (any layout; explains damage)
                    book = cls(path)
                    # The raw tables, not Table.all(): no Document copies, no query cache.
                    book._load(records_of(storage.read() or {}))
        finally:
            db.close()
        return book

    def _load(self, records: Iterable[tuple[str, Any]]) -> None:
        """Decode ``(table, document)`` pairs; the first must be the meta document.

        Raises :class:`LayoutMismatch` when it is not (the caller reads the file whole).
        """
        stream = iter(records)
        first = next(stream, None)
        if first is None or first[0] != "meta":
            raise LayoutMismatch("the meta document must come first")
        # the meta document too: a document that is not a mapping or a non-numeric schema
        # version is damage (issue 7 fuzzing)
        self._consume(stream, meta=first[1])

    def _consume(self, records: Iterable[tuple[str, Any]], meta: Any = _NO_META) -> None:
        """Decode ``(table, document)`` pairs (after the meta document, if given) into the book.

        Damage is a one-line error that says how to restore the backup.
        """
        loaders = self._loaders()
        try:
            if meta is not _NO_META:
                self._load_meta(meta)
            for table, doc in records:
                load = loaders.get(table)
                if load is not None:
                    load(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"a record is malformed, {exc.__class__.__name__}: {exc}"
            raise BookCorruptError(corrupt_message(self.path, detail)) from exc  # how to restore

    def _loaders(self) -> dict[str, Callable[[Any], None]]:
        """How each table's documents are decoded into the book (meta apart).

        Links and mirrored records mostly repeat their profile's values (the baseline is the
        agreed copy, the mirror the remote one); equal values are shared with the profile instead
        of kept twice (about a third of the memory of a 100k book).  Profiles are read first.
        """
        remote, seen, profiles, by_remote = self._remote, self._seen, self._profiles, self._by_remote

        def profile(doc: Any) -> None:
            self._index_profile(Profile.from_dict(doc))

        def link(doc: Any) -> None:
            found = Link.from_dict(doc)
            owner = profiles.get(found.profile_id)
            if owner is not None:
                found.profile_id = owner.id
                if found.baseline:
                    share_baseline(found.baseline, owner.fields)
            self.put_link(found)

        def mirrored(doc: Any) -> None:
            connector, key = sys.intern(str(doc["connector"])), str(doc["key"])
            record = RemoteContact.from_dict(doc["record"])
            holder = by_remote.get((connector, record.role, record.remote_id))
            if holder is not None:
                record.remote_id = self._links[holder].remote_id
                owner = profiles.get(holder[0])
                if owner is not None and owner.fields == record.fields:
                    record.fields = owner.fields  # immutable and equal: one copy
            if record.extra.get("display_name") == record.fields.name:
                record.extra["display_name"] = record.fields.name
            remote[connector][key] = record
            if doc.get("seen"):
                seen[connector][key] = sys.intern(str(doc["seen"]))  # one token per pull

        def warning(doc: Any) -> None:
            found = Warning.from_dict(doc)
            self.warnings[found.key] = found

        def run(doc: Any) -> None:
            self.runs.append(dict(doc))

        def keyed(table: dict[str, dict[str, Any]], key: str) -> Callable[[Any], None]:
            def load(doc: Any) -> None:
                if key in doc:
                    table[str(doc[key])] = dict(doc)

            return load

        return {
            "profiles": profile,
            "links": link,
            "remote": mirrored,
            "warnings": warning,
            "runs": run,
            "proposals": keyed(self._proposals, "id"),
            "items": keyed(self.items, "key"),
            "decisions": keyed(self._decisions, "key"),
            "journal": keyed(self._journal, "run_id"),
        }

    def _load_meta(self, meta: Any) -> None:
        version = int(meta.get("schema_version", SCHEMA_VERSION))
        if version > SCHEMA_VERSION:
            raise BookCorruptError(
                f"{self.path}: written by a newer loftterm (book schema {version}, this one reads "
                f"up to {SCHEMA_VERSION}); upgrade loftterm; the file was left untouched"
            )
        self.meta = dict(meta)
        try:
            self._parts = part_map(self.path, self.meta.pop(PARTS_KEY, None) or {})
        except FileNotFoundError as exc:
            raise BookCorruptError(corrupt_message(self.path, str(exc))) from None
        self._unloaded = {lazy_group(group) for group in self._parts}
        self._mirrors.read(self._parts)
        self.meta.setdefault("book_id", uuid.uuid4().hex[:12])
        self.meta["schema_version"] = SCHEMA_VERSION

    def _part_records(self, lazy: str) -> Iterator[tuple[str, Any]]:
        """The documents of one lazy group's part files, profiles before links."""
        try:
            yield from part_records(self.path, self._parts, lazy)
        except LayoutMismatch as exc:
            raise BookCorruptError(corrupt_message(self.path, str(exc))) from None

    def _remote_documents(self, connector: str) -> Iterator[dict[str, Any]]:
        seen = self.seen[connector]
        return (
            {"connector": connector, "key": key, "record": record.to_dict(),
             "seen": seen.get(key, "")}
            for key, record in self.remote[connector].items()
        )

    def _documents(self) -> dict[str, Callable[[], Iterable[dict[str, Any]]]]:
        """Every table's documents, meta first, each made only when asked for (while written)."""
        return {
            "meta": lambda: [self.meta],
            "profiles": lambda: (p.to_dict() for p in self.profiles.values()),
            "links": lambda: (link.to_dict() for link in self.links.values()),
            "remote": lambda: itertools.chain.from_iterable(
                self._remote_documents(connector) for connector in list(self.remote)
            ),
            "warnings": lambda: (w.to_dict() for w in self.warnings.values()),
            "runs": lambda: self.runs[-MAX_RUNS:],
            "proposals": lambda: list(self.proposals.values()),
            "items": lambda: list(self.items.values()),
            "decisions": lambda: list(self.decisions.values()),
            "journal": lambda: list(self.journal.values()),
        }

    def _part_groups(self) -> dict[str, tuple[str, Callable[[], Iterable[dict[str, Any]]]]]:
        """The parts of a big book: group -> (table, a maker of its documents).

        Empty for a small book, which stays one file (the layout the previous versions wrote).
        A lazy group not read yet keeps its parts as they are (the book stays in parts).
        """
        if not self._unloaded:
            mirrored = sum(len(records) for records in self._remote.values())
            if len(self._profiles) + len(self._links) + mirrored < PART_MIN_DOCS:
                return {}
        groups: dict[str, tuple[str, Callable[[], Iterable[dict[str, Any]]]]] = {}
        if "people" not in self._unloaded:
            groups["profiles"] = ("profiles", lambda: (p.to_dict() for p in self._profiles.values()))
            groups["links"] = ("links", lambda: (link.to_dict() for link in self._links.values()))
        if "journal" not in self._unloaded and self._journal:
            groups["journal"] = ("journal", lambda: list(self._journal.values()))
        if "reviews" not in self._unloaded:  # held pairs: ~20k reviews in a 100k book
            if self._proposals:
                groups["proposals"] = ("proposals", lambda: list(self._proposals.values()))
            if self._decisions:
                groups["decisions"] = ("decisions", lambda: list(self._decisions.values()))
        if "mirror" not in self._unloaded:
            for connector in list(self._remote):
                if self._remote[connector]:
                    groups[f"remote:{connector}"] = (
                        "remote", lambda c=connector: self._remote_documents(c)  # type: ignore[misc]
                    )
        return groups

    def save(self) -> None:
        """Write the book atomically through TinyDB; a big book only where it changed.

        A small book is one file; a big one (:data:`PART_MIN_DOCS`) is written in parts, the main
        file last, committing them all at once (:mod:`loftterm.book.parts`).
        """
        if self._broken is not None:
            raise self._broken  # part of the book could not be read: saving would lose the rest
        groups = self._part_groups()
        kept = {group: name for group, name in self._parts.items()
                if lazy_group(group) in self._unloaded}
        parts: dict[str, str] = dict(kept)
        folder = f"{self.path.name}.parts"
        written = False
        with gc_paused():
            for group, (table, make) in groups.items():
                known = self._parts.get(group)
                if known and self._mirrors.unchanged(group):
                    parts[group] = known
                    continue
                before = self.path.parent / known if known else None
                made = write_part(self.path.parent / folder, part_stem(group), before,
                                  encode_part(table, make()))
                parts[group] = f"{folder}/{made.name}"
                written = written or made != before
                self._mirrors.written(group)
        if written:
            fsync_directory(self.path.parent / folder)
        held = {table for group in parts for table in PART_TABLE[lazy_group(group)]}
        meta = {**self.meta, "schema_version": SCHEMA_VERSION if parts else 1}
        if parts:
            meta[PARTS_KEY] = parts
        tables = {name: NumberedTable([meta] if name == "meta" else make())
                  for name, make in self._documents().items() if name not in held}
        db = TinyDB(str(self.path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        cast(AtomicJSONStorage, db.storage).write(tables)  # cached by the middleware...
        db.close()  # ...and flushed here in one atomic write
        previous, self._parts = self._parts, parts
        drop_parts(self.path, set(parts.values()) | set(previous.values()))
        self.saves += 1

    # ----------------------------------------------------------------- profiles
    def _index_profile(self, profile: Profile) -> None:
        old = self.profiles.get(profile.id)
        if old is not None and old.email:
            self._by_email[old.email.strip().lower()].discard(old.id)
        self.profiles[profile.id] = profile
        if profile.email:
            self._by_email[profile.email.strip().lower()].add(profile.id)

    def put_profile(self, profile: Profile) -> None:
        """Insert or replace a profile (stamping ``updated_at``)."""
        profile.updated_at = profile.updated_at or now_iso()
        self._index_profile(profile)

    def profile(self, profile_id: str) -> Profile:
        """Return a profile or raise a one-line error naming the id."""
        try:
            return self.profiles[profile_id]
        except KeyError:
            raise UsageError(f"profile {profile_id!r} is not in the book {self.path}") from None

    def profiles_with_email(self, email: str) -> set[str]:
        """Return the ids of profiles with this email (normalised)."""
        self._need("people")
        return set(self._by_email.get(email.strip().lower(), ()))

    def new_profile_id(self, prefix: str = "P") -> str:
        """Return an unused profile id."""
        while True:
            candidate = f"{prefix}{uuid.uuid4().hex[:8]}"
            if candidate not in self.profiles:
                return candidate

    # ----------------------------------------------------------------- links
    def put_link(self, link: Link) -> None:
        """Insert or replace the link of a profile for a connector and role."""
        key = (link.profile_id, link.connector, link.role)
        old = self.links.get(key)
        if old is not None:
            self._by_remote.pop((old.connector, old.role, old.remote_id), None)
        self.links[key] = link
        self._by_remote[(link.connector, link.role, link.remote_id)] = key

    def drop_link(self, profile_id: str, connector: str, role: str) -> Link | None:
        """Remove a link; return it (None when there was none)."""
        link = self.links.pop((profile_id, connector, role), None)
        if link is not None:
            self._by_remote.pop((link.connector, link.role, link.remote_id), None)
        return link

    def link_of(self, profile_id: str, connector: str, role: str) -> Link | None:
        """Return a profile's link for a connector and role."""
        return self.links.get((profile_id, connector, role))

    def linked_profile(self, connector: str, role: str, remote_id: str) -> str:
        """Return the profile id linked to a remote record, or ''."""
        self._need("people")
        key = self._by_remote.get((connector, role, remote_id))
        return key[0] if key else ""

    def links_of_connector(self, connector: str) -> Iterator[Link]:
        """Iterate over every link of a connector."""
        return (link for link in self.links.values() if link.connector == connector)

    # ----------------------------------------------------------------- remote mirror
    def put_remote(self, connector: str, records: Iterable[RemoteContact]) -> int:
        """Insert or replace pulled records in the mirror; return how many."""
        mirror = self.remote[connector]
        count = 0
        for record in records:
            mirror[record.key] = record
            count += 1
        if count:
            self._mirrors.changed(connector)
        return count

    def drop_remote(self, connector: str, key: str) -> None:
        """Forget a mirrored record (it is gone remotely)."""
        self.remote[connector].pop(key, None)
        self.seen[connector].pop(key, None)
        self._mirrors.changed(connector)

    def touch_remote(self, connector: str) -> None:
        """Say that mirrored records were changed in place, so the next save writes them."""
        self._mirrors.changed(connector)

    def remote_record(self, connector: str, role: str, remote_id: str) -> RemoteContact | None:
        """Return the mirrored copy of a remote record."""
        return self.remote[connector].get(f"{role}:{remote_id}")

    # ----------------------------------------------------------------- meta and history
    def connector_meta(self, connector: str) -> dict[str, Any]:
        """Return the mutable meta section of a connector (cursors, pinned tenant)."""
        section = self.meta.setdefault("connectors", {}).setdefault(connector, {})
        assert isinstance(section, dict)
        return section

    def add_run(self, run: dict[str, Any]) -> None:
        """Append a run to the history (the oldest beyond the limit are dropped on save)."""
        self.runs.append(run)
        del self.runs[:-MAX_RUNS]
