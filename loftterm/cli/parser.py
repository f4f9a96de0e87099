"""The command line: ``loftterm`` opens the TUI; flags and subcommands run headless."""

from __future__ import annotations

import argparse

from loftterm import __version__

DESCRIPTION = """\
loftterm keeps a local book of contacts (agents, organizations, customers, suppliers) linked to
Xero, QuickBooks Online and SortScape, and shows exactly why a link is stuck.

  loftterm                      open the console (TUI) on the configured book
  loftterm --demo               open it on the bundled sandboxes with a scratch book (no account)
  loftterm --sync               sync every enabled connector headless (cron, scripts)
  loftterm --sync --dry-run     print what a sync would do; writes nothing
  loftterm status               link states and the pending counter per connector
  loftterm links --state missing
  loftterm unlink P005 --connector xero
  loftterm search --connector xero "elena garcia"
  loftterm link P005 --connector xero --remote <contact id>
  loftterm review               possible SortScape duplicates; review accept|reject ID
  loftterm push P012 --connector xero   create a profile's contact in a ledger now
"""

EPILOG = """\
exit codes: 0 done (warnings allowed), 2 usage or config error, 3 a remote or network failure
stopped the run, 4 the book is locked by another loftterm, 5 the book file is unreadable.
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
        type=int,
        default=None,
        help="TUI: automatic sync every MIN minutes (overrides sync.every_minutes)",
    )
    parser.add_argument("--web", action="store_true",
                        help="serve the console in a browser on 127.0.0.1 (needs loftterm[web])")
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
        "SortScape's 'link customers to existing contacts': list the possible duplicates, or "
        "accept (link, and push the chosen values to both sides) or reject one",
    )
    p.add_argument("action", nargs="?", choices=("accept", "reject"), help="decide one review")
    p.add_argument("proposal_id", nargs="?", metavar="ID", help="the review's id (from the list)")
    p.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="FIELD=left|right",
        help="accept: take the ledger (left) or SortScape (right) value of a field instead of "
        "the proposed one; repeatable",
    )
    p.add_argument("--all", action="store_true", help="list decided and withdrawn reviews too")
    p = add(
        "push",
        "create a profile's contact in a ledger now (SortScape's 'Create contact in Xero')",
    )
    p.add_argument("profile_id")
    p.add_argument("--connector", required=True, help="the ledger connector, e.g. xero")
    return parser
