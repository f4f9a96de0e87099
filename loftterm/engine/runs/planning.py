"""Making a plan: a sync's dry runs turned into items, with fingerprints and an estimate.

``loftterm --sync --dry-run --plan-out FILE`` runs the pipeline on a throwaway copy of the book;
the undo journal (``engine/runs/journal.py``) records every create, update, link, unlink, import,
archive (and document) it would make, each with the remote record's version it was computed
against.  :func:`build_plan` turns those entries into a :class:`~loftterm.engine.runs.plan.Plan`,
adding a fingerprint of each profile as it was, and an estimate of the API calls.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.engine.pipeline.sync import RunResult
from loftterm.engine.runs import journal
from loftterm.engine.runs.openrun import Target
from loftterm.engine.runs.plan import Plan, PlanConnector

ITEM_KEYS = (
    "connector", "action", "profile_id", "role", "remote_id", "name", "method", "score",
    "version", "updated", "changed", "reason", "merged_to", "before", "after", "kind",
    "reference",
)  # fmt: skip


@dataclass
class DryRun:
    """One connector's dry run for a plan: its result and the pull pages it read."""

    target: Target
    result: RunResult
    pull_pages: int = 0


def estimate(target: Target, items: Sequence[Mapping[str, Any]], dry: DryRun) -> dict[str, int]:
    """Estimate the API calls applying a connector's items takes.

    Reads: what the dry run's pull took (the fresh pull before applying reads the same pages).
    Writes: creates and updates in batches of the connector's ``batch_size`` (one call per record
    when it has none), archives likewise, documents one per record.
    """
    size = max(1, int(target.settings.get("batch_size") or 1))
    by_action = Counter(str(item["action"]) for item in items)
    calls = {
        "pull": max(dry.pull_pages, 1),
        "reads": int(dry.result.counts.get("api_calls", 0)),
        "create": math.ceil(by_action["create"] / size),
        "update": math.ceil(by_action["update"] / size),
        "archive": math.ceil(by_action["archive"] / size),
        "documents": by_action["document"],
    }
    calls["total"] = (
        max(calls["reads"], calls["pull"])
        + calls["create"] + calls["update"] + calls["archive"] + calls["documents"]
    )  # fmt: skip
    return calls


def _item(n: int, entry: Mapping[str, Any], real: Book) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"{n:04d}"}
    item.update({k: entry[k] for k in ITEM_KEYS if k in entry})
    if entry.get("action") != "import":
        item["profile_fingerprint"] = journal.fingerprint(real.profiles.get(str(entry["profile_id"])))
    return item


_OUTCOME_ACTIONS = {"create", "update", "link", "import", "archive", "update-local"}


def _unplanned(dry: DryRun, items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Outcomes of the dry run no item stands for (the plan cannot apply them: a sync does)."""
    covered = Counter((str(i["profile_id"]), str(i["action"])) for i in items)
    left: list[str] = []
    for outcome in dry.result.outcomes:
        if outcome.action not in _OUTCOME_ACTIONS or outcome.status == "failed":
            continue
        key = (outcome.profile_id, outcome.action)
        if covered[key] > 0:
            covered[key] -= 1
            continue
        left.append(
            f"{dry.target.name}: {outcome.action} {outcome.name} ({outcome.profile_id}) is not "
            "in the plan: `loftterm apply` leaves it to the next sync"
        )
    return left


def build_plan(real: Book, dry_book: Book, runs: Sequence[DryRun]) -> Plan:
    """Turn dry runs (over ``dry_book``, a throwaway copy of ``real``) into a plan."""
    items: list[dict[str, Any]] = []
    connectors: dict[str, PlanConnector] = {}
    lines: list[str] = []
    for dry in runs:
        if dry.result.error is not None:
            raise dry.result.error
        name = dry.target.name
        mine = [
            _item(len(items) + n, entry, real)
            for n, entry in enumerate(journal.entries_of(dry_book, dry.result.run_id), start=1)
        ]
        meta = dry_book.connector_meta(name)
        connectors[name] = PlanConnector(
            name,
            dry.target.hooks.info.title,
            str(meta.get("tenant_id") or ""),
            str(meta.get("tenant_name") or ""),
            {k: v for k, v in dry.result.counts.items()},
            estimate(dry.target, mine, dry),
            _unplanned(dry, mine),
        )
        items.extend(mine)
        lines.extend(dry.result.plan)
    return Plan(
        uuid.uuid4().hex[:12],
        now_iso(),
        str(real.meta.get("book_id") or ""),
        str(real.path),
        connectors,
        items,
        lines,
    )
