"""Benchmark of the book file: open, atomic save, in-memory lookups, file size and peak memory.

    python bench/book_bench.py                     # 100k profiles, 100k links, 100k+5% mirror
    python bench/book_bench.py --quick             # 20k (seconds)
    python bench/book_bench.py --compare HEAD      # also the loftterm of a git ref, side by side
    python bench/book_bench.py --check HEAD        # the files both write must be identical
    python bench/book_bench.py --json out.json

The book is generated with loftterm's public API from a fixed seed and looks like a book after
a sync: every profile has contact fields (30% with a billing address), 95% a Xero link with its
baseline, the mirror holds every linked record plus 5% unlinked ones, 1% of profiles carry a
warning, the history holds 200 runs (3 with 2,000 outcomes).

Each measurement runs in a fresh child process (``ru_maxrss`` is its own) and is repeated
(``--repeat``, best time kept); with ``--compare`` the two implementations alternate, so a load
spike on this shared machine hits both.  Timed steps:

* ``open``: ``Book.open`` (read, parse, build records and indexes);
* ``save``: ``Book.save`` right after opening (atomic: temp file, fsync, .bak link, rename);
* ``touch``: read every record's fields once (what a sync's planners do);
* ``save touched``: ``Book.save`` after that;
* lookups: email, remote id, link and profile lookups through the book's indexes (µs each).

Wall times on a shared machine include waiting for a core; the CPU time (``process_time``) of
open and save is given beside them.  Best of the repeats is kept; peak RSS is the worst.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    export_tree,
    load_note,
    peak_mb,
    reset_peak,
    rss_mb,
    run_child,
    table,
    verdict,
)

TARGETS = {"open_s": 1.0, "save_s": 0.5, "save_changed_s": 0.3, "peak_mb": 500.0}
FIRST = ("Olivia Jack Charlotte William Amelia Oliver Isla Henry Mia Lucas Grace Leo Chloe "
         "Thomas Zoe James Ruby Ethan Sophie Mason Hannah Samuel Aisha Kenji Mei Arjun Fatima "
         "Mateo Ingrid Tariq Nikhil Rosa Declan Anika Hamish Lachlan Tane Sione Yuki Elif").split()
LAST = ("Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson Walker "
        "Thompson Harris Lee Ryan Kelly King Campbell Clarke Singh Wang Kaur Murphy O'Brien "
        "Rossi Papadopoulos Tanaka Kowalski Haddad Ngata Fernando Schmidt Dubois").split()
TRADE = ("Harbour Coastal Summit Greenway Ironbark Bayside Redgum Silverleaf Northern Southern "
         "Plumbing Electrical Painting Roofing Cafe Bakery Cleaning Landscaping Removals").split()
STREETS = ("George St", "Pitt St", "Elizabeth St", "Queen St", "King St", "Market St")
CITIES = (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000"))
KINDS = ("contact",) * 14 + ("customer",) * 2 + ("supplier", "agent", "agent", "organization")


# --------------------------------------------------------------------------- generation
def build_book(path: Path, n: int, seed: int = 7) -> dict[str, Any]:
    """Write a realistic book of ``n`` profiles to ``path`` with the importable loftterm."""
    from loftterm.book import Book
    from loftterm.models import (
        Address,
        Balance,
        ContactFields,
        Link,
        Profile,
        RemoteContact,
        Warning,
        comparable,
        to_decimal,
    )

    rng = random.Random(seed)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def stamp() -> str:
        return (f"2025-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}T"
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+00:00")

    def address() -> Address:
        city, region, postal = rng.choice(CITIES)
        return Address(line1=f"{rng.randint(1, 400)} {rng.choice(STREETS)}", city=city,
                       region=region, postal_code=postal, country="Australia")

    synced = ("name", "first_name", "last_name", "email", "phone", "billing", "shipping")
    book = Book(path)
    token = "a1b2c3d4e5"  # the pull token of the last full pull (Book.seen)
    orgs: list[str] = []
    for i in range(n):
        kind = rng.choice(KINDS)
        if kind == "organization" or rng.random() < 0.3:
            first = last = ""
            name = f"{rng.choice(TRADE)} {rng.choice(TRADE)} {i}"
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
        email = f"{(first or 'accounts').lower()}.{i}@example.com" if rng.random() < 0.9 else ""
        fields = ContactFields(
            name=name, first_name=first, last_name=last, email=email,
            phone=f"+61 2 9555 {rng.randint(1000, 9999)}" if rng.random() < 0.3 else "",
            company=rng.choice(TRADE) + " Pty Ltd" if rng.random() < 0.2 else "",
            billing=address() if rng.random() < 0.3 else Address(),
            shipping=address() if rng.random() < 0.1 else Address(),
        )
        pid = f"P{uuid.UUID(int=rng.getrandbits(128)).hex[:8]}"
        if kind == "organization":
            orgs.append(pid)
        balances = {}
        if rng.random() < 0.2:
            balances["xero"] = {"ar": f"{rng.uniform(0, 5000):.2f}", "ap": "0",
                                "currency": "AUD", "via": ""}
        profile = Profile(
            id=pid, kind=kind, fields=fields,
            payable_to=rng.choice(orgs) if kind == "agent" and orgs and rng.random() < 0.3 else "",
            sync_disabled=["xero"] if rng.random() < 0.01 else [],
            origin=rng.choice(("local", "xero")), updated_at=stamp(), balances=balances,
        )
        book.put_profile(profile)
        if rng.random() < 0.95:
            remote_id = uid()
            method = rng.choice(("email", "name", "imported", "created"))
            values = comparable(fields)
            book.put_link(Link(pid, "xero", "contact", remote_id, method,
                               1.0 if method != "name" else round(rng.uniform(0.6, 1), 4),
                               stamp(), {k: values[k] for k in synced}))
            updated = stamp()
            amount = round(rng.uniform(10, 5000), 2) if rng.random() < 0.2 else 0
            book.put_remote("xero", [RemoteContact(
                remote_id, "contact", fields,
                status="archived" if rng.random() < 0.05 else "active",
                is_customer=rng.random() < 0.2, is_supplier=rng.random() < 0.2,
                balance=Balance(ar=to_decimal(amount), currency="AUD"),
                updated=updated, version=updated,
                external_key=pid if method == "created" else "",
                extra={"display_name": name},
            )])
            book.seen["xero"][f"contact:{remote_id}"] = token
            if rng.random() < 0.01:
                book.warnings[f"w{i}"] = Warning("duplicate", "xero", pid, f"{name} twice",
                                                 [remote_id, uid()], updated, updated)
    for i in range(n // 20):  # unlinked mirror records
        remote_id = uid()
        book.put_remote("xero", [RemoteContact(
            remote_id, "contact", ContactFields(name=f"Remote only {i}",
                                                email=f"remote.{i}@example.net"),
            updated="2025-01-01T00:00:00", extra={"display_name": f"Remote only {i}"})])
    ids = list(book.profiles)
    for r in range(200):
        outcomes = 2000 if r in (0, 100, 199) else rng.randint(0, 20)
        book.add_run({
            "id": uuid.UUID(int=rng.getrandbits(128)).hex[:10], "connector": "xero",
            "started": stamp(), "finished": stamp(), "ok": True, "dry_run": False,
            "counts": {"pulled": n, "linked": outcomes}, "api_calls": n // 1000 + 1,
            "error": "", "notes": [],
            "outcomes": [{"profile_id": (pid := rng.choice(ids)), "name": pid, "action": "link",
                          "status": "linked", "remote_id": uid(), "reason": "email match"}
                         for _ in range(outcomes)],
        })
    book.meta["connectors"] = {"xero": {"watermark": "2025-06-30T00:00:00",
                                        "last_full_pull": "2025-06-30T00:00:00+00:00"}}
    book.meta["book_id"] = "benchbook001"
    book.meta["schema_version"] = 1
    started = time.perf_counter()
    book.save()
    return {"save_new_s": time.perf_counter() - started, "profiles": len(book.profiles),
            "links": len(book.links), "remote": len(book.remote["xero"]),
            "bytes": path.stat().st_size}


# --------------------------------------------------------------------------- measurement
def measure(path: Path, lookups: int = 20000) -> dict[str, Any]:
    """Open, look up, save, touch every record, save again; one child process."""
    import loftterm
    from loftterm.book import Book

    out: dict[str, Any] = {"code": str(Path(loftterm.__file__).parent.parent)}
    base = rss_mb()
    reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    book = Book.open(path)
    out["open_s"] = time.perf_counter() - started
    out["open_cpu_s"] = time.process_time() - cpu
    # what a command reads after opening (a book in parts reads them when first needed):
    # people (profiles and links: status, the Links list), then the mirror (a sync)
    len(book.profiles)
    out["open_people_s"] = time.perf_counter() - started
    out["open_people_cpu_s"] = time.process_time() - cpu
    len(book.remote)
    out["open_all_s"] = time.perf_counter() - started
    out["open_all_cpu_s"] = time.process_time() - cpu
    out["rss_open_mb"] = rss_mb()
    out["rss_growth_mb"] = out["rss_open_mb"] - base
    out["peak_open_mb"] = peak_mb()

    rng = random.Random(1)
    profiles = rng.sample(list(book.profiles.values()), min(lookups, len(book.profiles)))
    emails = [p.email for p in profiles if p.email]
    links = rng.sample(list(book.links.values()), min(lookups, len(book.links)))
    timings: dict[str, float] = {}

    def timed(name: str, fn: Any, args: list[Any]) -> None:
        started = time.perf_counter()
        for arg in args:
            fn(*arg)
        timings[name] = (time.perf_counter() - started) / max(len(args), 1) * 1e6

    timed("by_email_us", book.profiles_with_email, [(e,) for e in emails])
    timed("by_remote_us", book.linked_profile,
          [(x.connector, x.role, x.remote_id) for x in links])
    timed("remote_record_us", book.remote_record,
          [(x.connector, x.role, x.remote_id) for x in links])
    timed("link_of_us", book.link_of, [(x.profile_id, x.connector, x.role) for x in links])
    timed("profile_us", book.profile, [(p.id,) for p in profiles])
    out.update(timings)

    def saved(label: str) -> None:
        before = _files(path.parent)
        reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        book.save()
        out[f"{label}_s"] = time.perf_counter() - started
        out[f"{label}_cpu_s"] = time.process_time() - cpu
        after = _files(path.parent)
        out[f"{label}_written_mb"] = sum(
            size for name, (ino, mtime, size) in after.items()
            if before.get(name) != (ino, mtime, size) and not name.endswith(".bak")) / 1e6
        out[f"{label}_peak_mb"] = peak_mb()

    saved("save")

    started = time.perf_counter()
    seen = 0
    for profile in book.profiles.values():
        seen += len(profile.name) + len(profile.email) + len(profile.fields.billing.city)
    for link in book.links.values():
        seen += len(link.baseline)
    for records in book.remote.values():
        for record in records.values():
            seen += len(record.name) + len(record.status) + int(record.balance.ar > 0)
    out["touch_s"] = time.perf_counter() - started
    saved("save_touched")

    changed = rng.sample(list(book.profiles.values()), min(1000, len(book.profiles)))
    declare = getattr(book, "touch_profile", None)  # older books found changes by encoding
    for number, profile in enumerate(changed):
        profile.fields = dataclasses.replace(profile.fields, phone=f"+61 2 9000 {number:04d}")
        profile.updated_at = "2026-01-01T00:00:00+00:00"
        if declare is not None:
            declare(profile)
    saved("save_changed")
    out["saves"] = book.saves
    out["bytes"] = _book_bytes(path)
    out["peak_mb"] = max(out["peak_open_mb"], out["save_peak_mb"], out["save_touched_peak_mb"],
                         out["save_changed_peak_mb"])
    return out


def _files(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime, size) of every file under ``folder``, by relative name."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file()}


def _book_bytes(path: Path) -> int:
    """The book's size: its file and the part files its meta names (none in one file)."""
    with open(path, "rb") as handle:
        handle.readline()
        handle.readline()
        first = handle.readline().decode("utf-8").rstrip(",\n")
    try:
        meta = json.loads(first.split(":", 1)[1])
    except (IndexError, ValueError):
        meta = {}
    parts = meta.get("_parts", {}) if isinstance(meta, dict) else {}
    return path.stat().st_size + sum((path.parent / name).stat().st_size
                                     for name in parts.values())


# --------------------------------------------------------------------------- driver
def _child(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "gen":
        result = build_book(Path(rest[1]), int(rest[0]))
    elif mode == "measure":
        result = measure(Path(rest[0]))
    elif mode == "resave":  # open and save (for --check)
        from loftterm.book import Book

        book = Book.open(Path(rest[0]))
        book.save()
        result = {"bytes": Path(rest[0]).stat().st_size}
    else:
        raise SystemExit(f"unknown child mode {mode}")
    print(json.dumps(result))


def _tables(path: Path) -> dict[str, Any]:
    """A book's tables as one JSON object: its file, with the part files it names merged in."""
    tables: dict[str, Any] = json.loads(path.read_bytes())
    meta = tables.get("meta", {}).get("1", {})
    for name in sorted(meta.pop("_parts", {}).values()):
        for held, docs in json.loads((path.parent / name).read_bytes()).items():
            merged = tables.setdefault(held, {})
            for doc in docs.values():
                merged[str(len(merged) + 1)] = doc
    meta.pop("schema_version", None)  # 1 in one file, 2 in parts
    if "remote" in tables:  # one order (parts are per connector)
        ordered = sorted(tables["remote"].values(), key=lambda d: (d["connector"], d["key"]))
        tables["remote"] = {str(n): d for n, d in enumerate(ordered, start=1)}
    return tables


def _same_tables(a: Path, b: Path) -> bool:
    """Equal as JSON, over the tables both books have (a newer tree may add a table)."""
    left, right = _tables(a), _tables(b)
    common = set(left) & set(right)
    return all(left[name] == right[name] for name in common) and {"profiles", "meta"} <= common


def check(ref: str, n: int, work: Path) -> list[str]:
    """Generate and re-save the same book with ``ref``'s loftterm and the working tree's.

    Returns the differences found (none: both implementations keep the same tables).  A book
    in parts is refused by a loftterm that does not know parts (its schema is newer): that is
    checked too, instead of a write-back.
    """
    old = export_tree(ref, work / "ref")
    problems = []
    paths = {}
    for label, root in (("ref", old), ("tree", None)):
        path = work / label / "check.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        run_child(Path(__file__), ["--child", "gen", str(n), str(path)], code_root=root)
        paths[label] = path
    if not _same_tables(paths["ref"], paths["tree"]):
        problems.append("generated books differ")
    for reader, root in (("ref", old), ("tree", None)):
        source = "tree" if reader == "ref" else "ref"
        path = work / f"cross-{reader}" / "check.json"
        shutil.copytree(paths[source].parent, path.parent)
        try:
            run_child(Path(__file__), ["--child", "resave", str(path)], code_root=root)
        except RuntimeError as exc:
            if reader == "ref" and "newer loftterm" in str(exc):
                continue  # the older loftterm refuses a book in parts, untouched
            raise
        if not _same_tables(path, paths[source]):
            problems.append(f"{reader} does not write back {source}'s book unchanged")
    return problems


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Benchmark of the book file.")
    parser.add_argument("--n", type=int, default=100_000, help="profiles (default 100k)")
    parser.add_argument("--quick", action="store_true", help="20k profiles, one repeat")
    parser.add_argument("--repeat", type=int, default=3, help="runs per implementation")
    parser.add_argument("--compare", metavar="REF", help="also measure loftterm at git REF")
    parser.add_argument("--check", metavar="REF", help="verify identical files with git REF")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return {}
    n = 20_000 if args.quick else args.n
    repeat = 1 if args.quick else args.repeat
    results: dict[str, Any] = {"n": n, "load_before": load_note()}
    with tempfile.TemporaryDirectory(prefix="loftterm-bookbench-") as tmp:
        work = Path(tmp)
        if args.check:
            problems = check(args.check, min(n, 20_000), work)
            results["check"] = problems or "identical"
            print(f"check against {args.check}: {results['check']}")
        impls: dict[str, Path | None] = {"tree": None}
        if args.compare:
            impls = {args.compare: export_tree(args.compare, work / "ref"), "tree": None}
        # each implementation writes the same generated book in its own layout (one file, or
        # parts that an older loftterm refuses)
        pristine: dict[str, Path] = {}
        for label, root in impls.items():
            pristine[label] = work / f"gen-{label}"
            pristine[label].mkdir()
            results.setdefault("generated", run_child(
                Path(__file__), ["--child", "gen", str(n), str(pristine[label] / "book.json")],
                code_root=root))
        path = work / "run" / "book.json"
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in impls}
        for _ in range(repeat):
            for label, root in impls.items():
                shutil.rmtree(path.parent, ignore_errors=True)
                shutil.copytree(pristine[label], path.parent)
                runs[label].append(
                    run_child(Path(__file__), ["--child", "measure", str(path)], code_root=root)
                )
        best: dict[str, dict[str, Any]] = {}
        for label, measured in runs.items():
            row = {key: min(m[key] for m in measured) for key in measured[0]
                   if isinstance(measured[0][key], float)}
            row["bytes"] = measured[0]["bytes"]
            row["peak_mb"] = max(m["peak_mb"] for m in measured)
            best[label] = row
        results["impls"] = best
    results["load_after"] = load_note()
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def report(results: dict[str, Any]) -> str:
    """The results as a Markdown table, one column per implementation, with the targets."""
    impls: dict[str, dict[str, Any]] = results["impls"]
    labels = list(impls)
    rows = []
    for key, title, unit, target in (
        ("open_s", "open (Book.open)", "s", TARGETS["open_s"]),
        ("open_cpu_s", "open, CPU time", "s", None),
        ("open_people_s", "open + profiles and links", "s", TARGETS["open_s"]),
        ("open_people_cpu_s", "open + profiles and links, CPU time", "s", None),
        ("open_all_s", "open + everything (+ mirror)", "s", TARGETS["open_s"]),
        ("open_all_cpu_s", "open + everything, CPU time", "s", None),
        ("peak_open_mb", "peak RSS of open", "MB", None),
        ("save_s", "save, nothing changed", "s", TARGETS["save_s"]),
        ("save_cpu_s", "save, nothing changed, CPU time", "s", None),
        ("save_written_mb", "save, nothing changed: written", "MB", None),
        ("touch_s", "touch every record", "s", None),
        ("save_touched_s", "save after reading every record", "s", TARGETS["save_s"]),
        ("save_changed_s", "save after changing 1,000 profiles", "s", TARGETS["save_changed_s"]),
        ("save_changed_written_mb", "save after changing 1,000: written", "MB", None),
        ("save_changed_peak_mb", "peak RSS of that save", "MB", None),
        ("peak_mb", "peak RSS, worst step", "MB", TARGETS["peak_mb"]),
        ("rss_growth_mb", "RSS growth by open", "MB", None),
        ("bytes", "file size", "MB", None),
        ("by_email_us", "lookup by email", "µs", None),
        ("by_remote_us", "lookup by remote id", "µs", None),
        ("remote_record_us", "mirror record lookup", "µs", None),
        ("link_of_us", "link of a profile", "µs", None),
    ):
        values = [impls[label][key] / (1e6 if key == "bytes" else 1) for label in labels]
        cells = [f"{v:.2f} {unit}" if unit != "µs" else f"{v:.2f} µs" for v in values]
        ratio = f"{values[0] / values[-1]:.1f}x" if len(values) > 1 and values[-1] else ""
        aim = f"< {target:g} {unit}" if target is not None else ""
        state = verdict(values[-1], target) if target is not None else ""
        rows.append([title, *cells, *([ratio] if len(labels) > 1 else []), aim, state])
    headers = ["book, " + f"{results['n']:,} profiles", *labels,
               *(["ratio"] if len(labels) > 1 else []), "target", ""]
    lines = [table(headers, rows), "",
             f"{results['load_before']} before, {results['load_after']} after"]
    if "check" in results:
        lines.append(f"check: {results['check']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
