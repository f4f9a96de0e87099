"""The command line: ``loftterm`` opens the TUI; flags and subcommands run headless."""

from __future__ import annotations

import argparse

from loftterm import __version__
from loftterm.cli.fleet import add_fleet_parser

DESCRIPTION = """\
loftterm keeps a local book of contacts (agents, organizations, customers, suppliers) linked to
Xero, QuickBooks Online and SortScape, and shows exactly why a link is stuck.

  loftterm                      open the console (TUI) on the configured book
  loftterm --demo               open it on the bundled sandboxes with a scratch book (no account)
  loftterm --sync               sync every enabled connector headless (cron, scripts)
  loftterm --sync --dry-run     print what a sync would do; writes nothing
  loftterm --sync --every 30    stay running and sync every 30 minutes (a service)
  loftterm status               link states and the pending counter per connector
  loftterm links --state missing
  loftterm unlink P005 --connector xero
  loftterm search --connector xero "elena garcia"
  loftterm link P005 --connector xero --remote <contact id>
  loftterm review               the review queue: possible duplicates held instead of written
  loftterm push P012 --connector xero   create a profile's contact in a ledger now
  loftterm not-same P007 --connector xero --remote <id>   never link this pair again
  loftterm merge P002 P015      merge two profiles (loftterm unmerge P015 reverses it)
  loftterm --sync --dry-run --plan-out plan.json   then: loftterm apply plan.json
  loftterm undo RUN_ID --dry-run   what undoing a run would do, and what it cannot
  loftterm fleet books/ --jobs 4   sync every book config in a folder, one row per book
  loftterm --web                the console in a browser, for the holder of the URL it prints;
                                from your machine: ssh -L 8000:127.0.0.1:8000 HOST, open that URL
"""

EPILOG = """\
exit codes: 0 done (warnings allowed), 2 usage or config error, 3 a remote or network failure
stopped the run, 4 the book is locked by another loftterm, 5 the book file is unreadable,
6 `loftterm fleet`: at least one book failed (each book's own code is in its row).
The config is --config FILE, else ./loftterm.yaml, else ~/.config/loftterm/config.yaml
(see config.example.yaml). Every command takes --json for scripts.
"""

STATES = ("linked", "blank", "missing", "archived", "duplicate", "disabled", "misplaced")


def _common(
    json_help: str = "print one JSON document instead of a table",
) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config file (default ./loftterm.yaml, then ~/.config/loftterm/config.yaml)",
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=json_help)
    common.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="run against the bundled sandboxes with a scratch book",
    )
    return common


def _minutes(text: str) -> float:
    """``--every``'s value: minutes, fractions allowed, not negative."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: minutes must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the full parser (top-level flags and subcommands)."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="loftterm",
        description=DESCRIPTION,
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"loftterm {__version__}")
    parser.add_argument("--sync", action="store_true", help="sync headless and exit")
    parser.add_argument("--connector", metavar="NAME", default="", help="only this connector")
    parser.add_argument(
        "--dry-run", action="store_true", help="plan only: nothing is written anywhere"
    )
    parser.add_argument(
        "--full", action="store_true", help="pull everything, not only what changed"
    )
    parser.add_argument(
        "--repoint",
        action="store_true",
        help="accept a different organisation than the one the book is pinned to",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="progress on stderr even when not a TTY"
    )
    parser.add_argument(
        "--every",
        metavar="MIN",
        type=_minutes,
        default=None,
        help="with --sync: stay running and sync every MIN minutes (a service: quiet runs cost "
        "what changed, the book stays in memory); TUI: automatic sync every MIN minutes "
        "(overrides sync.every_minutes)",
    )
    parser.add_argument(
        "--web", action="store_true",
        help="serve the console in a browser on 127.0.0.1 (needs loftterm[web]); only the URL it "
        "prints (with this launch's secret key) gets in; see ssh -L above",
    )
    parser.add_argument("--port", type=int, default=8000, help="--web: the local port (default 8000)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    p = add("status", "link states and the pending counter per connector")
    p = add("links", "one row per profile and connector: state, remote id, how it was linked")
    p.add_argument("--connector", default="", help="only this connector")
    p.add_argument("--state", choices=STATES, default="", help="only rows in this state")
    p.add_argument(
        "--search", default="", metavar="TEXT", help="only rows whose names contain TEXT"
    )
    p = add("link", "link a profile to a remote record by hand")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p.add_argument("--remote", required=True, metavar="REMOTE_ID")
    p.add_argument("--role", default="", help="QBO: vendor or customer (default: the first role)")
    for name, text in (
        ("unlink", "clear a profile's link (the 'Unlink' button)"),
        ("disable-sync", "stop matching and pushing this profile (balances still update)"),
        ("enable-sync", "turn sync back on for this profile"),
    ):
        p = add(name, text)
        p.add_argument("profile_id")
        p.add_argument("--connector", required=True)
        if name == "unlink":
            p.add_argument("--role", default="")
    p = add("fix-misplaced", "the one-key fix of a misplaced agent: clear its own ledger link")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p = add("search", "search the last pull for a relink: exact email first, then name score")
    p.add_argument("query")
    p.add_argument("--connector", required=True)
    p.add_argument("--role", default="")
    p.add_argument("--limit", type=int, default=10)
    p = add("explain", "why a profile is (or is not) linked: email, name score, phone, address")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p = add("warnings", "duplicates, archived holders, missing and misplaced links, failures")
    p.add_argument("--all", action="store_true", help="include resolved warnings")
    p = add("runs", "sync history with per-record outcomes")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--outcomes", action="store_true", help="list each record's outcome")
    p = add("import", "import profiles from a CSV or YAML file (all rows or none)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check the file only")
    p = add(
        "connect", "authorize loftterm with a connector (OAuth consent) and list its organisations"
    )
    p.add_argument("connector")
    p.add_argument("--port", type=int, default=0, help="local port for the redirect (default: any)")
    p.add_argument(
        "--paste",
        action="store_true",
        help="over SSH: paste the URL the browser lands on instead of waiting locally",
    )
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the redirect")
    p = add("doctor", "check the config, the book, the tokens and each connector's reachability")
    p = add(
        "review",
        "the review queue: SortScape's 'link customers to existing contacts' and every create or "
        "import held because the other side may already hold the person; list, or decide one "
        "(accept links the pair, reject says not the same, create/import writes it anyway), or "
        "decide many with bulk",
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=("accept", "reject", "create", "import", "bulk"),
        help="decide one review (ID), or 'bulk create|import|link' with the filters below",
    )
    p.add_argument(
        "proposal_id",
        nargs="?",
        metavar="ID",
        help="the review's id (from the list); after bulk: create, import or link",
    )
    p.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="FIELD=left|right",
        help="accept: take the left (book or ledger) or right (remote) value of a field instead "
        "of the proposed one; repeatable",
    )
    p.add_argument("--all", action="store_true", help="list decided and withdrawn reviews too")
    p.add_argument("--connector", metavar="NAME", default="", help="only this connector's reviews")
    p.add_argument(
        "--kind",
        choices=("link", "create", "import"),
        default="",
        help="list only link proposals, held creates or held imports",
    )
    p.add_argument("--brief", action="store_true", help="one line per review, no columns")
    p.add_argument(
        "--below",
        type=float,
        default=0.0,
        metavar="SCORE",
        help="bulk create|import: only when the best candidate's name score is below SCORE "
        "(0..1) and no candidate shares the email or phone",
    )
    p.add_argument(
        "--above",
        type=float,
        default=1.0,
        metavar="SCORE",
        help="bulk link: only pairs whose name score is at least SCORE (0..1)",
    )
    p.add_argument(
        "--same",
        action="append",
        default=[],
        choices=("email", "phone", "name"),
        help="bulk link: only pairs sharing this (repeatable; name = equal after folding)",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="bulk: carry it out (without it, bulk only counts and lists what it would decide)",
    )
    p = add(
        "push",
        "create a profile's contact in a ledger now (SortScape's 'Create contact in Xero')",
    )
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True, help="the ledger connector, e.g. xero")
    p.add_argument(
        "--anyway",
        action="store_true",
        help="create it even if the ledger (or another profile) may already hold this person; "
        "remembered",
    )
    p = add(
        "batch",
        "sync a ledger, then post a batch file's bills, credit notes and invoices (each once)",
    )
    p.add_argument("file", help="the batch: YAML (documents with lines) or CSV (one row per line)")
    p.add_argument(
        "--connector", default="", metavar="NAME", help="the ledger (default: the only one enabled)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="sync dry and print the plan; nothing is written"
    )
    # -- remembered decisions and merges (issue 9)
    p = add("decisions", "remembered decisions: not-same pairs, manual links, unlinks, merges")
    p.add_argument(
        "action", nargs="?", choices=("export", "forget"),
        help="export FILE (.json, else CSV) or forget KEY",
    )
    p.add_argument("target", nargs="?", metavar="FILE|KEY")
    p = add("not-same", "remember that a remote record is not this profile: never linked again")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p.add_argument(
        "--remote", action="append", default=[], metavar="REMOTE_ID",
        help="the record (repeatable); default: every candidate of the profile's duplicate warnings",
    )
    p = add("merge", "merge OTHER into SURVIVOR: links, balances, warnings, history move (reversible)")
    p.add_argument("survivor_id")
    p.add_argument("other_id")
    p.add_argument("--dry-run", action="store_true", help="show what would move; write nothing")
    p = add("unmerge", "reverse `loftterm merge`: OTHER gets back what moved to the survivor")
    p.add_argument("other_id")
    p = add("resolve-conflict", "pick one side of a field changed on both sides, and write it")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p.add_argument("--field", required=True, help="name, email, phone, company, billing...")
    p.add_argument("--take", required=True, choices=("local", "remote"),
                   help="local: the book's value wins; remote: the connector's value wins")
    p.add_argument("--role", default="", help="QBO: vendor or customer (default: the one that "
                   "differs)")
    p = add("relink-merged", "relink a profile whose linked record was merged remotely")
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True)
    p.add_argument("--role", default="")
    p.add_argument("--remote", default="", metavar="REMOTE_ID", help="the survivor, when several")
    # -- plan and apply, undo (issue 9: engine/runs/plan.py, engine/runs/undo.py)
    parser.add_argument(
        "--plan-out",
        metavar="FILE",
        default="",
        help="with --sync --dry-run: write the plan to FILE (.json, or .yaml) for `loftterm apply`",
    )
    p = add(
        "apply",
        "carry out a plan written by --sync --dry-run --plan-out: exactly it, skipping (with the "
        "reason) records changed remotely or locally since",
    )
    p.add_argument("file", help="the plan file (JSON or YAML)")
    p = add(
        "undo",
        "revert a run (`loftterm runs` lists them) with compensating writes; --dry-run lists them "
        "and what cannot be undone",
    )
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--profile", default="", metavar="ID", help="only this profile's changes")
    p.add_argument(
        "--dry-run", action="store_true", help="list the compensating actions; change nothing"
    )
    add_fleet_parser(sub)
    return parser
