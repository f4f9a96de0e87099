"""Fixtures for engine tests: the demo book over a real Xero sandbox on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment, start_demo
from loftterm.plugins import make_plugin_manager


class FastSleep:
    """Records waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoEnvironment]:
    env = start_demo(make_plugin_manager(), tmp_path, only=("xero",))
    try:
        yield env
    finally:
        env.close()


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
