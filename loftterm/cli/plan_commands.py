"""Plan and apply (``--plan-out``, ``apply``) and ``undo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loftterm.cli.output import print_json, print_table
from loftterm.cli.progress import ProgressPrinter
from loftterm.cli.session import Handler, Session
from loftterm.console import read_plan, summary_lines, write_plan
from loftterm.errors import EXIT_OK, UsageError

# -- plan and apply, undo (issue 9: engine/runs/plan.py, engine/runs/undo.py) ----------------


def cmd_plan_out(session: Session, args: argparse.Namespace) -> int:
    """``--sync --dry-run --plan-out FILE``: write what the sync would do, item by item."""
    if not (args.sync and args.dry_run):
        raise UsageError("--plan-out goes with --sync --dry-run (a plan is made without writing)")
    show = (sys.stderr.isatty() or args.verbose) and not session.json
    plan = session.console.plan(args.connector, on_event=ProgressPrinter() if show else None)
    path = Path(args.plan_out)
    write_plan(plan, path)
    counts = plan.counts()
    if session.json:
        print_json(
            {
                "plan": plan.id,
                "file": str(path),
                "counts": counts,
                "api_calls": plan.estimated_calls(),
                "connectors": {n: c.to_dict() for n, c in plan.connectors.items()},
            }
        )
        return EXIT_OK
    print(f"plan {plan.id} written to {path}: {len(plan.items)} items, nothing was changed")
    for line in summary_lines(plan):
        print(f"  {line}")
    for line in plan.lines:
        print(f"    {line}")
    print(f"\napply it with: loftterm apply {path}")
    return EXIT_OK


def cmd_apply(session: Session, args: argparse.Namespace) -> int:
    """``apply FILE``: carry out a plan exactly; one row per item."""
    report = session.console.apply(read_plan(Path(args.file)))
    if session.json:
        print_json(report.to_json())
        return report.exit_code
    print_table(
        [
            [r.item, r.connector, r.action, r.profile_id, r.name, r.status, r.reason]
            for r in report.items
        ],
        ["item", "connector", "action", "profile", "name", "result", "reason"],
        max_width=60,
    )
    counts = report.counts()
    runs = ", ".join(f"{n} {r}" for n, r in report.runs.items())
    print(
        f"\nplan {report.plan_id}: applied {counts['applied']}, skipped {counts['skipped']}, "
        f"failed {counts['failed']} (run {runs}; `loftterm undo RUN_ID` reverts it)"
    )
    for name, error in report.errors.items():
        print(f"{name}: stopped: {error}", file=sys.stderr)
    return report.exit_code


def cmd_undo(session: Session, args: argparse.Namespace) -> int:
    """``undo RUN_ID``: revert a run (or one profile of it) with compensating writes."""
    report = session.console.undo(args.run_id, args.profile, args.dry_run)
    if session.json:
        print_json(report.to_json())
        return report.exit_code
    doable = [a for a in report.actions if a.undoable]
    print(f"undo of run {report.run_id} ({report.connector}): {len(doable)} compensating actions"
          + ("" if report.dry_run else f", as run {report.undo_run_id or '(nothing to do)'}"))
    for a in doable:
        status = "" if a.status == "planned" else f" [{a.status}{': ' + a.reason if a.reason else ''}]"
        print(f"  {a.profile_id} {a.name}: {a.description}{status}")
    if not doable:
        print("  (nothing to undo)")
    if report.cannot_undo:
        print("\ncannot be undone (stays as the run left it):")
        for action in report.cannot_undo:
            print(f"  {action.profile_id} {action.name}: {action.description}")
    if report.dry_run:
        print("\ndry run: nothing was changed. Remote records changed since the run are skipped, "
              "never overwritten.")
    print("The next sync decides again: fix the cause first (unlink, disable-sync, not-same, "
          "edit the profile) or it may redo what was undone.")
    if report.error:
        print(f"stopped: {report.error}", file=sys.stderr)
    return report.exit_code


PLAN_COMMANDS: dict[str, Handler] = {"apply": cmd_apply, "undo": cmd_undo}
