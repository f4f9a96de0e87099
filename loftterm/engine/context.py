"""Builds the :class:`~loftterm.connector.ConnectorContext` a run hands to a connector's hooks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from loftterm.connector import ConnectorContext, TokenStoreProtocol
from loftterm.http.client import make_http_client
from loftterm.http.transport import CallStats

_CLIENTS = "_loftterm_http_clients"


def build_context(
    name: str,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    *,
    dry_run: bool = False,
    pinned_tenant: str = "",
    sleep: Callable[[float], None] | None = None,
) -> tuple[ConnectorContext, CallStats]:
    """Return a context for one run of one connector and the stats its HTTP calls are counted in.

    :param name: the connector's name.
    :param settings: its validated config section.
    :param tokens: its token store.
    :param dry_run: forbid remote writes.
    :param pinned_tenant: the organisation the book is pinned to.
    :param sleep: the sleeper for retry waits (tests pass a fast one).
    """
    stats = CallStats()
    clients: list[httpx.Client] = []

    def factory(**kwargs: Any) -> httpx.Client:
        client = make_http_client(stats=stats, label=name, sleep=sleep, **kwargs)
        clients.append(client)
        return client

    ctx = ConnectorContext(
        name=name,
        settings=settings,
        tokens=tokens,
        http_factory=factory,
        dry_run=dry_run,
        pinned_tenant=pinned_tenant,
    )
    ctx.state[_CLIENTS] = clients
    return ctx, stats


def close_context(ctx: ConnectorContext) -> None:
    """Close every HTTP client the connector built during the run."""
    for client in ctx.state.pop(_CLIENTS, []):
        client.close()
