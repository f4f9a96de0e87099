"""Fixtures: one SortScape sandbox per session (reset before each test), contexts over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.sortscape import plugin
from connectors.sortscape.client import close_client
from connectors.sortscape.sandbox import SortScapeSandbox
from loftterm.api import CallStats, ConnectorContext
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens
from loftterm.plugins import ConnectorHooks, make_plugin_manager
from tests.conftest import serving

MakeRun = Callable[..., tuple[ConnectorContext, CallStats]]


@pytest.fixture(scope="session")
def server() -> Iterator[SortScapeSandbox]:
    yield from serving(SortScapeSandbox())


@pytest.fixture
def sandbox(server: SortScapeSandbox) -> SortScapeSandbox:
    server.reset()
    return server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_run(sandbox: SortScapeSandbox, sleeps: list[float]) -> Iterator[MakeRun]:
    made: list[ConnectorContext] = []

    def make(dry_run: bool = False, pinned: str = "",
             **overrides: Any) -> tuple[ConnectorContext, CallStats]:
        settings = {**sandbox.connector_settings(), "page_size": 200, **overrides}
        ctx, stats = build_context("sortscape", settings, MemoryTokens(), dry_run=dry_run,
                                   pinned_tenant=pinned, sleep=sleeps.append)
        made.append(ctx)
        return ctx, stats

    yield make
    for ctx in made:
        close_client(ctx)


@pytest.fixture
def ctx(make_run: MakeRun) -> ConnectorContext:
    return make_run()[0]


@pytest.fixture(scope="session")
def hooks() -> ConnectorHooks:
    pm = make_plugin_manager(load_entry_points=False, plugins=[("sortscape", plugin)])
    return ConnectorHooks(pm, "sortscape")
