"""Fixtures every test folder may use: the demo book over sandboxes on 127.0.0.1.

Each fixture starts the named connectors' sandboxes with a scratch book in the test's own
``tmp_path`` and stops them after the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment, start_demo
from loftterm.plugins import make_plugin_manager

# Every save checks that no record changed without being marked (loftterm/book/changes.py);
# the CLI tests' child processes inherit it.
os.environ.setdefault("LOFTTERM_VERIFY_SAVES", "1")


class SandboxLike(Protocol):
    """What every connector's sandbox offers a test: start and stop."""

    def start(self) -> str: ...

    def stop(self) -> None: ...


SandboxT = TypeVar("SandboxT", bound=SandboxLike)


def serving(box: SandboxT) -> Iterator[SandboxT]:
    """Start a sandbox on loopback, hand it out, stop it when the generator is closed."""
    box.start()
    try:
        yield box
    finally:
        box.stop()


def running_demo(tmp_path: Path, only: tuple[str, ...]) -> Iterator[DemoEnvironment]:
    """Start the demo for ``only`` in ``tmp_path``; stop it when the generator is closed."""
    env = start_demo(make_plugin_manager(), tmp_path, only=only)
    try:
        yield env
    finally:
        env.close()


@pytest.fixture
def xero_demo(tmp_path: Path) -> Iterator[DemoEnvironment]:
    """The demo with the Xero sandbox only."""
    yield from running_demo(tmp_path, ("xero",))


@pytest.fixture
def field_demo(tmp_path: Path) -> Iterator[DemoEnvironment]:
    """The demo with Xero and SortScape (a ledger feeding the field-service app)."""
    yield from running_demo(tmp_path, ("xero", "sortscape"))


@pytest.fixture
def qbo_demo(tmp_path: Path) -> Iterator[DemoEnvironment]:
    """The demo with the QuickBooks Online sandbox only."""
    yield from running_demo(tmp_path, ("qbo",))


@pytest.fixture
def xero_console(xero_demo: DemoEnvironment) -> BookConsole:
    """The console over the Xero demo; rate-limit waits are not slept."""
    return BookConsole(xero_demo.config, make_plugin_manager(), sleep=lambda seconds: None)


@pytest.fixture
def xero_sandbox(xero_demo: DemoEnvironment) -> XeroSandbox:
    """The Xero demo's sandbox, to inspect or change what the remote holds."""
    sandbox = xero_demo.sandboxes["xero"]
    assert isinstance(sandbox, XeroSandbox)
    return sandbox
