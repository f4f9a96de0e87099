"""Benchmark of a whole sync against the sandboxes: API calls against the floor, time, memory, saves.

    python bench/sync_bench.py                          # Xero and QBO at 1k, 10k and 100k
    python bench/sync_bench.py --quick                  # 1k and 5k (well under a minute)
    python bench/sync_bench.py --sizes 100000 --connectors xero --profile
    python bench/sync_bench.py --json out.json

Each case runs in a fresh child process; the connector's sandbox runs in a process of its own
(``multiprocessing``, spawned), so the peak RSS reported is loftterm's alone and the sandbox's
CPU time is not counted as loftterm's.  N is the number of remote contacts (QBO: N/2 vendor +
customer pairs) besides the demo seeds.  The book starts with the demo profiles plus, derived
from the sandbox's own generator: 40% of the remote contacts as local contacts with the same
email (linked by email), 10% with the same name and no email (linked by name, then the local
blank email is pushed), and N/100 new payable agents (created remotely).  The other half of the
remote contacts is imported.

Runs, each through ``BookConsole.sync`` (what ``loftterm sync`` does):

1. ``full``: first sync: full pull, link, import, create, update, balances, diagnose;
2. ``incremental``: again: the incremental pull brings back what run 1 wrote (its own echo);
3. ``incremental unchanged``: again, nothing changed remotely (the book may still settle what
   run 2 released);
4. ``incremental, 1,000 changed remote``: 1,000 contacts edited in the sandbox;
5. ``incremental, 1,000 new local``: 1,000 new payable profiles, created remotely;
6. ``incremental unchanged again``: nothing new (the pull brings back run 5's echo);
7. ``incremental steady``: the second run in a row with nothing new: the TUI's auto-sync on a
   quiet day;
8. ``full again``: ``--full-pull`` with nothing changed: every page, nothing written.

Then, each in a fresh process through the real entry point (``python -m loftterm``), what cron
or a person's command costs on that book: a sync with nothing new, ``status`` (the first
after that sync derives it and keeps it beside the book; asked again, it reads what was kept)
and ``links --state missing`` (wall time and that process's own peak RSS): they start cold.

Every HTTP request is recorded below httpx (by method and path) and classified; the floor is
what the counts imply: ceil(records/1000) pages (QBO: per entity), ceil(creates/50) (QBO: /30
per batch), creates and updates batched apart, one call for an unchanged incremental pull plus
the calls that find which balances moved (which an incremental pull cannot see: Xero lists the
invoices, credit notes, overpayments and prepayments modified since, 4 calls; QBO one CDC call
over its transactions) plus the balances of the records linked this run: Xero 50 ContactIDs a
call (or every page when fewer), QBO 500 ids a ``SELECT Id, Balance`` query per role (or
every page of the role when fewer).
Auth and tenant calls are shown apart.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import math
import multiprocessing
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# after PYTHONPATH: with --compare, a child's loftterm is the exported ref's, not this tree's
sys.path.append(str(Path(__file__).resolve().parent.parent))
from _common import (
    export_tree,
    heap_mb,
    load_note,
    peak_mb,
    reset_peak,
    rss_mb,
    run_child,
    table,
    verdict,
)

TARGETS = {"wall_s": 60.0, "peak_mb": 500.0, "saves": 20}
RUNS = (("full", False), ("incremental", False), ("incremental unchanged", False),
        ("incremental, 1,000 changed remote", False), ("incremental, 1,000 new local", False),
        ("incremental unchanged again", False), ("incremental steady", False),
        ("full again", True))
PROFILED = "full"  # the run --profile profiles (--profile-run chooses another)
PAGE = 1000
BATCH = {"xero": 50, "qbo": 30}
BALANCE_CHANGE_CALLS = {"xero": 4, "qbo": 1}  # which balances moved: document lists / one CDC


# --------------------------------------------------------------------------- sandboxes
def _serve(name: str, contacts: int, pipe: Any) -> None:
    """The sandbox process: start, send the connector settings, serve until told to stop."""
    if name == "xero":
        from connectors.xero.sandbox import XeroSandbox

        sandbox: Any = XeroSandbox(contacts=contacts)
    else:
        from connectors.qbo.sandbox.server import QboSandbox

        sandbox = QboSandbox(contacts=contacts)
    sandbox.start()
    pipe.send(sandbox.connector_settings())
    try:
        _serve_loop(sandbox, name, pipe)
    finally:
        sandbox.stop()


def start_sandbox(name: str, contacts: int) -> tuple[Any, Any, dict[str, Any]]:
    """Start a sandbox in its own process; return (process, pipe, connector settings)."""
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(name, contacts, theirs), daemon=True)
    proc.start()
    if not mine.poll(600):
        raise RuntimeError(f"the {name} sandbox did not start")
    return proc, mine, mine.recv()


# --------------------------------------------------------------------------- local book
def remote_people(name: str, n: int) -> list[tuple[str, str, str, str]]:
    """(name, first, last, email) of the contacts the sandbox generates, in order."""
    if name == "xero":
        from connectors.xero.sandbox import seed as xs

        taken = [xs.seed_record(s)["Name"] for s in xs.SEEDS]
        return [(r["Name"], r["FirstName"], r["LastName"], r["EmailAddress"])
                for r, _ in xs.generated_contacts(n, taken=taken)]
    from connectors.qbo.sandbox import seed as qs

    people = []
    for i in range(n // 2):
        full = qs.generated_name(i)
        first, last = full.split()[:2]
        people.append((full, first, last, f"{full.replace(' ', '.').lower()}@agents.example"))
    return people


def seed_book(path: Path, name: str, n: int) -> dict[str, int]:
    """The demo book plus profiles derived from the sandbox's generated contacts."""
    from loftterm.book import Book
    from loftterm.demo import seed_demo_book
    from loftterm.models import ContactFields, Profile

    seed_demo_book(path, [name])
    book = Book.open(path)
    people = remote_people(name, n)
    by_email = by_name = 0
    for i, (full, first, last, email) in enumerate(people):
        roll = i % 10
        if roll < 4 and email:
            fields = ContactFields(name=full, first_name=first, last_name=last, email=email)
            by_email += 1
        elif roll == 4:
            fields = ContactFields(name=full, first_name=first, last_name=last)
            by_name += 1
        else:
            continue  # left to be imported
        book.put_profile(Profile(id=f"B{i:07d}", kind="contact", fields=fields,
                                 updated_at="2025-06-01T00:00:00+00:00"))
    new = max(n // 100, 1)
    for i in range(new):
        book.put_profile(Profile(
            id=f"N{i:07d}", kind="agent",
            fields=ContactFields(name=f"Bench Agent {i:07d}", email=f"agent.{i}@bench.example"),
            updated_at="2025-06-01T00:00:00+00:00"))
    book.save()
    return {"profiles": len(book.profiles), "by_email": by_email, "by_name": by_name,
            "new_agents": new}


# --------------------------------------------------------------------------- API calls
class Recorder:
    """Records every request that goes over the wire (below retries, so retries count)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def install(self) -> None:
        import httpx

        original = httpx.HTTPTransport.handle_request
        calls = self.calls

        def handle_request(transport: Any, request: Any) -> Any:
            calls.append((request.method, request.url.path, request.url.query.decode()))
            return original(transport, request)

        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign,assignment]

    def take(self) -> list[tuple[str, str, str]]:
        taken, self.calls[:] = list(self.calls), []
        return taken


def classify(name: str, method: str, path: str, query: str) -> str:
    """A short label for a request: pull, pull:<entity>, cdc, count, write, auth, tenant..."""
    if "token" in path or "authorize" in path:
        return "auth"
    if name == "xero":
        if path.endswith("/connections"):
            return "tenant"
        if re.search(r"/Contacts$", path):
            if method == "GET" and "IDs=" in query:
                return "balances"
            return "pull" if method == "GET" else "write"
        if method == "GET" and re.search(r"/(Invoices|CreditNotes|Overpayments|Prepayments)$",
                                         path):
            return "balance-changes"
        return f"other {method} {path.rsplit('/', 1)[-1]}"
    from urllib.parse import unquote_plus

    text = unquote_plus(query).lower()
    if path.endswith("/query"):
        entity = re.search(r"from\s+(\w+)", text)
        what = entity.group(1) if entity else "?"
        if "select id, balance" in text:
            return f"balances:{what}"
        return f"count:{what}" if "count(*)" in text else f"pull:{what}"
    if path.endswith("/cdc"):
        return "cdc"
    if path.endswith("/batch"):
        return "write"
    if "companyinfo" in path.lower():
        return "tenant"
    return f"other {method} {path.rsplit('/', 1)[-1]}"


def balance_floor(name: str, wanted: Counter[str], roles: Counter[str]) -> int:
    """Calls that read the balances after an incremental pull (``wanted``: ids per role).

    Xero: 50 ContactIDs a call, or every page when that is fewer; QBO: 500 ids a query per role.
    """
    if name == "xero":
        ids = sum(wanted.values())
        return min(math.ceil(ids / 50), max(1, math.ceil(sum(roles.values()) / PAGE))) if ids else 0
    return sum(min(math.ceil(n / 500), max(1, math.ceil(roles[role] / PAGE)))
               for role, n in wanted.items() if n)


def floor_calls(name: str, run: str, counts: dict[str, int], roles: Counter[str],
                wanted: Counter[str] | None = None) -> int:
    """The fewest calls the run's work needs (see the module docstring)."""
    size = BATCH[name]  # creates and updates are separate phases, each batched
    write_calls = sum(math.ceil(counts.get(key, 0) / size)
                      for key in ("created_remote", "updated_remote"))
    if run.startswith("incremental"):
        finding = BALANCE_CHANGE_CALLS[name]
        return 1 + finding + write_calls + balance_floor(name, wanted or Counter(), roles)
    if name == "xero":
        pages = math.ceil(max(counts.get("pulled", 0), 1) / PAGE)
    else:
        pages = sum(math.ceil(max(k, 1) / PAGE) for k in roles.values()) + (3 - len(roles))
    return pages + write_calls


# --------------------------------------------------------------------------- one case
def _files(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime, size) of every file in the book's folder, by name."""
    found = {}
    for entry in folder.rglob("*"):
        if entry.is_file():
            stat = entry.stat()
            found[str(entry.relative_to(folder))] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def written(before: dict[str, tuple[int, int, int]],
            after: dict[str, tuple[int, int, int]]) -> tuple[int, list[str]]:
    """Bytes and names of the files a run wrote (new or changed; backups are hard links)."""
    names = sorted(name for name, state in after.items()
                   if before.get(name) != state and not name.endswith((".bak", ".lock")))
    return sum(after[name][2] for name in names), names


def book_bytes(path: Path, book: Any) -> int:
    """The size of the book as it is now: its file and the part files it names."""
    parts = getattr(book, "_parts", {}).values()  # an older loftterm has no parts
    return path.stat().st_size + sum((path.parent / name).stat().st_size for name in parts)


def _sandbox_edit(name: str, sandbox: Any, count: int) -> int:
    """Change ``count`` remote contacts as a user would (a synced field); return how many."""
    if name != "xero":
        return 0
    ids = sorted(sandbox.contacts)[:count]
    for number, cid in enumerate(ids):
        sandbox.edit_contact(cid, Phones=[{"PhoneType": "DEFAULT",
                                           "PhoneNumber": f"+61 2 9000 {number:04d}"}])
    return len(ids)


def _serve_loop(sandbox: Any, name: str, pipe: Any) -> None:
    """Answer the bench's requests until told to stop."""
    while True:
        message = pipe.recv()
        if message == "stop":
            return
        if isinstance(message, tuple) and message[0] == "edit":
            pipe.send(_sandbox_edit(name, sandbox, int(message[1])))


def add_local_profiles(console: Any, count: int) -> int:
    """Add ``count`` new payable agents to the book (not timed: what a user's import does)."""
    from loftterm.models import ContactFields, Profile

    with console.writing("bench") as book:
        for i in range(count):
            book.put_profile(Profile(
                id=f"L{i:07d}", kind="agent",
                fields=ContactFields(name=f"Local Newcomer {i:07d}",
                                     email=f"newcomer.{i}@bench.example"),
                updated_at="2025-07-01T00:00:00+00:00"))
    return count


def case(name: str, n: int, profile: bool) -> dict[str, Any]:
    """Start the sandbox, seed the book and run the syncs in one console; one child process."""
    import loftterm
    from loftterm.config import config_from_mapping
    from loftterm.console import BookConsole
    from loftterm.engine.pipeline.balances import BALANCES_CHECKED
    from loftterm.plugins import make_plugin_manager

    proc, pipe, settings = start_sandbox(name, n if name == "xero" else n // 2)
    out: dict[str, Any] = {"connector": name, "n": n, "runs": [],
                           "code": str(Path(loftterm.__file__).resolve().parent)}
    changed = min(1000, max(n // 10, 1))
    try:
        with tempfile.TemporaryDirectory(prefix="loftterm-syncbench-") as tmp:
            work = Path(tmp)
            book_path = work / "book.json"
            out["book"] = seed_book(book_path, name, n)
            pm = make_plugin_manager()
            config = config_from_mapping(
                {"book": str(book_path), "connectors": {name: {"enabled": True, **settings}}},
                pm, base_dir=work, source="<bench>")
            console = BookConsole(config, pm, sleep=lambda seconds: None)
            recorder = Recorder()
            recorder.install()
            out["rss_before_mb"] = rss_mb()
            saves_before: tuple[Any, int] = (None, 0)
            for run, full in RUNS:
                run = run.replace("1,000", f"{changed:,}")
                if "changed remote" in run:
                    pipe.send(("edit", changed))
                    if not pipe.recv():
                        continue  # this sandbox has no bench edits (QBO)
                elif "new local" in run:
                    add_local_profiles(console, changed)
                    recorder.take()
                events: list[tuple[str, float]] = []

                def on_event(event: Any, events: list[tuple[str, float]] = events) -> None:
                    if not events or events[-1][0] != event.phase:
                        events.append((event.phase, time.perf_counter()))

                files_before = _files(work)
                reset_peak()
                profiler = cProfile.Profile() if profile and run == PROFILED else None
                checked = str(console.book().connector_meta(name).get(BALANCES_CHECKED) or "")
                wall, cpu = time.perf_counter(), time.process_time()
                events.append(("open", wall))  # until the first event: book open, auth
                if profiler is not None:
                    profiler.enable()
                report = console.sync(name, full_pull=full, on_event=on_event)
                if profiler is not None:
                    profiler.disable()
                ended = time.perf_counter()
                wall, cpu = ended - wall, time.process_time() - cpu
                peak = peak_mb()
                wrote, wrote_files = written(files_before, _files(work))
                calls = recorder.take()
                kinds = Counter(classify(name, *c) for c in calls)
                counts = dict(report.connectors[name])
                book = console.book()
                roles = Counter(r.role for r in book.remote[name].values())
                wanted = Counter(link.role for link in book.links_of_connector(name)
                                 if link.at > checked)  # linked since the last balance reading
                floor = floor_calls(name, run, counts, roles, wanted)
                essential = sum(v for k, v in kinds.items() if k not in ("auth", "tenant"))
                phases: dict[str, float] = {}
                marks = [*events, ("end", ended)]
                for (phase, at), (_, until) in itertools.pairwise(marks):
                    phases[phase] = phases.get(phase, 0.0) + until - at
                held = console._book
                saves = held.saves if held is not None else 0
                if held is saves_before[0]:
                    saves -= saves_before[1]
                saves_before = (held, held.saves if held is not None else 0)
                out["runs"].append({
                    "run": run, "ok": report.ok, "wall_s": wall, "cpu_s": cpu,
                    "calls": len(calls), "essential_calls": essential, "floor": floor,
                    "by_kind": dict(sorted(kinds.items())), "counts": counts,
                    "saves": saves, "peak_mb": peak, "rss_after_mb": rss_mb(),
                    "book_bytes": book_bytes(book_path, book), "written_bytes": wrote,
                    "written_files": wrote_files, "phases": phases,
                    "errors": report.errors,
                })
                if profiler is not None:
                    out["profile"] = top_functions(profiler)
            out["fresh"] = fresh_process_runs(work, book_path, name, settings)
            out["heap"] = heap_parts(console)
    finally:
        pipe.send("stop")
        proc.join(30)
    return out


#: The book's tables :func:`heap_parts` lets go of, in order (attributes of ``Book``).
BOOK_TABLES = ("_remote", "_seen", "_proposals", "_decisions", "_journal", "runs", "items",
               "warnings", "_by_remote", "_by_email", "_links", "_profiles")


def heap_parts(console: Any) -> dict[str, Any]:
    """What the console's live objects weigh after the runs, part by part (issue 15's bound).

    Each part is let go of in turn and the live heap measured again (:func:`heap_mb`); what
    several parts share counts for the last one.  Derived structures first, then the book's
    tables, then the book object; what is left is the interpreter, the modules and their
    caches.  Run last: it empties the console's book in memory (not on disk).
    """
    import gc

    gc.unfreeze()  # the runs froze the heap (loftterm.heap): let everything go as usual
    book = console._book
    parts: list[tuple[str, float]] = []
    total = last = heap_mb()
    out: dict[str, Any] = {"rss_mb": rss_mb(), "heap_mb": total, "parts": parts}
    if book is None:
        return out
    derived = getattr(book, "derived", {})
    for key in list(derived):
        del derived[key]
        now = heap_mb()
        parts.append((f"derived {key!r}", last - now))
        last = now
    for attr in (*(["memo"] if hasattr(book, "memo") else []), *BOOK_TABLES):
        table = getattr(book, attr, None)
        if hasattr(table, "clear"):
            size = len(table)
            table.clear()
            now = heap_mb()
            parts.append((f"book {attr.lstrip('_')} ({size:,})", last - now))
            last = now
    del table, book
    console._book = None
    now = heap_mb()
    parts.append(("the book object, the rest", last - now))
    out["rest_mb"] = now
    return out


#: What a person or cron runs against the same book afterwards, each in a process of its own.
FRESH = (("sync, nothing new (cron)", ("--sync", "--connector", "{name}")),
         ("status", ("status",)),
         ("status again, book unchanged", ("status",)),
         ("links --state missing", ("links", "--state", "missing")))


#: Runs a command and reports its exit code and peak RSS.  A child forked straight from this
#: big process would count this process's pages as its own until it execs; forked from this
#: small launcher instead, its ``ru_maxrss`` is its own.
LAUNCHER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
lines = done.stderr.decode(errors="replace").strip().splitlines()
print(json.dumps({"rc": done.returncode, "error": lines[-1] if lines and done.returncode else "",
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def fresh_process_runs(work: Path, book: Path, name: str, settings: dict[str, Any]
                       ) -> list[dict[str, Any]]:
    """Run the :data:`FRESH` commands through the real entry point, each in a new process.

    The console runs above keep what they derived between runs (the TUI lives for hours); a
    cron job or a support person's command starts cold: it opens the book and derives
    everything again.  Wall time and the process's own peak RSS of each.
    """
    import yaml

    config = work / "fresh-config.yaml"
    config.write_text(yaml.safe_dump(
        {"book": str(book), "connectors": {name: {"enabled": True, **settings}}}))
    runs = []
    for label, args in FRESH:
        command = [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "loftterm",
                   "--config", str(config), *(arg.format(name=name) for arg in args)]
        started = time.perf_counter()
        # in the book's folder: ``-c`` and ``-m`` put the working folder first on the path, and
        # from this tree's root that imported this tree's loftterm even for a --compare ref
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=work)
        wall = time.perf_counter() - started
        measured = json.loads(done.stdout)
        runs.append({"run": label, "wall_s": wall, "peak_mb": measured["peak_kb"] / 1024,
                     "rc": measured["rc"], "error": measured["error"]})
    return runs


def top_functions(profiler: cProfile.Profile, limit: int = 25) -> str:
    """The functions with the most cumulative time (loftterm and connectors only)."""
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"loftterm|connectors", limit)
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.replace(str(Path(__file__).resolve().parent.parent) + "/", "")
                     for line in lines[start:] if line.strip())


# --------------------------------------------------------------------------- driver
def _run_of(case: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    return next((r for r in case["runs"] if r["run"].startswith(prefix)), None)


def target_rows(case: dict[str, Any]) -> list[tuple[str, float | None, str, float, str]]:
    """(what, value, unit, target, how shown) of each target of a case (issue 15's, issue 8's)."""
    rows: list[tuple[str, float | None, str, float, str]] = []

    def add(label: str, run: dict[str, Any] | None, value: float | None, unit: str,
            target: float) -> None:
        rows.append((label, value if run is not None else None, unit, target, ""))

    first = _run_of(case, "full")
    same = _run_of(case, "incremental unchanged")
    edited = next((r for r in case["runs"] if "changed remote" in r["run"]), None)
    newcomers = next((r for r in case["runs"] if "new local" in r["run"]), None)
    add("first full sync: wall", first, first and first["wall_s"], "s", 60.0)
    add("first full sync: saves", first, first and first["saves"], "", 20)
    add("unchanged incremental: wall", same, same and same["wall_s"], "s", 2.0)
    add("unchanged incremental: written, % of the book", same,
        same and 100.0 * same["written_bytes"] / max(same["book_bytes"], 1), "%", 5.0)
    add("unchanged incremental: peak RSS", same, same and same["peak_mb"], "MB", 400.0)
    steady = _run_of(case, "incremental steady")  # the second run in a row with nothing new
    add("steady incremental: wall", steady, steady and steady["wall_s"], "s", 2.0)
    add("steady incremental: written, % of the book", steady,
        steady and 100.0 * steady["written_bytes"] / max(steady["book_bytes"], 1), "%", 5.0)
    add("1,000 changed remote: wall", edited, edited and edited["wall_s"], "s", 4.0)
    add("1,000 new local: link phase", newcomers,
        newcomers and newcomers["phases"].get("link", 0.0), "s", 0.5)
    worst = max(case["runs"], key=lambda r: r["peak_mb"])
    add(f"peak RSS, worst run ({worst['run']})", worst, worst["peak_mb"], "MB", 500.0)
    fresh = {run["run"]: run for run in case.get("fresh", ())}
    cron = fresh.get(FRESH[0][0])
    add("fresh process: sync, nothing new (cron): wall", cron, cron and cron["wall_s"], "s", 2.0)
    add("fresh process: sync, nothing new (cron): peak RSS", cron, cron and cron["peak_mb"],
        "MB", 500.0)
    status = fresh.get("status")
    add("fresh process: status (book open < 1 s): wall", status, status and status["wall_s"],
        "s", 1.0)
    again = fresh.get("status again, book unchanged")
    add("fresh process: status again, book unchanged: wall", again, again and again["wall_s"],
        "s", 1.0)
    return rows


def _phase_text(phases: dict[str, float]) -> str:
    top = sorted(phases.items(), key=lambda item: -item[1])[:4]
    return ", ".join(f"{k} {v:.1f}" for k, v in top if v >= 0.05)


def report(results: dict[str, Any]) -> str:
    """The results as Markdown tables: every run, then the targets with ok/MISS."""
    rows = []
    impls = sorted({res.get("impl", "tree") for res in results["cases"]},
                   key=lambda label: label == "tree")
    for res in results["cases"]:
        for run in res["runs"]:
            over = run["essential_calls"] - run["floor"]
            rows.append([
                res.get("impl", "tree"), res["connector"], f"{res['n']:,}", run["run"],
                f"{run['essential_calls']} / {run['floor']}" + (f" (+{over})" if over else ""),
                f"{run['wall_s']:.2f}", f"{run['cpu_s']:.2f}", f"{run['peak_mb']:.0f}",
                str(run["saves"]),
                f"{run.get('written_bytes', 0) / 1e6:.1f} ({len(run.get('written_files', []))})",
                _phase_text(run.get("phases", {})),
                f"{run['counts'].get('pulled', 0):,}",
                f"{run['counts'].get('linked', 0):,}/{run['counts'].get('created_local', 0):,}"
                f"/{run['counts'].get('created_remote', 0):,}"
                f"/{run['counts'].get('updated_remote', 0):,}",
                "ok" if run["ok"] else "FAILED"])
    headers = ["code", "connector", "N", "run", "calls / floor", "wall s", "CPU s",
               "peak MB", "saves", "written MB (files)", "slowest phases s", "pulled",
               "linked/imported/created/updated", ""]
    lines = [table(headers, rows), ""]
    fresh_rows = [[res.get("impl", "tree"), res["connector"], f"{res['n']:,}", run["run"],
                   f"{run['wall_s']:.2f}", f"{run['peak_mb']:.0f}",
                   "ok" if run["rc"] == 0 else f"exit {run['rc']}: {run['error']}"]
                  for res in results["cases"] for run in res.get("fresh", ())]
    if fresh_rows:
        lines += ["Then each in a fresh process (`python -m loftterm ...`: starts cold, as cron "
                  "or a person's command does):", "",
                  table(["code", "connector", "N", "command", "wall s", "peak MB", ""],
                        fresh_rows), ""]
    for res in results["cases"]:
        heap = res.get("heap")
        if not heap:
            continue
        shown = [[label, f"{mb:.0f}"] for label, mb in heap["parts"] if mb >= 1]
        shown.append(["interpreter, modules, their caches (left)", f"{heap['rest_mb']:.0f}"])
        lines += [f"What the console holds after its runs ({res.get('impl', 'tree')}, "
                  f"{res['connector']} {res['n']:,}): RSS {heap['rss_mb']:.0f} MB, live objects "
                  f"{heap['heap_mb']:.0f} MB, let go of part by part:", "",
                  table(["part", "live MB"], shown), ""]
    by_key: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for res in results["cases"]:
        by_key.setdefault((res["connector"], res["n"]), {})[res.get("impl", "tree")] = res
    target_lines = []
    for (connector, n), cases in by_key.items():
        columns = {label: target_rows(cases[label]) for label in impls if label in cases}
        reference = next(iter(columns.values()))
        for index, (label, _, unit, target, _) in enumerate(reference):
            cells = []
            for impl in impls:
                found = columns.get(impl)
                value = found[index][1] if found else None
                cells.append("-" if value is None else f"{value:.2f} {unit}".strip())
            last = columns.get("tree") or reference
            value = last[index][1]
            state = ("-" if value is None else verdict(value, target)) if n >= 100_000 else \
                "(at 100k)"
            target_lines.append([f"{connector} {n:,}", label, *cells,
                                 f"<= {target:g} {unit}".strip(), state])
    lines += ["Targets (verdicts apply at 100k; the last code column is judged):", "",
              table(["case", "target", *impls, "target", ""], target_lines), ""]
    for res in results["cases"]:
        if "profile" in res:
            lines += ["", f"Profile of {res['connector']} {res['n']:,} "
                          f"({res.get('impl', 'tree')}, cProfile, cumulative):",
                      "```", res["profile"], "```"]
    lines.append(f"{results['load_before']} before, {results['load_after']} after")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Benchmark of a whole sync.")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--connectors", default="xero,qbo")
    parser.add_argument("--quick", action="store_true", help="1k and 5k only")
    parser.add_argument("--profile", action="store_true", help="cProfile one run (--profile-run)")
    parser.add_argument("--profile-run", default="full", help="which run --profile profiles")
    parser.add_argument("--compare", metavar="REF", help="also run loftterm at git REF, first")
    parser.add_argument("--only-ref", action="store_true", help="with --compare: the REF alone")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--child", nargs=3, metavar=("CONNECTOR", "N", "PROFILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        global PROFILED
        name, n, prof = args.child
        PROFILED = prof
        print(json.dumps(case(name, int(n), prof != "-")))
        return {}
    sizes = [1000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {"load_before": load_note(), "cases": []}
    with tempfile.TemporaryDirectory(prefix="loftterm-syncbench-code-") as tmp:
        impls: dict[str, Path | None] = {"tree": None}
        if args.compare:
            ref = export_tree(args.compare, Path(tmp) / "ref")
            impls = {args.compare: ref} if args.only_ref else {args.compare: ref, "tree": None}
        for name in args.connectors.split(","):
            for n in sizes:
                for label, root in impls.items():
                    found = run_child(
                        Path(__file__),
                        ["--child", name, str(n), args.profile_run if args.profile else "-"],
                        code_root=root, timeout=3600)
                    found["impl"] = label
                    if root is not None and not found["code"].startswith(str(root.resolve())):
                        raise RuntimeError(f"{label} ran the loftterm in {found['code']}")
                    results["cases"].append(found)
    results["load_after"] = load_note()
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
