"""``loftterm fleet DIR``: sync every book config in a folder, each in its own worker process.

A book is the unit of scale-out: each has its own ledger organisations (so its own API quota)
and its own lock file, so books never wait on each other.  Each worker is the real
``loftterm --sync --json --config BOOK.yaml`` in a child process: the same code path as a cron
line, and a crash, a broken config or an unreachable ledger in one book cannot stop the others.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from loftterm.cli.output import print_json, print_table
from loftterm.errors import EXIT_FLEET, EXIT_OK, UsageError

# book-level counts: the name in the summary -> the ``--sync --json`` key summed over connectors
COUNTS = {
    "linked": "linked",
    "created": "created_remote",
    "imported": "created_local",
    "updated": "updated_remote",
    "held": "held",
    "warnings": "warnings",
}


@dataclass
class BookResult:
    """What one book's sync did."""

    config: Path
    ok: bool
    exit_code: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    connectors: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        """The book's entry in ``fleet --json``."""
        return {
            "config": str(self.config),
            "ok": self.ok,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 2),
            "counts": self.counts,
            "connectors": self.connectors,
            "error": self.error or None,
        }


def add_fleet_parser(sub: Any) -> None:
    """Add the ``fleet`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "fleet",
        help="sync every book config (*.yaml) in DIR, several at once, one row per book",
        description="Sync every *.yaml directly in DIR (one book's config each) in parallel "
        "worker processes, each book under its own lock. One failing book never stops the "
        f"others; the exit code is {EXIT_FLEET} when any book failed.",
    )
    p.add_argument("dir", metavar="DIR", help="the folder of book configs")
    p.add_argument(
        "--jobs", "-j", type=int, default=0, metavar="N",
        help="books synced at once (default: the number of CPUs)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON list, one entry per book")
    p.add_argument("--dry-run", action="store_true", help="plan only: nothing is written anywhere")
    p.add_argument("--connector", default="", metavar="NAME", help="only this connector")
    p.add_argument(
        "--index", type=int, default=None, metavar="I",
        help="sync only the I-th config (0-based, in name order): one book per Indexed Job pod",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="progress on stderr even when not a TTY"
    )


def book_configs(folder: Path, index: int | None = None) -> list[Path]:
    """The ``*.yaml`` files directly in ``folder``, in name order (or only the ``index``-th)."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of book configs")
    configs = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not configs:
        raise UsageError(f"{folder}: no *.yaml book config in it")
    if index is None:
        return configs
    if not 0 <= index < len(configs):
        raise UsageError(
            f"--index {index}: {folder} holds {len(configs)} book configs (0..{len(configs) - 1})"
        )
    return [configs[index]]


def sync_command(config: Path, dry_run: bool, connector: str) -> list[str]:
    """The command line a worker runs for one book: the same as a cron line."""
    cmd = [sys.executable, "-m", "loftterm", "--sync", "--json", "--config", str(config)]
    if dry_run:
        cmd.append("--dry-run")
    if connector:
        cmd += ["--connector", connector]
    return cmd


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1].removeprefix("loftterm: error: ")


def book_result(config: Path, code: int, out: str, err: str, seconds: float) -> BookResult:
    """Read a finished worker's exit code, JSON and stderr into a :class:`BookResult`."""
    try:
        report = json.loads(out) if out.strip() else None
    except ValueError:
        report = None
    result = BookResult(config, ok=False, exit_code=code, seconds=seconds)
    if isinstance(report, dict):
        connectors = report.get("connectors")
        if isinstance(connectors, dict):
            result.connectors = {
                str(name): {str(k): int(v) for k, v in counts.items() if isinstance(v, int)}
                for name, counts in connectors.items() if isinstance(counts, dict)
            }
        errors = report.get("errors")
        if isinstance(errors, dict) and errors:
            result.error = "; ".join(
                str(text) if str(text).startswith(f"{name} ") else f"{name}: {text}"
                for name, text in errors.items()
            )
        result.ok = code == EXIT_OK and report.get("ok") is True
    result.counts = {
        name: sum(c.get(key, 0) for c in result.connectors.values()) for name, key in COUNTS.items()
    }
    if not result.ok and not result.error:
        result.error = _last_line(err) or f"the sync exited {code}"
    # one line, whatever a worker printed
    result.error = " ".join(result.error.split())
    return result


def sync_book(config: Path, dry_run: bool, connector: str) -> BookResult:
    """Sync one book in a child process and return what it did; never raises for the book."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            sync_command(config, dry_run, connector), capture_output=True, text=True,
            stdin=subprocess.DEVNULL, check=False,
        )
    except OSError as exc:
        return BookResult(config, False, EXIT_FLEET, time.monotonic() - started,
                          error=f"could not start the sync: {exc}")
    return book_result(config, done.returncode, done.stdout, done.stderr,
                       time.monotonic() - started)


def run_books(
    configs: Sequence[Path],
    jobs: int,
    worker: Callable[[Path], BookResult],
    on_done: Callable[[BookResult, int], None] | None = None,
) -> list[BookResult]:
    """Run ``worker`` over the configs, ``jobs`` at a time; results in the configs' order."""
    finished = 0
    lock = threading.Lock()

    def one(config: Path) -> BookResult:
        nonlocal finished
        result = worker(config)
        with lock:
            finished += 1
            if on_done is not None:
                on_done(result, finished)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, configs))


def print_summary(results: Sequence[BookResult], stream: TextIO | None = None) -> None:
    """One row per book, then the failed books' reasons."""
    print_table(
        [[r.config.name, "ok" if r.ok else "failed", *(r.counts.get(k, 0) for k in COUNTS),
          f"{r.seconds:.1f}"] for r in results],
        ["config", "result", *COUNTS, "seconds"],
        stream=stream,
    )
    failed = [r for r in results if not r.ok]
    out = stream or sys.stdout
    if failed:
        print(f"\n{len(failed)} of {len(results)} books failed:", file=out)
        for r in failed:
            print(f"  {r.config.name}: {r.error}", file=out)


def cmd_fleet(args: argparse.Namespace) -> int:
    """``fleet DIR``: sync every book; exit 0 when all synced, else ``EXIT_FLEET``."""
    if args.jobs < 0:
        raise UsageError(f"--jobs {args.jobs}: must be 1 or more")
    configs = book_configs(Path(args.dir), args.index)
    jobs = args.jobs or os.cpu_count() or 1
    show = (sys.stderr.isatty() or args.verbose) and not args.json

    def progress(result: BookResult, finished: int) -> None:
        state = "ok" if result.ok else f"failed: {result.error}"
        print(f"[{finished}/{len(configs)}] {result.config.name} {state} ({result.seconds:.1f}s)",
              file=sys.stderr, flush=True)

    results = run_books(
        configs, min(jobs, len(configs)),
        lambda config: sync_book(config, args.dry_run, args.connector),
        progress if show else None,
    )
    if args.json:
        print_json([r.to_json() for r in results])
    else:
        print_summary(results)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FLEET
