"""Fixtures for the QBO connector tests: a sandbox on loopback and contexts that talk to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.qbo.client import close_client
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import CallStats, ConnectorContext
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens


@dataclass
class Sleeper:
    """A sleeper that records the waits instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    def throttle_waits(self, *values: float) -> list[float]:
        """The waits equal to a throttle wait (pacing and backoff waits are other values)."""
        return [w for w in self.waits if w in (values or (60.0,))]


@dataclass
class Run:
    """One connector run against the sandbox."""

    ctx: ConnectorContext
    stats: CallStats
    tokens: MemoryTokens
    sleeper: Sleeper


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[QboSandbox]:
    box = QboSandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def sandbox(shared_sandbox: QboSandbox) -> QboSandbox:
    """The seeded sandbox, reset to its seed data for each test."""
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def make_run(sandbox: QboSandbox) -> Iterator[Callable[..., Run]]:
    runs: list[Run] = []

    def make(**settings: Any) -> Run:
        merged = {**sandbox.connector_settings(), **settings}
        tokens = MemoryTokens({"refresh_token": merged["refresh_token"]}) if not runs else (
            runs[0].tokens)
        sleeper = Sleeper()
        ctx, stats = build_context("qbo", merged, tokens, sleep=sleeper)
        run = Run(ctx, stats, tokens, sleeper)
        runs.append(run)
        return run

    yield make
    for run in runs:
        close_client(run.ctx)


@pytest.fixture
def run(make_run: Callable[..., Run]) -> Run:
    return make_run()
