"""What every command handler works with, and the one-row printer they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import pluggy

from loftterm.cli.output import print_json
from loftterm.console import BookConsole
from loftterm.errors import EXIT_OK


@dataclass
class Session:
    """What every command works with."""

    console: BookConsole
    pm: pluggy.PluginManager
    json: bool


Handler = Callable[[Session, argparse.Namespace], int]


def print_row(session: Session, row_json: dict[str, object], line: str) -> int:
    """Print one result: its JSON with ``--json``, else the line; exit 0."""
    if session.json:
        print_json(row_json)
    else:
        print(line)
    return EXIT_OK
