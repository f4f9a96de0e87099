"""The book in memory: profiles, links, the remote mirror, warnings, runs and meta.

TinyDB is the file format and the storage API: the book is read once through TinyDB (with
:class:`~loftterm.book.storage.AtomicJSONStorage` behind ``CachingMiddleware``), kept in memory
with indexes built at load (by email, by remote id, by external key), and written back in one
atomic save.  A sync saves a bounded number of times (per phase and per checkpoint), never once per
record: TinyDB's default storage rewrites the whole file on every insert.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware

from loftterm.book.storage import AtomicJSONStorage
from loftterm.errors import BookCorruptError, UsageError
from loftterm.models import Link, Profile, RemoteContact, Warning

SCHEMA_VERSION = 1
MAX_RUNS = 200
TABLES = (
    "profiles",
    "links",
    "remote",
    "warnings",
    "runs",
    "meta",
    "proposals",
    "items",
    "decisions",
)


def now_iso() -> str:
    """Return the current UTC time as ISO-8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


LinkKey = tuple[str, str, str]  # profile id, connector, role


class Book:
    """The whole book held in memory, with its indexes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.profiles: dict[str, Profile] = {}
        self.links: dict[LinkKey, Link] = {}
        self.remote: dict[str, dict[str, RemoteContact]] = defaultdict(dict)
        # the pull token of the last full pull that saw each mirrored record (resumable pulls)
        self.seen: dict[str, dict[str, str]] = defaultdict(dict)
        self.warnings: dict[str, Warning] = {}
        self.runs: list[dict[str, Any]] = []
        self.meta: dict[str, Any] = {}
        self.proposals: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.decisions: dict[str, dict[str, Any]] = {}
        self._by_remote: dict[tuple[str, str, str], LinkKey] = {}
        self._by_email: dict[str, set[str]] = defaultdict(set)
        self.saves = 0

    # ----------------------------------------------------------------- loading and saving
    @classmethod
    def open(cls, path: Path) -> Book:
        """Read a book (a missing file is a new, empty book); refuse a corrupt or newer one."""
        book = cls(path)
        db = TinyDB(str(path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        try:
            # The raw tables, not Table.all(): no Document copies, no query cache (100k rows).
            stored = db.storage.read() or {}
        finally:
            db.close()
        raw = {name: list((stored.get(name) or {}).values()) for name in TABLES}
        book._load(raw)
        return book

    def _load(self, raw: dict[str, list[dict[str, Any]]]) -> None:
        meta = raw["meta"][0] if raw["meta"] else {}
        version = int(meta.get("schema_version", SCHEMA_VERSION))
        if version > SCHEMA_VERSION:
            raise BookCorruptError(
                f"{self.path}: written by a newer loftterm (book schema {version}, this one reads "
                f"up to {SCHEMA_VERSION}); upgrade loftterm; the file was left untouched"
            )
        self.meta = dict(meta)
        self.meta.setdefault("book_id", uuid.uuid4().hex[:12])
        self.meta["schema_version"] = SCHEMA_VERSION
        try:
            for doc in raw["profiles"]:
                self._index_profile(Profile.from_dict(doc))
            for doc in raw["links"]:
                self.put_link(Link.from_dict(doc))
            for doc in raw["remote"]:
                connector, key = str(doc["connector"]), str(doc["key"])
                self.remote[connector][key] = RemoteContact.from_dict(doc["record"])
                if doc.get("seen"):
                    self.seen[connector][key] = str(doc["seen"])
            for doc in raw["warnings"]:
                warning = Warning.from_dict(doc)
                self.warnings[warning.key] = warning
        except (KeyError, TypeError, ValueError) as exc:
            raise BookCorruptError(
                f"{self.path}: a record is malformed ({exc.__class__.__name__}: {exc}); the file "
                "was left untouched"
            ) from exc
        self.runs = [dict(doc) for doc in raw["runs"]]
        self.proposals = {str(doc["id"]): dict(doc) for doc in raw["proposals"] if "id" in doc}
        self.items = {str(doc["key"]): dict(doc) for doc in raw["items"] if "key" in doc}
        self.decisions = {str(doc["key"]): dict(doc) for doc in raw["decisions"] if "key" in doc}

    def _documents(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "profiles": [p.to_dict() for p in self.profiles.values()],
            "links": [link.to_dict() for link in self.links.values()],
            "remote": [
                {
                    "connector": connector,
                    "key": key,
                    "record": record.to_dict(),
                    "seen": self.seen[connector].get(key, ""),
                }
                for connector, records in self.remote.items()
                for key, record in records.items()
            ],
            "warnings": [w.to_dict() for w in self.warnings.values()],
            "runs": self.runs[-MAX_RUNS:],
            "meta": [self.meta],
            "proposals": list(self.proposals.values()),
            "items": list(self.items.values()),
            "decisions": list(self.decisions.values()),
        }

    def save(self) -> None:
        """Write the whole book atomically through TinyDB (one file write)."""
        tables = {
            name: {str(number): doc for number, doc in enumerate(docs, start=1)}
            for name, docs in self._documents().items()
        }
        db = TinyDB(str(self.path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        db.storage.write(tables)  # cached by the middleware...
        db.close()  # ...and flushed here in one atomic write
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
        return count

    def drop_remote(self, connector: str, key: str) -> None:
        """Forget a mirrored record (it is gone remotely)."""
        self.remote[connector].pop(key, None)
        self.seen[connector].pop(key, None)

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
