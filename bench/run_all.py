"""Run every benchmark and print one summary against the targets of issue 8.

    python bench/run_all.py --quick        # small sizes, under 2 minutes on an idle 2-core box
    python bench/run_all.py                # 100k everywhere (about 15-30 minutes)
    python bench/run_all.py --json out.json

The benches run one after the other (never in parallel: they would measure each other), each in
child processes of its own: book_bench.py, sync_bench.py, tui_bench.py and the matching
benchmark a colleague wrote (matching_bench.py, run as it is).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import child_env, load_note, table, verdict  # noqa: E402
from sync_bench import target_rows  # noqa: E402

BEFORE = "c5a0c50"  # the last commit before issue 8: the book as it was, for the side-by-side


def _run(script: str, args: list[str], timeout: float) -> tuple[dict[str, Any], float, str]:
    """Run one bench with ``--json``; return its results, wall time and printed report."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(HERE / script), *args, "--json", out.name],
            capture_output=True, text=True, env=child_env(), timeout=timeout, check=False)
        took = time.perf_counter() - started
        if proc.returncode != 0:
            return {"error": proc.stderr[-2000:]}, took, proc.stdout
        text = Path(out.name).read_text(encoding="utf-8")
    return (json.loads(text) if text.strip() else {}), took, proc.stdout


def summary(results: dict[str, Any]) -> str:
    """One table: each target, the measured figure, ok or MISS."""
    rows: list[list[str]] = []
    book = results.get("book", {})
    if "impls" in book:
        tree = book["impls"]["tree"]
        n = f"{book['n']:,}"
        rows += [
            [f"book open ({n} profiles)", f"{tree['open_s']:.2f} s", "< 1 s",
             verdict(tree["open_s"], 1.0)],
            [f"book save, atomic ({n})", f"{tree['save_s']:.2f} s", "< 0.5 s",
             verdict(tree["save_s"], 0.5)],
            [f"book peak RSS ({n})", f"{tree['peak_mb']:.0f} MB", "< 500 MB",
             verdict(tree["peak_mb"], 500)],
            [f"book file size ({n})", f"{tree['bytes'] / 1e6:.0f} MB", "reported", ""],
            ["lookup by email / remote id", f"{tree['by_email_us']:.1f} / "
             f"{tree['by_remote_us']:.1f} µs", "in-memory index", ""],
        ]
    for case in results.get("sync", {}).get("cases", []):
        label = f"sync {case['connector']} {case['n']:,}"
        for run in case["runs"]:
            extra = run["essential_calls"] - run["floor"]
            rows.append([f"{label} {run['run']}: API calls",
                         f"{run['essential_calls']} (floor {run['floor']})", "= floor",
                         "ok" if extra <= 0 else f"+{extra}"])
        if case["n"] >= 100_000:  # issue 15's targets, as sync_bench.py judges them
            for what, value, unit, target, _ in target_rows(case):
                shown = "-" if value is None else f"{value:.2f} {unit}".strip()
                rows.append([f"{label}: {what}", shown, f"<= {target:g} {unit}".strip(),
                             "-" if value is None else verdict(value, target)])
        first = case["runs"][0]
        rows += [
            [f"{label} full: wall / CPU", f"{first['wall_s']:.1f} / {first['cpu_s']:.1f} s",
             "< 60 s" if case["n"] >= 100_000 else "", verdict(first["wall_s"], 60.0)],
            [f"{label} full: peak RSS, saves", f"{first['peak_mb']:.0f} MB, {first['saves']}",
             "< 500 MB, <= 20",
             "ok" if first["peak_mb"] < 500 and (first["saves"] or 0) <= 20 else "MISS"],
        ]
    for case in results.get("tui", {}).get("cases", []):
        if "skipped" in case:
            rows.append([f"TUI {case['setup']}", "skipped", "", case["skipped"][:40]])
            continue
        worst = max(case["typed_ms"] + case["erased_ms"])
        rows += [
            [f"TUI {case['setup']} {case['rows']:,} rows: first paint",
             f"{case['first_paint_s'] * 1000:.0f} ms", "< 500 ms",
             verdict(case["first_paint_s"], 0.5)],
            [f"TUI {case['setup']} {case['rows']:,} rows: worst keystroke", f"{worst:.0f} ms",
             "< 100 ms", verdict(worst, 100.0)],
        ]
    matching = results.get("matching")
    if isinstance(matching, list):
        for row in matching:
            if isinstance(row, dict) and "seconds" in row:
                rows.append([f"matching {row.get('case', '')} {row.get('profile', '')} "
                             f"{row.get('rule', '')} w{row.get('workers', 1)}",
                             f"{row['seconds']:.2f} s, peak {row.get('peak_mb', 0):.0f} MB",
                             "(colleague's bench)", ""])
    elif matching:
        rows.append(["matching", str(matching)[:60], "", ""])
    for name, took in results.get("took", {}).items():
        rows.append([f"({name} bench wall time)", f"{took:.0f} s", "", ""])
    return table(["measure", "value", "target", ""], rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--skip", default="", help="comma-separated: book,sync,tui,matching")
    args = parser.parse_args(argv)
    quick = ["--quick"] if args.quick else []
    skip = set(filter(None, args.skip.split(",")))
    results: dict[str, Any] = {"load_before": load_note(), "took": {}}
    plan = [
        ("book", "book_bench.py",
         quick + ([] if args.quick else ["--compare", BEFORE, "--check", BEFORE])),
        ("sync", "sync_bench.py", quick),
        ("tui", "tui_bench.py", quick),
        ("matching", "matching_bench.py", quick + (["--skip-check"] if args.quick else [])),
    ]
    for name, script, extra in plan:
        if name in skip:
            continue
        print(f"## {name}: {script} {' '.join(extra)}", flush=True)
        found, took, printed = _run(script, extra, timeout=7200)
        print(printed, flush=True)
        results[name], results["took"][name] = found, took
    results["load_after"] = load_note()
    print("## summary\n")
    print(summary(results))
    print(f"\n{results['load_before']} before, {results['load_after']} after")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
