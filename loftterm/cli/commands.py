"""The handlers of ``loftterm``'s flags and subcommands: each returns an exit code.

Sync, status, links and the other everyday commands live here; the review queue and remembered
decisions in ``review_commands``, plan/apply/undo in ``plan_commands``.  ``COMMANDS`` maps
every subcommand to its handler.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from loftterm.cli.output import print_json, print_table
from loftterm.cli.plan_commands import PLAN_COMMANDS
from loftterm.cli.progress import ProgressPrinter
from loftterm.cli.review_commands import REVIEW_COMMANDS
from loftterm.cli.session import Handler, Session, print_row
from loftterm.cli.setup_commands import SETUP_COMMANDS
from loftterm.errors import EXIT_OK, LofttermError
from loftterm.models import Profile


def cmd_sync(session: Session, args: argparse.Namespace, *, in_series: bool = False) -> int:
    """``--sync``: run the pipeline headless; summary on stdout, progress on stderr.

    ``in_series``: one run of many (``--every``): the JSON summary on a single line (JSON Lines),
    the table headed by the run's time.
    """
    show = (sys.stderr.isatty() or args.verbose) and not session.json
    printer = ProgressPrinter() if show else None
    report = session.console.sync(
        args.connector,
        dry_run=args.dry_run,
        on_event=printer,
        full_pull=args.full,
        repoint=args.repoint,
    )
    if not report.dry_run:
        try:
            session.console.keep_status()  # the next `status` reads it, not the whole book
        except LofttermError:
            pass  # a cache left unwritten: `status` derives it again, the sync stands
    if session.json:
        print_json(report.to_json(), indent=None if in_series else 2)
        return report.exit_code
    if in_series:
        print(f"sync at {datetime.now().strftime('%Y-%m-%d %H:%M:%S')}")
    headers = [
        "connector",
        "pulled",
        "linked",
        "new local",
        "new remote",
        "held",
        "updated",
        "archived",
        "failed",
        "warnings",
        "API calls",
    ]
    rows = [
        [
            name,
            c["pulled"],
            c["linked"],
            c["created_local"],
            c["created_remote"],
            c.get("held", 0),
            c["updated_remote"],
            c["archived"],
            c["failed"],
            c["warnings"],
            c["api_calls"],
        ]
        for name, c in report.connectors.items()
    ]
    print_table(rows, headers)
    held = sum(c.get("held", 0) for c in report.connectors.values())
    if held:
        print(f"\n{held} held for review instead of writing a possible duplicate: loftterm review")
    if report.dry_run:
        print("\ndry run: nothing was written. The sync would:")
        for line in report.plan or ["(nothing to do)"]:
            print(f"  {line}")
    for name, error in report.errors.items():
        print(f"\n{name}: stopped: {error}", file=sys.stderr)
    return report.exit_code


def cmd_status(session: Session, args: argparse.Namespace) -> int:
    """``status``: per connector, link states and the pending counter with its reasons."""
    statuses = session.console.status()
    if session.json:
        print_json({"connectors": {s.name: s.to_json() for s in statuses}})
        return EXIT_OK
    for status in statuses:
        last = status.last_run
        when = (
            f"{last.finished} ({'ok' if last.ok else 'failed'}, {last.api_calls} API calls)"
            if last
            else "never"
        )
        print(
            f"{status.title} [{status.name}]  organisation: {status.organisation}  last sync: {when}"
        )
        print(
            "  links: "
            + ", ".join(f"{state} {count}" for state, count in status.state_counts.items())
        )
        pending = status.pending
        up_to = "up to " if pending.first_pull else ""
        pull = "everything (first sync)" if pending.first_pull else (
            pending.to_pull or "changes only")
        print(
            f"  pending: {up_to}{pending.total} (create remotely {up_to}"
            f"{pending.to_create_remote}, link {pending.to_link}, new local "
            f"{pending.to_create_local}, update {pending.to_update}, archive "
            f"{pending.to_archive}; pull {pull})"
            + (f"; {pending.held} held for review (`loftterm review`)" if pending.held else "")
        )
        for reason in pending.reasons:
            print(f"    - {reason}")
        print()
    return EXIT_OK


def cmd_links(session: Session, args: argparse.Namespace) -> int:
    """``links``: one row per profile, connector and role."""
    rows = session.console.link_rows(args.connector, args.state, args.search)
    if session.json:
        print_json([row.to_json() for row in rows])
        return EXIT_OK
    print_table(
        [
            [
                r.profile_id,
                r.name,
                r.kind,
                r.connector + ("/" + r.role if r.role != "contact" else ""),
                str(r.state),
                r.remote_id,
                r.method,
                f"{r.score:.0%}" if r.method == "name" else "",
            ]
            for r in rows
        ],
        ["profile_id", "name", "kind", "connector", "state", "remote_id", "method", "score"],
    )
    return EXIT_OK


def cmd_link(session: Session, args: argparse.Namespace) -> int:
    """``link``: link a profile by hand."""
    row = session.console.link(args.profile_id, args.connector, args.remote, args.role)
    return print_row(
        session,
        row.to_json(),
        f"{row.profile_id} {row.name}: {row.state} to {row.remote_name} ({row.remote_id})",
    )


def cmd_unlink(session: Session, args: argparse.Namespace) -> int:
    """``unlink``: clear a link."""
    row = session.console.unlink(args.profile_id, args.connector, args.role)
    return print_row(
        session, row.to_json(), f"{row.profile_id} {row.name}: {row.state}; {row.explanation}"
    )


def cmd_sync_setting(enabled: bool) -> Handler:
    """``disable-sync`` / ``enable-sync``."""

    def handler(session: Session, args: argparse.Namespace) -> int:
        row = session.console.set_sync_enabled(args.profile_id, args.connector, enabled)
        return print_row(
            session, row.to_json(), f"{row.profile_id} {row.name}: {row.state}; {row.explanation}"
        )

    return handler


def cmd_fix_misplaced(session: Session, args: argparse.Namespace) -> int:
    """``fix-misplaced``: unlink an agent's own link (or move it to its organization)."""
    fix = session.console.fix_misplaced(args.profile_id, args.connector)
    if session.json:
        print_json(fix.to_json())
        return EXIT_OK
    for line in fix.done:
        print(f"done: {line}")
    for line in fix.todo:
        print(f"to do: {line}")
    return EXIT_OK


def cmd_search(session: Session, args: argparse.Namespace) -> int:
    """``search``: rank the mirror for a relink."""
    found = session.console.search_remote(args.connector, args.query, args.role, args.limit)
    if session.json:
        print_json(
            [
                {
                    "remote_id": c.remote.remote_id,
                    "name": c.remote.name,
                    "email": c.remote.email,
                    "status": c.remote.status,
                    "score": round(c.score, 4),
                    "by_email": c.by_email,
                    "linked_to": c.linked_to,
                }
                for c in found
            ]
        )
        return EXIT_OK
    print_table(
        [
            [
                c.remote.remote_id,
                c.remote.name,
                c.remote.email,
                c.remote.status,
                "email" if c.by_email else f"{c.score:.0%}",
                c.linked_to,
            ]
            for c in found
        ],
        ["remote_id", "name", "email", "status", "score", "linked to"],
    )
    if sum(1 for c in found if c.score >= 0.6) > 1:
        print(
            "\nmore than one plausible contact: check the All and Archived tabs remotely; restore an "
            "archived duplicate, remove its email and merge, then sync before relinking."
        )
    return EXIT_OK


def cmd_explain(session: Session, args: argparse.Namespace) -> int:
    """``explain``: the evidence behind a link or its best candidates."""
    found = session.console.explain(args.profile_id, args.connector)
    if session.json:
        print_json([e.to_json() for e in found])
        return EXIT_OK
    if not found:
        print(f"no {args.connector} record resembles {args.profile_id}; sync first if it is new")
    for item in found:
        print("\n".join(item.lines()))
    return EXIT_OK


def cmd_warnings(session: Session, args: argparse.Namespace) -> int:
    """``warnings``."""
    found = session.console.warnings(include_resolved=args.all)
    if session.json:
        print_json([w.to_dict() for w in found])
        return EXIT_OK
    print_table(
        [
            [w.kind, w.connector, w.profile_id, w.message, "resolved" if w.resolved else "open"]
            for w in found
        ],
        ["kind", "connector", "profile", "message", "status"],
        max_width=90,
    )
    return EXIT_OK


def cmd_runs(session: Session, args: argparse.Namespace) -> int:
    """``runs``: the sync history."""
    runs = session.console.runs(args.limit)
    if session.json:
        print_json([r.to_json() for r in runs])
        return EXIT_OK
    print_table(
        [
            [
                r.id,
                r.connector,
                r.finished,
                "ok" if r.ok else "failed",
                r.api_calls,
                ", ".join(f"{k} {v}" for k, v in r.counts.items() if v and k != "api_calls"),
                r.error,
            ]
            for r in runs
        ],
        ["run", "connector", "finished", "result", "calls", "counts", "error"],
        max_width=70,
    )
    noted = [r for r in runs if r.notes]
    if noted:
        print()
    for run in noted:
        for note in run.notes:
            print(f"run {run.id} ({run.connector}): {note}")
    if args.outcomes:
        for run in runs:
            print(f"\nrun {run.id} ({run.connector}):")
            print_table(
                [
                    [o.profile_id, o.name, o.action, o.status, o.remote_id, o.reason]
                    for o in run.outcomes
                ],
                ["profile", "name", "action", "status", "remote", "reason"],
                max_width=60,
            )
    return EXIT_OK


def cmd_import(session: Session, args: argparse.Namespace) -> int:
    """``import``: profiles from CSV or YAML, all rows or none."""
    from loftterm.importer import parse_profiles

    existing = session.console.book().profiles
    profiles = parse_profiles(Path(args.file), existing_ids=set(existing))
    created = sum(1 for p in profiles if p.id not in existing)
    if not args.dry_run:
        with session.console.writing("import") as book:
            for profile in profiles:
                book.put_profile(_merge_import(book.profiles.get(profile.id), profile))
    result = {
        "file": args.file,
        "profiles": len(profiles),
        "created": created,
        "updated": len(profiles) - created,
        "dry_run": bool(args.dry_run),
    }
    if session.json:
        print_json(result)
    else:
        verb = "would import" if args.dry_run else "imported"
        print(
            f"{verb} {len(profiles)} profiles from {args.file} ({created} new, {len(profiles) - created} updated)"
        )
    return EXIT_OK


def _merge_import(old: Profile | None, new: Profile) -> Profile:
    """An imported row replaces the profile's fields but keeps its sync settings and balances."""
    if old is None:
        return new
    old.kind, old.fields, old.payable_to = new.kind, new.fields, new.payable_to
    old.updated_at = new.updated_at
    return old


def cmd_push(session: Session, args: argparse.Namespace) -> int:
    """``push``: create a profile's ledger contact now."""
    row = session.console.push_profile(args.profile_id, args.connector, anyway=args.anyway)
    return print_row(
        session,
        row.to_json(),
        f"{row.profile_id} {row.name}: created in {row.connector} as {row.remote_id}",
    )


def cmd_batch(session: Session, args: argparse.Namespace) -> int:
    """``batch``: the pending counter first, then every document with its outcome and remote id."""
    show = sys.stderr.isatty() and not session.json
    result = session.console.batch(
        Path(args.file),
        args.connector,
        dry_run=args.dry_run,
        on_event=ProgressPrinter() if show else None,
    )
    if session.json:
        print_json(result.to_json())
        return result.exit_code
    print(result.headline())
    for reason in result.pending.reasons:
        print(f"  - {reason}")
    print()
    print_table(
        [
            [d.line, d.deal, d.kind, d.profile_id, d.payee, f"{d.amount} {d.currency}".strip(),
             d.status, d.remote_id, d.reason]
            for d in result.documents
        ],
        ["line", "deal", "kind", "profile", "paid to", "amount", "status", "remote id", "reason"],
        max_width=60,
    )
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
    print(f"\nbatch {result.batch}: {counts}")
    if result.dry_run:
        print("\ndry run: nothing was written. The batch would:")
        for line in result.plan or ["(nothing to do)"]:
            print(f"  {line}")
    if result.error:
        print(f"\n{result.connector}: stopped: {result.error}", file=sys.stderr)
    return result.exit_code


COMMANDS: dict[str, Handler] = {
    "status": cmd_status,
    "links": cmd_links,
    "link": cmd_link,
    "unlink": cmd_unlink,
    "disable-sync": cmd_sync_setting(False),
    "enable-sync": cmd_sync_setting(True),
    "search": cmd_search,
    "fix-misplaced": cmd_fix_misplaced,
    "warnings": cmd_warnings,
    "explain": cmd_explain,
    "runs": cmd_runs,
    "import": cmd_import,
    "push": cmd_push,
    "batch": cmd_batch,
    **SETUP_COMMANDS,
    **REVIEW_COMMANDS,
    **PLAN_COMMANDS,
}




