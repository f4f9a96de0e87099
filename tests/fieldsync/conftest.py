"""Fixtures: the demo book over the Xero and SortScape sandboxes together, on loopback."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.models import RemoteContact
from loftterm.plugins import make_plugin_manager
from tests.engine.conftest import FastSleep


@pytest.fixture
def demo(field_demo: DemoEnvironment) -> DemoEnvironment:
    return field_demo


@pytest.fixture
def console(demo: DemoEnvironment) -> BookConsole:
    return BookConsole(demo.config, make_plugin_manager(), sleep=FastSleep())


@pytest.fixture
def xero(demo: DemoEnvironment) -> XeroSandbox:
    sandbox = demo.sandboxes["xero"]
    assert isinstance(sandbox, XeroSandbox)
    return sandbox


@pytest.fixture
def sortscape(demo: DemoEnvironment) -> SortScapeSandbox:
    sandbox = demo.sandboxes["sortscape"]
    assert isinstance(sandbox, SortScapeSandbox)
    return sandbox


def ss_by_ref(sortscape: SortScapeSandbox, profile_id: str) -> list[dict[str, Any]]:
    """SortScape contacts stamped with a profile id (created by loftterm)."""
    return [c for c in sortscape.contacts() if c.get("external_ref") == profile_id]


def ss_named(sortscape: SortScapeSandbox, name: str) -> list[dict[str, Any]]:
    return [c for c in sortscape.contacts() if c["name"] == name]


def profile_named(console: BookConsole, name: str) -> str:
    found = [p.id for p in console.book().profiles.values() if p.name == name]
    assert len(found) == 1, (name, found)
    return found[0]


def sortscape_link(console: BookConsole, profile_id: str) -> str:
    link = console.book().link_of(profile_id, "sortscape", "contact")
    return link.remote_id if link else ""


def edit_profile(console: BookConsole, profile_id: str, **changes: Any) -> None:
    """Change a profile's fields as the book's own screens would (write lock, one save)."""
    with console.writing("edit") as book:
        profile = book.profile(profile_id)
        profile.fields = dataclasses.replace(profile.fields, **changes)
        book.put_profile(profile)


def mirror(console: BookConsole, connector: str, remote_id: str) -> RemoteContact:
    record = console.book().remote_record(connector, "contact", remote_id)
    assert record is not None
    return record


def writes(sandbox: XeroSandbox | SortScapeSandbox) -> int:
    """API writes so far (token requests and deferred-archive retries excluded).

    A contact whose archive is deferred (pending jobs) is retried on every sync by design.
    """
    path = r"/api\.xro/" if isinstance(sandbox, XeroSandbox) else r"/api/v1/"
    return sum(1 for m in ("POST", "PUT", "PATCH") for call in sandbox.calls(m, path)
               if not call.path.endswith("/archive"))
