"""Kill-and-rerun chaos trials against the sandboxes (issue 7): crash anywhere, rerun converges.

    python bench/chaos.py 50                       # 50 trials per connector (target: 50, 0, 0, 0)
    python bench/chaos.py 10 --connector xero -v   # one connector, a line per trial
    python bench/chaos.py 50 --seed 11 --json out.json

Each trial (``tests/reliability/harness.py``): fresh sandbox data served from this process and a
fresh book; ``python -m loftterm --sync`` started as a child process with one random fault
queued (5xx, 429, dropped connection, lost write answer, stale SyncToken, expired token,
malformed or truncated JSON, or none); SIGKILL after a random delay (seeded) or right after the
remote committed a create whose answer it withholds; then the book must open, a clean rerun
must exit 0 (idempotency replay caches emptied first), the remote must hold no duplicate and
the book must have lost nothing.  Printed per connector: trials, kills (the sync was still
running), duplicates found, lost records, corrupt books, failed reruns and the faults by kind.
The exit status is 1 when any duplicate, loss, corrupt book or failed rerun was found.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import CONNECTORS, Totals, TrialResult, run_trials, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trials", type=int, nargs="?", default=50, help="trials per connector")
    parser.add_argument("--connector", action="append", choices=CONNECTORS,
                        help="only this connector (repeatable; default: all three)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the kill delays and faults")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per trial")
    parser.add_argument("--parts", action="store_true",
                        help="keep even these small books in parts (as big books are)")
    args = parser.parse_args()
    if args.parts:
        os.environ["LOFTTERM_PART_MIN_DOCS"] = "1"  # read by the killed loftterm processes
    names = tuple(args.connector or CONNECTORS)

    def report(result: TrialResult) -> None:
        if args.verbose or not result.ok:
            print(("ok   " if result.ok else "FAIL ") + result.describe(), flush=True)
        else:
            print(".", end="", flush=True)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loftterm-chaos-") as root:
        totals = run_trials(names, args.trials, Path(root), args.seed, on_trial=report)
    took = time.monotonic() - started
    print()
    overall = Totals()
    for total in totals.values():
        overall.trials += total.trials
        overall.kills += total.kills
        overall.duplicates += total.duplicates
        overall.lost += total.lost
        overall.corrupt += total.corrupt
        overall.failed_reruns += total.failed_reruns
        overall.faults.update(total.faults)
        overall.bad += total.bad
    rows = [(name, t) for name, t in totals.items()] + [("all", overall)]
    print(f"{'connector':<10} {'trials':>6} {'kills':>6} {'duplicates':>10} {'lost':>5} "
          f"{'corrupt':>7} {'failed reruns':>13}")
    for name, t in rows:
        print(f"{name:<10} {t.trials:>6} {t.kills:>6} {t.duplicates:>10} {t.lost:>5} "
              f"{t.corrupt:>7} {t.failed_reruns:>13}")
    print("\nfaults injected by kind (kill-*: killed while running; no-kill-*: it had ended):")
    kinds: Counter[str] = overall.faults
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<24} {count}")
    target = f"{overall.trials}, 0, 0, 0"
    found = f"{overall.trials}, {overall.duplicates}, {overall.lost}, {overall.corrupt}"
    print(f"\ntrials, duplicates, lost, corrupt: {found} (target {target}); {took:.0f} s")
    for result in overall.bad[:10]:
        print("  " + result.describe())
    if args.json:
        data = {"per_connector": summary(totals), "seconds": round(took, 1), "seed": args.seed}
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    bad = overall.duplicates or overall.lost or overall.corrupt or overall.failed_reruns
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
