"""Builds the :class:`~loftterm.connector.ConnectorContext` a run hands to a connector's hooks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from loftterm.connector import ConnectorContext, TokenStoreProtocol
from loftterm.http.client import make_http_client
from loftterm.http.transport import CallStats


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
    factory = functools.partial(make_http_client, stats=stats, label=name, sleep=sleep)
    ctx = ConnectorContext(
        name=name,
        settings=settings,
        tokens=tokens,
        http_factory=factory,
        dry_run=dry_run,
        pinned_tenant=pinned_tenant,
    )
    return ctx, stats
