"""Fixtures for engine tests: the demo book over a real Xero sandbox on loopback."""

from __future__ import annotations

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.plugins import make_plugin_manager


class FastSleep:
    """Records waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def demo(xero_demo: DemoEnvironment) -> DemoEnvironment:
    return xero_demo


@pytest.fixture
def sleeper() -> FastSleep:
    return FastSleep()


@pytest.fixture
def console(demo: DemoEnvironment, sleeper: FastSleep) -> BookConsole:
    return BookConsole(demo.config, make_plugin_manager(), sleep=sleeper)


@pytest.fixture
def xero(demo: DemoEnvironment) -> XeroSandbox:
    sandbox = demo.sandboxes["xero"]
    assert isinstance(sandbox, XeroSandbox)
    return sandbox
