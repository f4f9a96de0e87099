"""The ``loftterm`` entry point: the TUI by default, headless commands for scripts and cron."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from loftterm.cli.commands import COMMANDS, cmd_sync
from loftterm.cli.output import print_error
from loftterm.cli.parser import build_parser
from loftterm.cli.plan_commands import cmd_plan_out
from loftterm.cli.repeat import cmd_sync_every
from loftterm.cli.session import Session
from loftterm.config import find_config_path, load_config
from loftterm.console import BookConsole
from loftterm.errors import EXIT_OK, LofttermError
from loftterm.plugins import make_plugin_manager


@contextmanager
def open_session(args: argparse.Namespace) -> Iterator[Session]:
    """Load the plugins and the config (or start the demo) and yield the session."""
    pm = make_plugin_manager()
    demo = None
    if getattr(args, "demo", False):
        from loftterm.demo import start_demo

        demo = start_demo(pm)
        config = demo.config
    else:
        config = load_config(find_config_path(getattr(args, "config", None)), pm)
    try:
        yield Session(BookConsole(config, pm), pm, bool(getattr(args, "json", False)))
    finally:
        if demo is not None:
            demo.close()


def run_tui(session: Session, args: argparse.Namespace) -> int:
    """Open the console (imported lazily: headless commands never load textual)."""
    from loftterm.tui.app import make_app

    config = session.console.config
    every = args.every if args.every is not None else config.every_minutes
    make_app(session.console, every_minutes=every, keymap=dict(config.keymap)).run()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run loftterm; return the exit code (documented in README.md and ``--help``)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "fleet":
            from loftterm.cli.fleet import cmd_fleet

            return cmd_fleet(args)
        if args.web and not args.command:
            from loftterm.cli.web import serve_web

            return serve_web(getattr(args, "config", None), bool(getattr(args, "demo", False)), args.port)
        with open_session(args) as session:
            if args.command:
                return COMMANDS[args.command](session, args)
            if args.sync and args.every is not None:  # refuses --dry-run (and --plan-out)
                return cmd_sync_every(session, args)
            if args.plan_out:  # --sync --dry-run --plan-out FILE (issue 9)
                return cmd_plan_out(session, args)
            if args.sync:
                return cmd_sync(session, args)
            return run_tui(session, args)
    except LofttermError as exc:
        print_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130


def entry() -> None:
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())
