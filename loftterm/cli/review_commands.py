"""The review queue and remembered decisions.

``review``, ``decisions``, ``not-same``, ``merge``/``unmerge``, ``relink-merged`` and
``resolve-conflict``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from loftterm.cli.output import print_json, print_table
from loftterm.cli.session import Handler, Session, print_row
from loftterm.console import export_decisions
from loftterm.errors import EXIT_OK, UsageError
from loftterm.views import BulkReview, Proposal


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


# -- remembered decisions and merges (issue 9) -------------------------------------------------


def cmd_decisions(session: Session, args: argparse.Namespace) -> int:
    """``decisions [export FILE | forget KEY]``: what the user said, and what it means."""
    console = session.console
    if args.action and not args.target:
        raise UsageError(f"decisions {args.action} needs a {'FILE' if args.action == 'export' else 'KEY'}")
    if args.action == "forget":
        gone = console.forget_decision(args.target)
        return print_row(session, dict(gone.to_json()), f"forgot {gone.key}: {gone.meaning}")
    found = console.decisions()
    if args.action == "export":
        kind = export_decisions(found, Path(args.target))
        return print_row(
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
    return print_row(session, report.to_json(), "\n".join(report.lines()))


def cmd_unmerge(session: Session, args: argparse.Namespace) -> int:
    """``unmerge OTHER``: reverse a merge."""
    report = session.console.unmerge(args.other_id)
    return print_row(session, report.to_json(), "\n".join(report.lines()))


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


REVIEW_COMMANDS: dict[str, Handler] = {
    "review": cmd_review,
    "decisions": cmd_decisions,
    "not-same": cmd_not_same,
    "merge": cmd_merge,
    "unmerge": cmd_unmerge,
    "relink-merged": cmd_relink_merged,
    "resolve-conflict": cmd_resolve_conflict,
}
