"""A big book in parts: written only where it changed, committed by its main file, migrated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loftterm.book import Book, journal_parts, saving
from loftterm.book import book as book_module
from loftterm.errors import BookCorruptError
from loftterm.models import ContactFields, Link, Profile, RemoteContact


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Books of a handful of records count as big, so they are kept in parts."""
    monkeypatch.setattr(book_module, "PART_MIN_DOCS", 3)
    yield


def build(path: Path, people: int = 4) -> Book:
    book = Book(path)
    for i in range(people):
        book.put_profile(Profile(f"P{i}", "agent", ContactFields(name=f"Person {i}",
                                                                  email=f"p{i}@example.com")))
        book.put_link(Link(f"P{i}", "xero", "contact", f"R{i}", "email"))
        book.put_remote("xero", [RemoteContact(f"R{i}", fields=ContactFields(name=f"Person {i}"))])
    book.put_remote("qbo", [RemoteContact("Q1", role="customer",
                                          fields=ContactFields(name="Only in QBO"))])
    book.journal["run1"] = {"run_id": "run1", "entries": [{"profile_id": "P0"}]}
    book.proposals["H1"] = {"id": "H1", "connector": "xero", "status": "open"}
    book.decisions["d1"] = {"key": "d1", "kind": "unlinked"}
    book.save()
    return book


def with_p1_changed(path: Path) -> Book:
    """The built book, opened, with P1 turned into a supplier (declared with touch_profile)."""
    build(path)
    book = Book.open(path)
    book.profiles["P1"].kind = "supplier"
    book.touch_profile(book.profiles["P1"])
    return book


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its inode and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_a_big_book_round_trips_through_its_parts(small_parts: None, tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    build(path)
    stored = json.loads(path.read_bytes())
    assert "profiles" not in stored and "links" not in stored and "remote" not in stored
    meta = stored["meta"]["1"]
    assert meta["schema_version"] == 2 and set(meta["_parts"]) == {
        "profiles", "links", "remote:xero", "remote:qbo", "journal", "proposals", "decisions"}
    assert "proposals" not in stored and "decisions" not in stored
    book = Book.open(path)
    assert book.profile("P2").name == "Person 2"
    assert book.linked_profile("xero", "contact", "R3") == "P3"
    assert book.remote_record("qbo", "customer", "Q1") is not None
    assert book.journal["run1"]["entries"] == [{"profile_id": "P0"}]
    assert book.proposals["H1"]["status"] == "open" and book.decisions["d1"]["kind"] == "unlinked"
    assert "_parts" not in book.meta


def test_an_unchanged_save_writes_only_the_main_file(small_parts: None, tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    before = files(tmp_path)
    book.meta.setdefault("connectors", {})["xero"] = {"watermark": "2026-01-01"}
    book.add_run({"id": "r2", "connector": "xero"})
    book.save()
    after = files(tmp_path)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {"book.json", "book.json.bak"}
    assert Book.open(path).runs[-1]["id"] == "r2"


def test_a_change_is_logged_beside_its_part_and_the_backup_keeps_the_old_one(
    small_parts: None, tmp_path: Path,
) -> None:
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    book.profiles["P1"].kind = "supplier"
    book.touch_profile(book.profiles["P1"])  # changed in place: declared
    before = files(tmp_path)
    book.save()
    after = files(tmp_path)
    new = {name for name in after if name not in before and ".parts/" in name}
    assert len(new) == 1 and next(iter(new)).startswith("book.json.parts/profiles-log.")
    assert Book.open(path).profiles["P1"].kind == "supplier"
    assert json.loads(path.read_bytes())["meta"]["1"]["schema_version"] == 3
    assert Book.open(tmp_path / "book.json.bak").profiles["P1"].kind == "agent"
    book.profiles["P2"].kind = "supplier"
    book.touch_profile(book.profiles["P2"])
    book.save()  # the log now holds both; the one only the oldest generation named is removed
    logs = [p for p in (tmp_path / "book.json.parts").iterdir()
            if p.name.startswith("profiles-log.")]
    assert len(logs) == 2  # the book's and its backup's
    again = Book.open(path)
    assert (again.profiles["P1"].kind, again.profiles["P2"].kind) == ("supplier", "supplier")
    assert Book.open(tmp_path / "book.json.bak").profiles["P2"].kind == "agent"


def test_logged_puts_and_drops_read_back_as_the_book_was(small_parts: None, tmp_path: Path) -> None:
    """Tombstones drop what the base holds; a record added then dropped leaves nothing."""
    path = tmp_path / "book.json"
    book = build(path, people=6)
    book.drop_link("P1", "xero", "contact")
    book.drop_profile("P1")
    book.drop_remote("xero", "contact:R1")
    book.put_profile(Profile("P9", "contact", ContactFields(name="Newcomer", email="n@example.com")))
    book.put_link(Link("P9", "xero", "contact", "R9", "manual"))
    book.put_remote("xero", [RemoteContact("R9", fields=ContactFields(name="Newcomer"))])
    book.put_profile(Profile("P8", "contact", ContactFields(name="Gone again")))
    book.drop_profile("P8")
    link = book.link_of("P2", "xero", "contact")
    assert link is not None
    link.baseline = {"name": "Person 2"}
    book.touch_link(link)
    book.save()
    names = {p.name.split(".")[0] for p in (tmp_path / "book.json.parts").iterdir()}
    assert {"profiles-log", "links-log", "remote-xero-log"} <= names
    again = Book.open(path)
    assert sorted(again.profiles) == ["P0", "P2", "P3", "P4", "P5", "P9"]
    assert sorted(k[0] for k in again.links) == ["P0", "P2", "P3", "P4", "P5", "P9"]
    assert again.linked_profile("xero", "contact", "R9") == "P9"
    assert again.linked_profile("xero", "contact", "R1") == ""
    assert again.profiles_with_email("p1@example.com") == set()
    assert again.profiles_with_email("n@example.com") == {"P9"}
    assert again.remote_record("xero", "contact", "R1") is None
    assert again.remote_record("xero", "contact", "R9") is not None
    assert again.links[("P2", "xero", "contact")].baseline == {"name": "Person 2"}
    # reopened, the log is carried on: one more change keeps everything logged so far
    again.put_profile(Profile("P7", "contact", ContactFields(name="Later")))
    again.save()
    third = Book.open(path)
    assert sorted(third.profiles) == ["P0", "P2", "P3", "P4", "P5", "P7", "P9"]
    assert third.remote_record("xero", "contact", "R9") is not None


def test_many_changes_write_the_base_again_without_a_log(
    small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loftterm.book import changes

    path = tmp_path / "book.json"
    book = with_p1_changed(path)
    book.save()  # logged
    monkeypatch.setattr(changes, "LOG_MIN", 1)
    monkeypatch.setattr(changes, "LOG_SHARE", 0.0)
    book.profiles["P2"].kind = "supplier"
    book.touch_profile(book.profiles["P2"])
    book.save()  # two changed since the base: past the limit, the base is written again
    stored = json.loads(path.read_bytes())["meta"]["1"]
    assert "profiles+log" not in stored["_parts"] and stored["schema_version"] == 2
    again = Book.open(path)
    assert (again.profiles["P1"].kind, again.profiles["P2"].kind) == ("supplier", "supplier")


def test_a_change_made_in_place_without_touch_is_found_by_a_verifying_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The suite runs with LOFTTERM_VERIFY_SAVES=1: a forgotten touch_ fails loudly."""
    from loftterm.book.changes import UndeclaredChange

    monkeypatch.setenv("LOFTTERM_VERIFY_SAVES", "1")
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    book.profiles["P1"].kind = "supplier"  # no touch_profile
    with pytest.raises(UndeclaredChange, match="profiles record 'P1'"):
        book.save()
    link = book.link_of("P2", "xero", "contact")
    assert link is not None
    book.touch_profile(book.profiles["P1"])
    link.baseline = {"name": "x"}  # no touch_link
    with pytest.raises(UndeclaredChange, match="links record"):
        book.save()


def test_a_book_in_one_file_is_migrated_once_and_kept_as_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "book.json"
    monkeypatch.setattr(book_module, "PART_MIN_DOCS", 10**9)
    build(path)  # one file, schema 1, as earlier versions wrote it
    single = json.loads(path.read_bytes())
    assert single["meta"]["1"]["schema_version"] == 1 and "profiles" in single
    monkeypatch.setattr(book_module, "PART_MIN_DOCS", 3)
    book = Book.open(path)
    book.save()
    assert json.loads(path.read_bytes())["meta"]["1"]["schema_version"] == 2
    assert json.loads((tmp_path / "book.json.bak").read_bytes()) == single
    assert Book.open(path).profiles.keys() == Book.open(tmp_path / "book.json.bak").profiles.keys()


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_missing_or_damaged_part_is_a_corrupt_book(
    small_parts: None, tmp_path: Path, damage: str,
) -> None:
    path = tmp_path / "book.json"
    build(path)
    Book.open(path).save()  # a backup exists
    part = next((tmp_path / "book.json.parts").glob(
        "links.*" if damage == "missing" else "remote-xero.*"))
    if damage == "missing":
        part.unlink()
    else:
        part.write_bytes(part.read_bytes()[:-9])
    before = files(tmp_path)
    with pytest.raises(BookCorruptError) as caught:
        Book.open(path).remote  # noqa: B018 - a missing part at open, a damaged one when read
    message = str(caught.value)
    assert part.name in message and "left untouched" in message and "book.json.bak" in message
    if damage == "truncated":
        book = Book.open(path)
        assert book.profiles["P1"].name == "Person 1"  # the people parts are whole
        with pytest.raises(BookCorruptError):
            book.remote_record("xero", "contact", "R1")
        with pytest.raises(BookCorruptError):
            book.save()  # half a part read: never written back
    assert files(tmp_path) == before


def test_parts_are_read_when_needed_and_kept_unread(small_parts: None, tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    assert book._unloaded == {"people", "mirror", "journal", "reviews"}
    assert book.profiles["P0"].name == "Person 0"
    assert book._unloaded == {"mirror", "journal", "reviews"}  # profiles and links: together
    book.profiles["P0"].kind = "supplier"
    book.touch_profile(book.profiles["P0"])
    before = files(tmp_path)
    book.save()  # the mirror and journal are kept as they are, never read
    after = files(tmp_path)
    written = {name for name in after if before.get(name) != after[name] and ".parts/" in name}
    assert len(written) == 1 and next(iter(written)).startswith("book.json.parts/profiles-log.")
    again = Book.open(path)
    assert again.remote_record("xero", "contact", "R2") is not None  # the mirror needs people
    assert again._unloaded == {"journal", "reviews"} and again.profiles["P0"].kind == "supplier"
    assert again.journal["run1"]["run_id"] == "run1"


def test_a_part_map_pointing_elsewhere_is_refused(small_parts: None, tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    build(path)
    stored = json.loads(path.read_bytes())
    stored["meta"]["1"]["_parts"]["links"] = "../../etc/passwd"
    path.write_text(json.dumps(stored), encoding="utf-8")
    with pytest.raises(BookCorruptError, match="_parts"):
        Book.open(path)


def test_the_console_keeps_one_book_and_rereads_it_when_the_file_changed(tmp_path: Path) -> None:
    from loftterm.config import config_from_mapping
    from loftterm.console import BookConsole
    from loftterm.plugins import make_plugin_manager

    path = tmp_path / "book.json"
    build(path)
    pm = make_plugin_manager()
    console = BookConsole(config_from_mapping({"book": str(path)}, pm, base_dir=tmp_path), pm)
    with console.writing() as first:
        first.profiles["P1"].kind = "supplier"
        first.touch_profile(first.profiles["P1"])
    with console.writing() as again:
        assert again is first  # the file is as this console saved it: not read again
    other = Book.open(path)  # another process changes the file
    other.profiles["P2"].kind = "supplier"
    other.touch_profile(other.profiles["P2"])
    other.save()
    with console.writing() as fresh:
        assert fresh is not first and fresh.profiles["P2"].kind == "supplier"
    with pytest.raises(RuntimeError), console.writing() as failing:
        failing.profiles["P3"].kind = "supplier"  # half a change, never saved...
        raise RuntimeError("stop")
    assert console.book().profiles["P3"].kind == "agent"  # ...and not kept in memory either


@pytest.mark.parametrize(("old", "new"), [
    (None, [b"ab", b"cd"]),            # no previous part
    ([b"ab", b"cd"], [b"ab", b"cd"]),  # the same: nothing written
    ([b"ab", b"cd"], [b"ab", b"xd"]),  # differs after an agreed prefix
    ([b"ab", b"cd"], [b"ab"]),         # shorter
    ([b"ab"], [b"ab", b"cd"]),         # longer
    ([b"ab", b"cd"], [b"zz", b"cd"]),  # differs at once
])
def test_a_part_is_written_only_when_it_differs(
    tmp_path: Path, old: list[bytes] | None, new: list[bytes],
) -> None:
    import hashlib

    from loftterm.book.storage import write_part

    previous = None
    if old is not None:
        previous = write_part(tmp_path, "links", None, old)
    stamp = previous.stat().st_mtime_ns if previous else 0
    made = write_part(tmp_path, "links", previous, new)
    content = b"".join(new)
    assert made.read_bytes() == content
    assert made.name == f"links.{hashlib.blake2b(content, digest_size=10).hexdigest()}.json"
    if old == new:
        assert made == previous and made.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*.tmp"))


def test_threads_reading_a_part_at_once_all_see_it_whole(small_parts: None, tmp_path: Path) -> None:
    import threading

    path = tmp_path / "book.json"
    build(path, people=300)
    book = Book.open(path)
    seen: list[tuple[int, int, int]] = []
    start = threading.Barrier(6)

    def read() -> None:
        start.wait()
        seen.append((len(book.profiles), len(book.links), len(book.remote["xero"])))

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [(300, 300, 300)] * 6


def test_mirror_changes_are_saved_and_an_unchanged_mirror_is_not_encoded(
    small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save encodes a mirror only when it changed: put, dropped or changed in place."""
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    encoded: list[str] = []
    real = saving.encode_part
    monkeypatch.setattr(saving, "encode_part",
                        lambda table, docs: encoded.append(table) or real(table, docs))
    book.profiles["P0"].archived = True
    book.touch_profile(book.profiles["P0"])
    book.put_remote("xero", [])  # an empty page of a pull changes nothing
    book.save()
    assert "remote" not in encoded
    record = book.remote_record("xero", "contact", "R1")
    assert record is not None
    record.status = "archived"
    book.touch_remote("xero", [record.key])
    book.put_remote("qbo", [RemoteContact("Q2", role="customer",
                                          fields=ContactFields(name="New in QBO"))])
    book.drop_remote("xero", "contact:R2")
    book.save()
    assert encoded.count("remote") == 2  # both changed mirrors (their logs), once each
    again = Book.open(path)
    archived = again.remote_record("xero", "contact", "R1")
    assert archived is not None and archived.status == "archived"
    assert again.remote_record("qbo", "customer", "Q2") is not None
    assert again.remote_record("xero", "contact", "R2") is None


def test_reviews_decisions_and_journal_are_logged_too(small_parts: None, tmp_path: Path) -> None:
    """A new run's journal and one changed review are written beside their parts, not over them."""
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    book.journal["run2"] = {"run_id": "run2", "entries": []}
    book.journal["run2"]["entries"].append({"seq": 1})
    book.touch_document("journal", "run2")
    book.proposals["H1"]["status"] = "rejected"
    book.touch_document("proposals", "H1")
    book.decisions["d2"] = {"key": "d2", "kind": "unlinked"}
    del book.decisions["d1"]
    before = files(tmp_path)
    book.save()
    after = files(tmp_path)
    written = {name.split("/")[-1].split(".")[0] for name in after
               if before.get(name) != after[name] and ".parts/" in name}
    assert written == {"journal-log", "proposals-log", "decisions-log"}
    again = Book.open(path)
    assert again.journal["run2"]["entries"] == [{"seq": 1}] and "run1" in again.journal
    assert again.proposals["H1"]["status"] == "rejected"
    assert "d1" not in again.decisions and "d2" in again.decisions


def test_a_save_that_fails_before_its_book_file_keeps_the_marks(
    small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parts are written but never committed: the next save writes the change again."""
    from loftterm.book.storage import AtomicJSONStorage

    path = tmp_path / "book.json"
    book = with_p1_changed(path)
    real = AtomicJSONStorage.write

    def full_disk(self: AtomicJSONStorage, data: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(AtomicJSONStorage, "write", full_disk)
    with pytest.raises(OSError):
        book.save()
    monkeypatch.setattr(AtomicJSONStorage, "write", real)
    assert Book.open(path).profiles["P1"].kind == "agent"  # the failed save committed nothing
    book.save()
    assert Book.open(path).profiles["P1"].kind == "supplier"


def test_a_whole_save_folds_the_logs_and_writes_even_an_unmarked_edit(
    small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a full sync's last save does: every part whole again, nothing left unsaved."""
    monkeypatch.delenv("LOFTTERM_VERIFY_SAVES", raising=False)  # the unmarked edit is the point
    path = tmp_path / "book.json"
    book = with_p1_changed(path)
    book.save()
    assert "profiles+log" in json.loads(path.read_bytes())["meta"]["1"]["_parts"]
    book.profiles["P2"].kind = "supplier"  # no touch_profile: a plain save would miss it
    book.save()
    assert Book.open(path).profiles["P2"].kind == "agent"
    book.save(whole=True)
    stored = json.loads(path.read_bytes())["meta"]["1"]
    assert not any(group.endswith("+log") for group in stored["_parts"])
    again = Book.open(path)
    assert (again.profiles["P1"].kind, again.profiles["P2"].kind) == ("supplier", "supplier")


def test_changes_since_a_version_are_told_record_by_record(tmp_path: Path) -> None:
    """What a kept index asks: which records changed since it was built (None: build again)."""
    book = build(tmp_path / "book.json")
    at = book.version
    assert book.changed_since(at, ["profiles", "links"]) == {"profiles": set(), "links": set()}
    book.touch_profile(book.profiles["P1"])
    book.drop_link("P2", "xero", "contact")
    book.put_remote("xero", [RemoteContact("R9", fields=ContactFields(name="New"))])
    assert book.changed_since(at, ["profiles", "links"]) == {
        "profiles": {"P1"}, "links": {("P2", "xero", "contact")}}
    assert book.changed_since(at, ["remote:xero"]) == {"remote:xero": {"contact:R9"}}
    book.save(whole=True)  # rewrites every part, changes nothing: what was derived still holds
    assert book.changed_since(at, ["profiles"]) == {"profiles": {"P1"}}
    later = book.version
    book.touch_remote("xero")  # not known record by record
    assert book.changed_since(at, ["remote:xero"]) is None
    assert book.changed_since(later, ["profiles"]) == {"profiles": set()}
    assert book.changed_since(book.version + 1, ["profiles"]) is None  # another book's version


def test_changes_reach_back_only_so_far(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from loftterm.book import changes

    monkeypatch.setattr(changes, "FEED_MAX", 4)
    book = build(tmp_path / "book.json", people=1)
    at = book.version
    for _ in range(3):
        book.touch_profile(book.profiles["P0"])
    assert book.changed_since(at, ["profiles"]) == {"profiles": {"P0"}}
    for _ in range(3):
        book.touch_profile(book.profiles["P0"])
    assert book.changed_since(at, ["profiles"]) is None  # forgotten: the walk starts over
    assert book.changed_since(book.version - 1, ["profiles"]) == {"profiles": {"P0"}}


def test_only_a_big_books_heap_is_frozen_out_of_the_collector() -> None:
    import gc

    from loftterm import heap

    before = gc.get_freeze_count()
    heap.freeze_big_heap(heap.FREEZE_MIN - 1)
    assert gc.get_freeze_count() == before
    try:
        heap.freeze_big_heap(heap.FREEZE_MIN)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def start_run(book: Book, run_id: str, *entries: int) -> None:
    """What the engine's journal does for a new run: start its document, add entries."""
    doc = {"run_id": run_id, "entries": []}
    journal_parts.start(book, run_id, doc, keep=5)
    for seq in entries:
        doc["entries"].append({"seq": seq})
        book.touch_document("journal", run_id)


def saved_with_run2(tmp_path: Path) -> tuple[Path, Book]:
    """The built book opened, a second run journalled and saved (a run's checkpoint)."""
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    start_run(book, "run2", 1)
    book.save()
    return path, book


def test_a_new_run_is_journalled_without_reading_the_other_runs(
    small_parts: None, tmp_path: Path
) -> None:
    path, book = saved_with_run2(tmp_path)  # the run goes on after its checkpoint
    journal_parts.started(book, "run2")["entries"].append({"seq": 2})  # type: ignore[index]
    book.touch_document("journal", "run2")
    before = files(tmp_path)
    book.save()
    after = files(tmp_path)
    assert "journal" in book._unloaded  # run1's document was never read
    written = {name.split("/")[-1].split(".")[0] for name in after
               if before.get(name) != after[name] and ".parts/" in name}
    assert written == {"journal-log"}
    again = Book.open(path)
    assert list(again.journal) == ["run1", "run2"]
    assert again.journal["run2"]["entries"] == [{"seq": 1}, {"seq": 2}]


def test_past_a_few_appended_runs_the_journal_is_read_and_only_the_last_runs_kept(
    small_parts: None, tmp_path: Path
) -> None:
    path = tmp_path / "book.json"
    build(path)
    for run in range(2, 12):  # each in a process of its own, as cron runs them
        book = Book.open(path)
        start_run(book, f"run{run}", run)
        book.save()
    again = Book.open(path)
    # run10 found 8 runs in the log: it read the journal and kept the last 5; run11 appended
    assert list(again.journal) == [f"run{run}" for run in range(6, 12)]
    assert again.journal["run11"]["entries"] == [{"seq": 11}]
    logs = list((tmp_path / "book.json.parts").glob("journal-log.*"))
    assert len(logs) <= 1


def test_a_long_lived_book_lets_go_of_a_saved_journal_and_keeps_appending(
    small_parts: None, tmp_path: Path
) -> None:
    path = tmp_path / "book.json"
    build(path)
    book = Book.open(path)
    assert book.journal["run1"]  # read, as undo or a first run reads it
    start_run(book, "run2", 1)
    assert not journal_parts.release(book)  # not saved yet: nothing is let go of
    book.save()
    assert journal_parts.release(book) and "journal" in book._unloaded
    start_run(book, "run3", 1)
    book.save()
    assert journal_parts.release(book)
    assert list(book.journal) == ["run1", "run2", "run3"]  # read back when asked


def test_a_damaged_journal_log_stops_the_save_with_a_one_line_error(
    small_parts: None, tmp_path: Path
) -> None:
    path, _ = saved_with_run2(tmp_path)
    log = next((tmp_path / "book.json.parts").glob("journal-log.*"))
    log.write_bytes(log.read_bytes()[:-9])
    book = Book.open(path)
    start_run(book, "run3", 1)
    before = files(tmp_path)
    with pytest.raises(BookCorruptError) as caught:
        book.save()
    assert log.name in str(caught.value) and "\n" not in str(caught.value)
    assert files(tmp_path) == before


def test_a_reviews_three_columns_read_back_equal_with_repeated_values_kept_once(
    small_parts: None, tmp_path: Path
) -> None:
    path = tmp_path / "book.json"
    book = build(path)
    rows = [{"field": "name", "left": "Ann Lee", "proposed": "Ann Lee", "right": "Ann Lee"},
            {"field": "email", "left": "", "proposed": "a@x.example", "right": "a@x.example"}]
    book.proposals["H2"] = {"id": "H2", "connector": "xero", "status": "open", "fields": rows}
    book.save()
    again = Book.open(path).proposals["H2"]["fields"]
    assert again == rows
    assert again[0]["right"] is again[0]["left"] and again[0]["proposed"] is again[0]["left"]
