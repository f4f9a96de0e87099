"""The book in memory: profiles, links, the remote mirror, warnings, runs and meta.

TinyDB is the file format and the storage API (:mod:`loftterm.book.storage`): the book is kept
in memory with indexes built at load (by email, by remote id) and written back in one atomic
save, a bounded number of times per sync; a big one lives in parts (:mod:`loftterm.book.parts`).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware

from loftterm.book import journal_parts, saving
from loftterm.book.changes import (
    Changes,
    MarkedDict,
    SaveCheck,
    base_group,
)
from loftterm.book.documents import MAX_RUNS, tracked_groups
from loftterm.book.emails import EmailIndex, email_key
from loftterm.book.loading import record_loaders
from loftterm.book.parts import (
    lazy_group,
    part_map,
    part_records,
    records_of,
)
from loftterm.book.saving import PARTS_KEY, SCHEMA_VERSION
from loftterm.book.sharing import share_baseline
from loftterm.book.storage import (
    AtomicJSONStorage,
    LayoutMismatch,
    corrupt_message,
    encode_document,
)
from loftterm.errors import BookCorruptError, UsageError
from loftterm.heap import gc_paused
from loftterm.models import Link, Profile, RemoteContact, Warning

# A book with more profiles, links and mirrored records keeps them in parts (see save); the
# environment can lower it so that trials on small books exercise parts (bench/chaos.py --parts).
PART_MIN_DOCS = int(os.environ.get("LOFTTERM_PART_MIN_DOCS") or 5000)
# load order: profiles first (links and the mirror share their values)


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
        # lazy groups of a book in parts not read yet ("people", "mirror", "journal"), and the
        # error that left one half-read (such a book is never saved)
        self._unloaded: set[str] = set()
        self._broken: BookCorruptError | None = None
        self._load_lock = threading.RLock()
        self._loading: set[str] = set()
        self.warnings: dict[str, Warning] = {}
        self.runs: list[dict[str, Any]] = []
        self.meta: dict[str, Any] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self._by_remote: dict[tuple[str, str, str], LinkKey] = {}
        self._by_email = EmailIndex()
        self._parts: dict[str, str] = {}  # part group -> file (relative to the book's folder)
        self._changes = Changes()  # what a save must write (book/changes.py)
        self._proposals = MarkedDict(self._changes, "proposals")
        self._decisions = MarkedDict(self._changes, "decisions")
        self._journal = MarkedDict(self._changes, "journal")  # by run id (engine/runs/journal.py)
        # the journal documents of the runs started on this book (book/journal_parts.py)
        self._journal_fresh: dict[str, dict[str, Any]] = {}
        self._journal_keep = MAX_RUNS
        self._check = SaveCheck()  # tests: no record changes without being marked
        self._logged: dict[str, set[Any]] = {}  # while a group is read: the keys its log held
        # what the engine derived from this book, by walk, with the version it saw (not stored)
        self.derived: dict[Any, tuple[Any, Any]] = {}
        # what the engine remembers of this book's objects by identity, for as long as this
        # book is open (not stored; each entry holds the objects it names)
        self.memo: dict[str, Any] = {}
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
            for part in {base_group(part) for part in self._parts if lazy_group(part) == group}:
                self._changes.loaded(part, self._logged.pop(part, ()))
            self._remember_encodings()
            if group == "journal":
                journal_parts.read_in(self)

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
        for group in tracked_groups(book):  # read whole (parts are read later, by _need)
            book._changes.loaded(group)
        book._remember_encodings()
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
        loaders = record_loaders(self)
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
        self.meta.setdefault("book_id", uuid.uuid4().hex[:12])
        self.meta["schema_version"] = SCHEMA_VERSION

    def _part_records(self, lazy: str) -> Iterator[tuple[str, Any]]:
        """The documents of one lazy group's part files, profiles before links."""
        try:
            yield from part_records(self.path, self._parts, lazy)
        except LayoutMismatch as exc:
            raise BookCorruptError(corrupt_message(self.path, str(exc))) from None

    def _remember_encodings(self, marked: bool = False) -> None:
        """Tests (``LOFTTERM_VERIFY_SAVES=1``): check and remember every tracked record's encoding."""
        if self._check.enabled:
            for group, (records, document) in tracked_groups(self).items():
                self._check.check(group, {key: encode_document(document(key)) for key in records},
                                  self._changes.since_save(group) if marked else None)

    def save(self, whole: bool = False) -> None:
        """Write the book atomically through TinyDB; a big book only where it changed.

        A small book is one file; a big one (:data:`PART_MIN_DOCS`) is written in parts, the main
        file last, committing them all at once (:mod:`loftterm.book.saving`).  ``whole`` writes
        every part read again, logs folded in (a full sync does, once a day): a record edited in
        place without its ``touch_`` is then saved at the latest by the next full sync.
        """
        saving.save(self, whole, PART_MIN_DOCS)

    @property
    def in_parts(self) -> bool:
        """True for a big book, kept in part files beside its book file (:mod:`.parts`)."""
        return bool(self._parts)

    @property
    def version(self) -> int:
        """A number that moves with every marked change (profiles, links, mirror, reviews...).

        The engine keeps what it derived from an unchanged book (``engine/derived.py``).
        """
        return self._changes.version

    def changed_since(
        self, version: int, groups: Iterable[str]
    ) -> dict[str, set[Hashable]] | None:
        """The record keys of part ``groups`` changed after ``version`` (see ``Changes.since``).

        Groups are ``profiles``, ``links`` (keys ``(profile id, connector, role)``),
        ``remote:<connector>`` (keys ``role:remote id``), ``proposals``, ``decisions``,
        ``journal``.  None when not known record by record: derive again from scratch.
        """
        return self._changes.since(version, groups)

    # ----------------------------------------------------------------- profiles
    def _index_profile(self, profile: Profile) -> None:
        old = self._profiles.get(profile.id)  # the people are read (callers see to it)
        if old is not None and old.email:
            self._by_email.discard(old.email, old.id)
        self._profiles[profile.id] = profile
        if profile.email:
            self._by_email.add(profile.email, profile.id)

    def put_profile(self, profile: Profile) -> None:
        """Insert or replace a profile (stamping ``updated_at``)."""
        profile.updated_at = profile.updated_at or now_iso()
        self._need("people")
        self._index_profile(profile)
        self._changes.mark("profiles", profile.id)

    def touch_profile(self, profile: Profile) -> None:
        """Say a profile was changed in place (its fields, balances...), so a save writes it.

        Its new email is indexed too (``profiles_with_email`` skips the old one).
        """
        self._need("people")
        self._index_profile(profile)
        self._changes.mark("profiles", profile.id)

    def drop_profile(self, profile_id: str) -> None:
        """Remove a profile (its links are the caller's to drop first)."""
        self._need("people")
        self._drop_profile(profile_id)
        self._changes.mark("profiles", profile_id)

    def _drop_profile(self, profile_id: str) -> None:
        old = self._profiles.pop(profile_id, None)
        if old is not None and old.email:
            self._by_email.discard(old.email, old.id)

    def profile(self, profile_id: str) -> Profile:
        """Return a profile or raise a one-line error naming the id."""
        try:
            return self.profiles[profile_id]
        except KeyError:
            raise UsageError(f"profile {profile_id!r} is not in the book {self.path}") from None

    def profiles_with_email(self, email: str) -> set[str]:
        """Return the ids of profiles with this email (normalised).

        The index may still name a profile under an email it had before an edit in place (the
        edit does not say what the email was); such stale entries are left out here.
        """
        self._need("people")
        key = email_key(email)
        profiles = self._profiles
        return {pid for pid in self._by_email.ids(key)
                if (found := profiles.get(pid)) is not None and email_key(found.email) == key}

    def new_profile_id(self, prefix: str = "P") -> str:
        """Return an unused profile id."""
        while True:
            candidate = f"{prefix}{uuid.uuid4().hex[:8]}"
            if candidate not in self.profiles:
                return candidate

    # ----------------------------------------------------------------- links
    def put_link(self, link: Link) -> None:
        """Insert or replace the link of a profile for a connector and role."""
        self._need("people")
        self._put_link(link)
        self._share_baseline(link)
        self._changes.mark("links", (link.profile_id, link.connector, link.role))

    def touch_link(self, link: Link) -> None:
        """Say a link was changed in place (its baseline...), so a save writes it."""
        self._share_baseline(link)
        self._changes.mark("links", (link.profile_id, link.connector, link.role))

    def _share_baseline(self, link: Link) -> None:
        # A sync settles every baseline anew: shared as a loaded one is (book/sharing.py), or
        # a long-lived process held ~60 MB more at 100k than the same book freshly opened.
        owner = self._profiles.get(link.profile_id)
        if owner is not None and link.baseline:
            share_baseline(link.baseline, owner.fields)

    def _put_link(self, link: Link) -> None:
        key = (link.profile_id, link.connector, link.role)
        old = self._links.get(key)
        if old is not None:
            self._by_remote.pop((old.connector, old.role, old.remote_id), None)
        self._links[key] = link
        self._by_remote[(link.connector, link.role, link.remote_id)] = key

    def drop_link(self, profile_id: str, connector: str, role: str) -> Link | None:
        """Remove a link; return it (None when there was none)."""
        self._need("people")
        self._changes.mark("links", (profile_id, connector, role))
        return self._drop_link(profile_id, connector, role)

    def _drop_link(self, profile_id: str, connector: str, role: str) -> Link | None:
        link = self._links.pop((profile_id, connector, role), None)
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
        mark, group = self._changes.mark, f"remote:{connector}"
        for record in records:
            key = record.key
            mirror[key] = record
            mark(group, key)
            count += 1
        return count

    def drop_remote(self, connector: str, key: str) -> None:
        """Forget a mirrored record (it is gone remotely)."""
        self.remote[connector].pop(key, None)
        self.seen[connector].pop(key, None)
        self._changes.mark(f"remote:{connector}", key)

    def touch_document(self, table: str, key: str) -> None:
        """Say a document of ``proposals``, ``decisions`` or ``journal`` was changed in place."""
        self._changes.mark(table, key)

    def touch_remote(self, connector: str, keys: Iterable[str] | None = None) -> None:
        """Say mirrored records (``keys``; None: any of them) were changed in place."""
        if keys is None:
            self._changes.mark_all(f"remote:{connector}")
        else:
            self._changes.mark_many(f"remote:{connector}", keys)

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
