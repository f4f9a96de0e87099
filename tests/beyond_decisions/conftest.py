"""Fixtures: the demo book over the sandboxes on loopback (Xero; Xero + SortScape; QBO)."""

from __future__ import annotations

from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.models import Warning
from loftterm.plugins import make_plugin_manager
from tests.engine.conftest import FastSleep


def console_for(env: DemoEnvironment) -> BookConsole:
    return BookConsole(env.config, make_plugin_manager(), sleep=FastSleep())


def open_warnings(console: BookConsole, kind: str, profile_id: str) -> list[Warning]:
    return [w for w in console.warnings() if w.kind == kind and w.profile_id == profile_id]


def remote_of(console: BookConsole, profile_id: str, connector: str, role: str = "contact") -> str:
    link = console.book().link_of(profile_id, connector, role)
    return link.remote_id if link else ""
