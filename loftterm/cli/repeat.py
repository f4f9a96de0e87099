"""``loftterm --sync --every MIN``: one process that syncs headless again and again (a service).

A cron job starts cold at every run: it opens the book and derives everything again (measured
at 100k profiles: ~7 s and ~530 MB a run with nothing new).  A process that stays keeps what it
derived, so a quiet run costs what changed (0.4-0.8 s at 100k), as the TUI's auto-sync does;
the price is the book held in memory between runs (~0.7 GB at 100k, more after a full pull).
SIGTERM (``systemctl stop``, ``kubectl delete``) lets the run going on finish, then exits;
Ctrl-C stops at once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import datetime

from loftterm.cli.commands import cmd_sync
from loftterm.cli.output import print_error
from loftterm.cli.session import Session
from loftterm.errors import EXIT_LOCKED, EXIT_OK, LofttermError, UsageError


def cmd_sync_every(session: Session, args: argparse.Namespace) -> int:
    """Sync now, then again every ``args.every`` minutes from each run's start, until stopped.

    Each run prints what a single ``--sync`` prints (``--json``: one JSON object per line).  A
    run that fails remotely or finds the book locked is reported and the next one comes on
    time; a config or book error stops the loop with its exit code.  Returns the last run's
    exit code.
    """
    if args.dry_run or args.plan_out:
        raise UsageError("--every repeats real syncs; a --dry-run (or --plan-out) writes nothing, "
                         "run it once")
    minutes = float(args.every)
    if minutes <= 0:
        raise UsageError(f"--sync --every needs a number of minutes above 0, not {args.every:g}")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    code = EXIT_OK
    try:
        while True:
            started = time.monotonic()
            try:
                code = cmd_sync(session, args, in_series=True)
            except LofttermError as exc:
                if exc.exit_code != EXIT_LOCKED:
                    raise
                print_error(f"{exc.message}; trying again in {minutes:g} min")
                code = exc.exit_code
            wait = max(0.0, started + minutes * 60 - time.monotonic())
            if not session.json:
                due = datetime.fromtimestamp(time.time() + wait).strftime("%H:%M:%S")
                print(f"next sync at {due} (every {minutes:g} min; stop: SIGTERM or Ctrl-C)\n")
            sys.stdout.flush()
            try:
                if stop.wait(wait):
                    return code
            except KeyboardInterrupt:  # between runs nothing is half done
                return code
    finally:
        signal.signal(signal.SIGTERM, previous)
