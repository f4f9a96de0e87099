"""Fixtures for plan/apply and undo: the demo book over a real Xero sandbox on loopback."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment

IGNORED = ("UpdatedDateUTC",)  # moves on every write, even one that puts values back


@pytest.fixture
def demo(xero_demo: DemoEnvironment) -> DemoEnvironment:
    return xero_demo


@pytest.fixture
def console(xero_console: BookConsole) -> BookConsole:
    return xero_console


@pytest.fixture
def xero(xero_sandbox: XeroSandbox) -> XeroSandbox:
    return xero_sandbox


def snapshot(xero: XeroSandbox) -> dict[str, dict[str, Any]]:
    """The sandbox's contacts without the fields every write moves."""
    return {
        cid: {k: v for k, v in copy.deepcopy(record).items() if k not in IGNORED}
        for cid, record in xero.contacts.items()
    }


def links(console: BookConsole) -> dict[tuple[str, str, str], str]:
    return {key: link.remote_id for key, link in console.book().links.items()}
