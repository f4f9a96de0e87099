"""One connector's sync run: the pipeline of phases over the book, and its record in history.

Pipeline: pull -> (per role) recover, link, import -> push new -> push changes -> archive ->
balances -> diagnose.  Imports and creates with a plausible candidate on the other side are held
for review instead (``engine/holds``).  Linking comes before pushing new records (the design sketch had them the
other way round): pushing first would create a remote duplicate of every blank profile that
already exists remotely.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import SyncEvent, TokenStoreProtocol
from loftterm.engine.baseline import settle_baselines
from loftterm.engine.context import build_context, close_context
from loftterm.engine.decide import holds
from loftterm.engine.pipeline import archiving, fieldsync
from loftterm.engine.pipeline.balances import apply_balances, refresh_balances
from loftterm.engine.pipeline.diagnose import diagnose_phase, keep_found
from loftterm.engine.pipeline.linking import import_phase, link_phase
from loftterm.engine.pipeline.materials import LedgerAccess
from loftterm.engine.pipeline.pull import pull_phase
from loftterm.engine.pipeline.pushing import push_changes_phase, push_new_phase
from loftterm.engine.runs.runstate import COUNT_KEYS, MATERIAL_KEYS, RunState, SyncCancelled
from loftterm.errors import LofttermError
from loftterm.heap import freeze_big_heap, gc_paused, release_free_memory
from loftterm.plugins import ConnectorHooks
from loftterm.views import OutcomeRow

MAX_OUTCOMES_KEPT = 2000
# An incremental pull of fewer records is not saved on its own (the run's end saves it): pulling
# them again after a crash costs a few calls, a save of a big book ~1 s (issue 15, bench/README.md).
CHECKPOINT_PULLED = 5000


@dataclass
class SyncOptions:
    """How to run.

    :param dry_run: plan only: nothing is written to the book or the remote.
    :param full_pull: pull everything even when an incremental pull is possible.
    :param repoint: accept a different organisation than the one the book is pinned to.
    :param on_event: progress callback (the TUI and the headless printer).
    :param cancel: set to stop the run between steps.
    :param sleep: the sleeper for rate-limit waits (tests pass a fast one).
    :param extra_create_ids: profiles a batch needs remotely even if not payable.
    :param ledgers: the enabled ledger connectors a field-service run reads from (None: the
        ones its last run used, contacts only).
    :param follow_up: only push the book's changes (a later connector of the same sync changed
        profiles this one had already synced): no pull, link, import or archive.
    """

    dry_run: bool = False
    full_pull: bool = False
    repoint: bool = False
    on_event: Callable[[SyncEvent], None] = lambda event: None
    cancel: threading.Event | None = None
    sleep: Callable[[float], None] | None = None
    extra_create_ids: frozenset[str] = frozenset()
    ledgers: Sequence[LedgerAccess] | None = None
    follow_up: bool = False


@dataclass
class RunResult:
    """What one connector's run did."""

    connector: str
    ok: bool
    counts: dict[str, int]
    outcomes: list[OutcomeRow]
    plan: list[str] = field(default_factory=list)
    error: LofttermError | None = None
    run_id: str = ""


# The book's records hold no reference cycles, so the cyclic collector, walking a heap of
# millions of containers, frees nothing during a run (measured at 20k: a third of a sync's CPU
# time; at 100k one pass of it costs 0.7 s); reference counting frees as usual.
@gc_paused()
def run_connector(
    book: Book,
    pm: pluggy.PluginManager,
    name: str,
    settings: Mapping[str, Any],
    tokens: TokenStoreProtocol,
    options: SyncOptions,
) -> RunResult:
    """Run the whole pipeline for one connector; the book is saved unless it is a dry run.

    A failure that stops the run (network, auth, daily rate limit) is returned in ``error`` after
    saving what the run had completed, so the next run resumes instead of starting over.
    """
    hooks = ConnectorHooks(pm, name)
    meta = book.connector_meta(name)
    ctx, stats = build_context(
        name,
        settings,
        tokens,
        dry_run=options.dry_run,
        pinned_tenant=str(meta.get("tenant_id") or ""),
        sleep=options.sleep,
    )

    def observe(event: SyncEvent) -> None:
        options.on_event(event)
        pm.hook.loftterm_sync_event(event=event)

    run_id = uuid.uuid4().hex[:10]  # before the phases: the undo journal files writes under it
    rs = RunState(
        book,
        hooks,
        hooks.info,
        settings,
        ctx,
        options.dry_run,
        options.repoint,
        options.full_pull,
        observe,
        options.cancel,
        run_id=run_id,
    )
    started = now_iso()
    error: LofttermError | None = None
    try:
        run_phases(rs, options)
    except SyncCancelled as exc:
        error = LofttermError(str(exc), title="Sync cancelled")
    except LofttermError as exc:
        error = exc
    finally:
        close_context(ctx)
    rs.counts["api_calls"] = stats.calls
    counts = {key: int(rs.counts.get(key, 0)) for key in COUNT_KEYS}
    counts["updated_local"] = int(rs.counts.get("updated_local", 0))
    if rs.info.kind == "field":
        counts.update({key: int(rs.counts.get(key, 0)) for key in MATERIAL_KEYS})
    if not options.dry_run:
        book.add_run(
            {
                "id": run_id,
                "connector": name,
                "started": started,
                "finished": now_iso(),
                "ok": error is None,
                "dry_run": False,
                "counts": counts,
                "api_calls": stats.calls,
                "error": str(error) if error else "",
                "notes": rs.notes,
                "outcomes": [o.__dict__ for o in rs.outcomes[:MAX_OUTCOMES_KEPT]],
            }
        )
        book.save(whole=rs.pulled_whole)  # daily: logs folded in, nothing unsaved can linger
    freeze_big_heap(len(book.profiles))  # the run's garbage cycles are collected first
    release_free_memory()  # the run's indexes are gone: a long-lived process shrinks back
    observe(
        SyncEvent(
            name,
            "done" if error is None else "error",
            1,
            1,
            str(error) if error else f"{name}: done",
        )
    )
    return RunResult(name, error is None, counts, rs.outcomes, rs.plan, error, run_id)


def run_phases(rs: RunState, options: SyncOptions) -> None:
    """The pipeline, in order (a follow-up pass: push changes only)."""
    if options.follow_up:
        settle_baselines(rs)
        push_changes_phase(rs)
        keep_found(rs)
        return
    was_full = rs.pulled_whole = pull_phase(rs)
    if not rs.dry_run and (was_full or rs.counts["pulled"] >= CHECKPOINT_PULLED):
        rs.book.save()  # a full or big pull is a checkpoint of its own; a small one is cheap to redo
    for role in rs.info.roles:
        link_phase(rs, role)
        import_phase(rs, role)
    if rs.info.kind == "field":
        fieldsync.field_phase(rs, options.ledgers, options.sleep)
    push_new_phase(rs, options.extra_create_ids)
    if rs.counts.pop("relink", 0):  # records an email tie held are free now: link them this run
        for role in rs.info.roles:
            link_phase(rs, role)
    holds.withdraw_stale(rs)  # reviews this run did not hold again no longer apply
    settle_baselines(rs)  # links made by hand or before baselines: blanks never erase
    push_changes_phase(rs)
    archiving.archive_phase(rs)
    refresh_balances(rs, was_full)  # an incremental pull does not see balance changes (Xero)
    rule = str(rs.settings.get("balance_rule") or "principal")
    changed = apply_balances(rs.book, rs.info, rule)
    rs.emit("balances", changed, changed, f"{changed} balances updated")
    diagnose_phase(rs)
