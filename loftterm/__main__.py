"""``python -m loftterm``."""

from loftterm.cli import entry

entry()
