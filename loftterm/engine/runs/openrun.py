"""Runs of one connector outside a sync (apply, undo): their context and record in history."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import TokenStoreProtocol
from loftterm.engine.context import build_context, close_context
from loftterm.engine.pipeline.sync import MAX_OUTCOMES_KEPT
from loftterm.engine.runs.runstate import COUNT_KEYS, RunState
from loftterm.errors import LofttermError
from loftterm.plugins import ConnectorHooks


@dataclass
class Target:
    """One enabled connector as plan, apply and undo need it."""

    name: str
    hooks: ConnectorHooks
    settings: Mapping[str, Any]
    tokens: TokenStoreProtocol


@dataclass
class OpenRun:
    """A run of one connector that is not a sync (apply, undo): its state and call counter."""

    rs: RunState
    calls: Callable[[], int]
    started: str


@contextmanager
def open_run(book: Book, target: Target, sleep: Callable[[float], None] | None) -> Iterator[OpenRun]:
    """A real (writing) run of one connector with its own run id, closed afterwards."""
    meta = book.connector_meta(target.name)
    ctx, stats = build_context(
        target.name,
        target.settings,
        target.tokens,
        pinned_tenant=str(meta.get("tenant_id") or ""),
        sleep=sleep,
    )
    rs = RunState(
        book, target.hooks, target.hooks.info, target.settings, ctx, run_id=uuid.uuid4().hex[:10]
    )
    try:
        yield OpenRun(rs, lambda: stats.calls, now_iso())
    finally:
        close_context(ctx)


def record_run(run: OpenRun, error: LofttermError | None, **extra: Any) -> None:
    """Add the run to the book's history (as a sync does) and save the book."""
    rs = run.rs
    counts = {key: int(rs.counts.get(key, 0)) for key in COUNT_KEYS}
    counts["api_calls"] = run.calls()
    rs.book.add_run(
        {
            "id": rs.run_id,
            "connector": rs.name,
            "started": run.started,
            "finished": now_iso(),
            "ok": error is None,
            "dry_run": False,
            "counts": counts,
            "api_calls": counts["api_calls"],
            "error": str(error) if error else "",
            "notes": rs.notes,
            "outcomes": [o.__dict__ for o in rs.outcomes[:MAX_OUTCOMES_KEPT]],
            **extra,
        }
    )
    rs.book.save()
