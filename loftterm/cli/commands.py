"""The handlers of ``loftterm``'s flags and subcommands: each returns an exit code."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pluggy

from loftterm.cli.output import print_json, print_table
from loftterm.cli.progress import ProgressPrinter
from loftterm.console import BookConsole
from loftterm.errors import EXIT_OK, EXIT_REMOTE, UsageError
from loftterm.http.consent import RedirectCatcher, consent_request, exchange_code, parse_redirect
from loftterm.http.oauth import OAuthSettings
from loftterm.models import Profile
from loftterm.views import BulkReview, Proposal


@dataclass
class Session:
    """What every command works with."""

    console: BookConsole
    pm: pluggy.PluginManager
    json: bool


Handler = Callable[[Session, argparse.Namespace], int]


def cmd_sync(session: Session, args: argparse.Namespace) -> int:
    """``--sync``: run the pipeline headless; summary on stdout, progress on stderr."""
    show = (sys.stderr.isatty() or args.verbose) and not session.json
    printer = ProgressPrinter() if show else None
    report = session.console.sync(
        args.connector,
        dry_run=args.dry_run,
        on_event=printer,
        full_pull=args.full,
        repoint=args.repoint,
    )
    if session.json:
        print_json(report.to_json())
        return report.exit_code
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


def _print_row(session: Session, row_json: dict[str, object], line: str) -> int:
    if session.json:
        print_json(row_json)
    else:
        print(line)
    return EXIT_OK


def cmd_link(session: Session, args: argparse.Namespace) -> int:
    """``link``: link a profile by hand."""
    row = session.console.link(args.profile_id, args.connector, args.remote, args.role)
    return _print_row(
        session,
        row.to_json(),
        f"{row.profile_id} {row.name}: {row.state} to {row.remote_name} ({row.remote_id})",
    )


def cmd_unlink(session: Session, args: argparse.Namespace) -> int:
    """``unlink``: clear a link."""
    row = session.console.unlink(args.profile_id, args.connector, args.role)
    return _print_row(
        session, row.to_json(), f"{row.profile_id} {row.name}: {row.state}; {row.explanation}"
    )


def cmd_sync_setting(enabled: bool) -> Handler:
    """``disable-sync`` / ``enable-sync``."""

    def handler(session: Session, args: argparse.Namespace) -> int:
        row = session.console.set_sync_enabled(args.profile_id, args.connector, enabled)
        return _print_row(
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


def cmd_connect(session: Session, args: argparse.Namespace) -> int:
    """``connect``: OAuth consent (authorization code), tokens saved, organisations listed."""
    console = session.console
    conn = console.config.connector(args.connector)
    settings = conn.settings
    for key in ("authorize_url", "token_url", "client_id", "client_secret"):
        if not settings.get(key):
            raise UsageError(
                f"connectors.{args.connector}.{key} is not set; {args.connector} has no consent flow"
            )
    oauth = OAuthSettings(
        args.connector,
        str(settings["token_url"]),
        str(settings["client_id"]),
        str(settings["client_secret"]),
        "authorization_code",
        str(settings.get("scopes") or ""),
    )
    store = console.tokens.for_connector(args.connector)
    catcher = None if args.paste else RedirectCatcher(args.port)
    redirect_uri = (
        catcher.redirect_uri if catcher else f"http://127.0.0.1:{args.port or 8765}/callback"
    )
    consent = consent_request(
        str(settings["authorize_url"]), oauth.client_id, oauth.scopes, redirect_uri
    )
    print(
        f"Open this address in a browser and approve loftterm:\n\n  {consent.url}\n",
        file=sys.stderr,
    )
    try:
        if catcher is not None:
            print(
                f"Waiting for the redirect to {redirect_uri} (Ctrl-C to stop)...", file=sys.stderr
            )
            landed = catcher.wait(args.timeout)
            if not landed:
                raise UsageError(
                    f"no redirect within {args.timeout:.0f} s; run again with --paste over SSH"
                )
        else:
            landed = input("Paste the address the browser landed on: ")
    finally:
        if catcher is not None:
            catcher.close()
    query = parse_redirect(landed, consent.state)
    extra = {"tenant_id": query["realmId"]} if query.get("realmId") else {}
    exchange_code(oauth, query["code"], redirect_uri, store, time.time(), extra)
    tenants = console.tenants(args.connector)
    if session.json:
        print_json(
            {
                "connector": args.connector,
                "connected": True,
                "organisations": [{"id": t.id, "name": t.name} for t in tenants],
            }
        )
    else:
        print(f"connected {args.connector}; tokens saved to {console.config.tokens} (mode 0600)")
        for tenant in tenants:
            print(f"  organisation {tenant.name}: {tenant.id}")
        if len(tenants) > 1:
            print(
                f"several organisations: set connectors.{args.connector}.tenant_id to one of them"
            )
    return EXIT_OK


def cmd_doctor(session: Session, args: argparse.Namespace) -> int:
    """``doctor``: config, book, tokens and reachability, one line each."""
    console = session.console
    checks: list[tuple[str, bool, str]] = []
    book = console.book()
    checks.append(
        (
            "book",
            True,
            f"{console.config.book}: {len(book.profiles)} profiles, {len(book.links)} links",
        )
    )
    for name in console.connectors():
        try:
            tenants = console.tenants(name)
            checks.append(
                (name, True, "reachable; organisations: " + ", ".join(t.name for t in tenants))
            )
        except Exception as exc:
            checks.append((name, False, str(exc)))
    if session.json:
        print_json(
            {
                "ok": all(ok for _, ok, _ in checks),
                "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in checks],
            }
        )
    else:
        for check, ok, detail in checks:
            print(f"{'ok ' if ok else 'FAIL'} {check}: {detail}")
    return EXIT_OK if all(ok for _, ok, _ in checks) else EXIT_REMOTE


def _takes(pairs: list[str]) -> dict[str, str]:
    """Parse ``--take FIELD=left|right`` options."""
    take: dict[str, str] = {}
    for pair in pairs:
        name, sep, side = pair.partition("=")
        if not sep or side.strip() not in ("left", "right"):
            raise UsageError(f"--take {pair}: write FIELD=left or FIELD=right")
        take[name.strip()] = side.strip()
    return take


VERDICTS = {
    "accepted": "; {profile} linked to {remote} and both sides updated",
    "rejected": "; these are kept apart from now on",
}


def cmd_review(session: Session, args: argparse.Namespace) -> int:
    """``review``: list the review queue, decide one review, or decide many with ``bulk``.

    Columns: the book (or the ledger contact) on the left, the remote record on the right, the
    proposed value in the middle.  Held pairs are listed strongest evidence first.
    """
    console = session.console
    if args.action == "bulk":
        return _review_bulk(session, args)
    if args.action:
        if not args.proposal_id:
            raise UsageError(f"review {args.action} needs the review's ID (`loftterm review`)")
        if args.take and args.action != "accept":
            raise UsageError("--take goes with review accept")
        if args.action in ("create", "import"):
            proposal = console.override_hold(args.proposal_id, args.action)
            verdict = f"; {args.action}d anyway in {proposal.connector}"
        else:
            proposal = console.decide_proposal(
                args.proposal_id, args.action == "accept", take=_takes(args.take)
            )
            verdict = VERDICTS.get(proposal.status, "").format(
                profile=proposal.profile_id, remote=proposal.remote_id
            )
        if session.json:
            print_json(proposal.to_json())
        else:
            print(f"{proposal.id}: {proposal.status}{verdict}")
        return EXIT_OK
    proposals = [
        p
        for p in console.proposals(include_closed=args.all)
        if (not args.connector or p.connector == args.connector)
        and (not args.kind or (args.kind in p.holds if args.kind != "link" else not p.holds))
    ]
    if session.json:
        print_json([p.to_json() for p in proposals])
        return EXIT_OK
    if not proposals:
        print("nothing to review")
    for proposal in proposals:
        print(review_heading(proposal))
        if args.brief:
            continue
        right = f"{proposal.connector} (right)"
        left = "book (left)" if proposal.holds else "ledger (left)"
        print_table(
            [
                [f.field, f.left, f.proposed, f.right, "<>" if f.differs else ""]
                for f in proposal.fields
            ],
            ["field", left, "proposed", right, ""],
            max_width=40,
        )
        print()
    if proposals and not args.all:
        print(
            "loftterm review accept ID [--take FIELD=left|right ...] (link) | reject ID (not the\n"
            "  same) | create ID | import ID (anyway) | bulk create|import|link ... [--yes]"
        )
    return EXIT_OK


def review_heading(proposal: Proposal) -> str:
    """One line: the review's id, what waits, the pair and the evidence."""
    if not proposal.holds:
        return f"{proposal.id} [{proposal.status}]: {proposal.reason}"
    names = {f.field: f for f in proposal.fields}
    name = names.get("name")
    pair = (
        f"{proposal.profile_id} {name.left!r} / {proposal.connector} {name.right!r}"
        if name
        else f"{proposal.profile_id} / {proposal.connector} {proposal.remote_id}"
    )
    note = f"; {proposal.note}" if proposal.note else ""
    return (
        f"{proposal.id} [{proposal.status}, {' and '.join(proposal.holds)} held]: {pair}: "
        f"{proposal.reason}, name {proposal.score:.0%}{note}"
    )


def _review_bulk(session: Session, args: argparse.Namespace) -> int:
    if args.proposal_id not in ("create", "import", "link"):
        raise UsageError("review bulk needs what to do: create, import or link")
    if args.proposal_id in ("create", "import") and not 0 < args.below <= 1:
        raise UsageError(f"review bulk {args.proposal_id} needs --below SCORE (0..1), e.g. 0.5")
    if args.proposal_id == "link" and not (args.same or args.above < 1):
        raise UsageError("review bulk link needs --above SCORE and/or --same email|phone|name")
    rule = BulkReview(
        args.proposal_id, args.connector, args.below, args.above, tuple(args.same)
    )
    chosen = session.console.bulk_review(rule, apply=args.yes)
    if session.json:
        print_json({"applied": args.yes, "count": len(chosen), "reviews": [p.to_json() for p in chosen]})
        return EXIT_OK
    verb = {"create": "create anyway", "import": "import anyway", "link": "link"}[rule.action]
    for proposal in chosen:
        print(review_heading(proposal))
    if args.yes:
        print(f"decided {len(chosen)}: {verb}")
    else:
        print(f"{len(chosen)} would be decided: {verb}. Run again with --yes to do it.")
    return EXIT_OK


def cmd_push(session: Session, args: argparse.Namespace) -> int:
    """``push``: create a profile's ledger contact now."""
    row = session.console.push_profile(args.profile_id, args.connector, anyway=args.anyway)
    return _print_row(
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
    "connect": cmd_connect,
    "doctor": cmd_doctor,
    "review": cmd_review,
    "push": cmd_push,
    "batch": cmd_batch,
}


# -- remembered decisions and merges (issue 9) -------------------------------------------------


def cmd_decisions(session: Session, args: argparse.Namespace) -> int:
    """``decisions [export FILE | forget KEY]``: what the user said, and what it means."""
    from loftterm.engine.decisions import export

    console = session.console
    if args.action and not args.target:
        raise UsageError(f"decisions {args.action} needs a {'FILE' if args.action == 'export' else 'KEY'}")
    if args.action == "forget":
        gone = console.forget_decision(args.target)
        return _print_row(session, dict(gone.to_json()), f"forgot {gone.key}: {gone.meaning}")
    found = console.decisions()
    if args.action == "export":
        kind = export(found, Path(args.target))
        return _print_row(
            session,
            {"file": args.target, "format": kind, "decisions": len(found)},
            f"exported {len(found)} decisions to {args.target} ({kind})",
        )
    if session.json:
        print_json([d.to_json() for d in found])
        return EXIT_OK
    print_table(
        [[d.kind, d.connector, d.profile_id, d.remote_id, d.at, d.meaning, d.key] for d in found],
        ["kind", "connector", "profile", "remote", "at", "meaning", "key"],
        max_width=70,
    )
    return EXIT_OK


def cmd_not_same(session: Session, args: argparse.Namespace) -> int:
    """``not-same``: remember that remote records are not a profile."""
    console = session.console
    if args.remote:
        done = [console.reject_pair(args.profile_id, args.connector, r) for r in args.remote]
    else:
        done = console.reject_candidates(args.profile_id, args.connector)
    if session.json:
        print_json([d.to_json() for d in done])
        return EXIT_OK
    for decision in done:
        print(f"remembered: {decision.meaning} ({decision.key})")
    return EXIT_OK


def cmd_merge(session: Session, args: argparse.Namespace) -> int:
    """``merge SURVIVOR OTHER``: merge two local profiles (``unmerge OTHER`` reverses it)."""
    report = session.console.merge_profiles(args.survivor_id, args.other_id, dry_run=args.dry_run)
    return _print_row(session, report.to_json(), "\n".join(report.lines()))


def cmd_unmerge(session: Session, args: argparse.Namespace) -> int:
    """``unmerge OTHER``: reverse a merge."""
    report = session.console.unmerge(args.other_id)
    return _print_row(session, report.to_json(), "\n".join(report.lines()))


def cmd_relink_merged(session: Session, args: argparse.Namespace) -> int:
    """``relink-merged``: follow a remote merge to its survivor."""
    rows = session.console.relink_merged(args.profile_id, args.connector, args.role, args.remote)
    if session.json:
        print_json([row.to_json() for row in rows])
        return EXIT_OK
    for row in rows:
        print(f"{row.profile_id} {row.name}: {row.connector} {row.role} relinked to "
              f"{row.remote_name} ({row.remote_id})")
    return EXIT_OK


def cmd_resolve_conflict(session: Session, args: argparse.Namespace) -> int:
    """``resolve-conflict``: pick the local or remote value of a conflicting field."""
    line = session.console.resolve_conflict(
        args.profile_id, args.connector, args.field, args.take, args.role
    )
    if session.json:
        print_json({"profile_id": args.profile_id, "connector": args.connector,
                    "field": args.field, "take": args.take, "result": line})
    else:
        print(line)
    return EXIT_OK


COMMANDS.update(
    {
        "decisions": cmd_decisions,
        "not-same": cmd_not_same,
        "merge": cmd_merge,
        "unmerge": cmd_unmerge,
        "relink-merged": cmd_relink_merged,
        "resolve-conflict": cmd_resolve_conflict,
    }
)


# -- plan and apply, undo (issue 9: engine/plan.py, engine/undo.py) ----------------------------


def cmd_plan_out(session: Session, args: argparse.Namespace) -> int:
    """``--sync --dry-run --plan-out FILE``: write what the sync would do, item by item."""
    from loftterm.engine.plan import summary_lines, write_plan

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
    from loftterm.engine.plan import read_plan

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


COMMANDS.update({"apply": cmd_apply, "undo": cmd_undo})
