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
3. ``incremental unchanged``: again, nothing changed anywhere: one call, nothing written;
4. ``full again``: ``--full-pull`` with nothing changed: every page, nothing written.

Every HTTP request is recorded below httpx (by method and path) and classified; the floor is
what the counts imply: ceil(records/1000) pages (QBO: per entity), ceil(creates/50) (QBO: /30
per batch), creates and updates batched apart, one call for an unchanged incremental pull plus
the balances of the linked records (which an incremental pull cannot see): Xero 50 ContactIDs a
call (or every page when fewer), QBO 500 ids a ``SELECT Id, Balance`` query per role (or
every page of the role when fewer).
Auth and tenant calls are shown apart.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import multiprocessing
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import load_note, peak_mb, rss_mb, run_child, table, verdict

TARGETS = {"wall_s": 60.0, "peak_mb": 500.0, "saves": 20}
RUNS = (("full", False), ("incremental", False), ("incremental unchanged", False),
        ("full again", True))
PAGE = 1000
BATCH = {"xero": 50, "qbo": 30}


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
    pipe.recv()
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
        return 1 + write_calls + balance_floor(name, wanted or Counter(), roles)
    if name == "xero":
        pages = math.ceil(max(counts.get("pulled", 0), 1) / PAGE)
    else:
        pages = sum(math.ceil(max(k, 1) / PAGE) for k in roles.values()) + (3 - len(roles))
    return pages + write_calls


# --------------------------------------------------------------------------- one case
def case(name: str, n: int, profile: bool) -> dict[str, Any]:
    """Start the sandbox, seed the book and run the three syncs; one child process."""
    from loftterm.config import config_from_mapping
    from loftterm.console import BookConsole
    from loftterm.engine.balances import refresh_ids
    from loftterm.plugins import make_plugin_manager

    proc, pipe, settings = start_sandbox(name, n if name == "xero" else n // 2)
    out: dict[str, Any] = {"connector": name, "n": n, "runs": []}
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
            for run, full in RUNS:
                profiler = cProfile.Profile() if profile and run == "full" else None
                wall, cpu = time.perf_counter(), time.process_time()
                if profiler is not None:
                    profiler.enable()
                report = console.sync(name, full_pull=full)
                if profiler is not None:
                    profiler.disable()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                calls = recorder.take()
                kinds = Counter(classify(name, *c) for c in calls)
                counts = dict(report.connectors[name])
                book = console.book()
                roles = Counter(r.role for r in book.remote[name].values())
                info = console.hooks(name).info
                wanted = Counter({role: len(refresh_ids(book, info, role)) for role in info.roles})
                floor = floor_calls(name, run, counts, roles, wanted)
                essential = sum(v for k, v in kinds.items() if k not in ("auth", "tenant"))
                out["runs"].append({
                    "run": run, "ok": report.ok, "wall_s": wall, "cpu_s": cpu,
                    "calls": len(calls), "essential_calls": essential, "floor": floor,
                    "by_kind": dict(sorted(kinds.items())), "counts": counts,
                    "saves": console._book.saves if console._book is not None else None,
                    "peak_mb": peak_mb(), "book_bytes": book_path.stat().st_size,
                    "errors": report.errors,
                })
                if profiler is not None:
                    out["profile"] = top_functions(profiler)
    finally:
        pipe.send("stop")
        proc.join(30)
    return out


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
def report(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    rows = []
    for res in results["cases"]:
        for run in res["runs"]:
            kinds = ", ".join(f"{k} {v}" for k, v in run["by_kind"].items())
            over = run["essential_calls"] - run["floor"]
            rows.append([
                res["connector"], f"{res['n']:,}", run["run"],
                f"{run['essential_calls']} / {run['floor']}" + (f" (+{over})" if over else ""),
                kinds, f"{run['wall_s']:.1f}", f"{run['cpu_s']:.1f}", f"{run['peak_mb']:.0f}",
                str(run["saves"]), f"{run['counts'].get('pulled', 0):,}",
                f"{run['counts'].get('linked', 0):,}/{run['counts'].get('created_local', 0):,}"
                f"/{run['counts'].get('created_remote', 0):,}"
                f"/{run['counts'].get('updated_remote', 0):,}",
                "ok" if run["ok"] else "FAILED"])
    headers = ["connector", "N", "run", "calls / floor", "requests by kind", "wall s", "CPU s",
               "peak MB", "saves", "pulled", "linked/imported/created/updated", ""]
    lines = [table(headers, rows), ""]
    for res in results["cases"]:
        first = res["runs"][0]
        if res["n"] >= 100_000:
            lines.append(
                f"{res['connector']} {res['n']:,}: first sync {first['wall_s']:.1f} s wall "
                f"({verdict(first['wall_s'], TARGETS['wall_s'])} < 60 s), peak "
                f"{first['peak_mb']:.0f} MB ({verdict(first['peak_mb'], TARGETS['peak_mb'])} "
                f"< 500 MB), {first['saves']} saves "
                f"({verdict(first['saves'] or 0, TARGETS['saves'])} <= 20)")
        if "profile" in res:
            lines += ["", f"Profile of the first {res['connector']} {res['n']:,} sync "
                          "(cProfile, cumulative):", "```", res["profile"], "```"]
    lines.append(f"{results['load_before']} before, {results['load_after']} after")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Benchmark of a whole sync.")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--connectors", default="xero,qbo")
    parser.add_argument("--quick", action="store_true", help="1k and 5k only")
    parser.add_argument("--profile", action="store_true", help="cProfile the first sync")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--child", nargs=3, metavar=("CONNECTOR", "N", "PROFILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, n, prof = args.child
        print(json.dumps(case(name, int(n), prof == "1")))
        return {}
    sizes = [1000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {"load_before": load_note(), "cases": []}
    for name in args.connectors.split(","):
        for n in sizes:
            results["cases"].append(run_child(
                Path(__file__), ["--child", name, str(n), "1" if args.profile else "0"],
                timeout=3600))
    results["load_after"] = load_note()
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
