"""Fixtures for the Xero connector tests: a loopback sandbox and contexts built like the engine's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.xero.client import close_client
from connectors.xero.sandbox import XeroSandbox
from loftterm.api import CallStats, ConnectorContext
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens


class Sleeper:
    """Records the waits the transport asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="session")
def xero_server() -> Iterator[XeroSandbox]:
    """One sandbox for the whole run (stopping a server takes half a second)."""
    sb = XeroSandbox()
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def sandbox(xero_server: XeroSandbox) -> XeroSandbox:
    """The sandbox, back to its starting data for every test."""
    xero_server.reset()
    return xero_server


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


MakeCtx = Callable[..., tuple[ConnectorContext, CallStats]]


@pytest.fixture
def make_ctx(sandbox: XeroSandbox, sleeper: Sleeper) -> Iterator[MakeCtx]:
    """Build contexts against the sandbox; ``tokens=`` and ``dry_run=`` pass through."""
    made: list[ConnectorContext] = []

    def make(tokens: Any = None, dry_run: bool = False, pinned_tenant: str = "",
             **overrides: Any) -> tuple[ConnectorContext, CallStats]:
        settings = {**sandbox.connector_settings(), **overrides}
        ctx, stats = build_context("xero", settings, tokens or MemoryTokens(), dry_run=dry_run,
                                   pinned_tenant=pinned_tenant, sleep=sleeper)
        made.append(ctx)
        return ctx, stats

    yield make
    for ctx in made:
        close_client(ctx)
