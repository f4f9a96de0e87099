"""A plan: what a sync would do, item by item, written to a file and read back.

``loftterm --sync --dry-run --plan-out FILE`` writes it (made by ``engine/runs/planning.py``);
``loftterm apply FILE`` carries it out (``engine/runs/apply.py``).  The file (JSON, or YAML
when it ends in ``.yaml``/``.yml``)::

    {"format": "loftterm-plan", "version": 1, "id": "...", "created": "...",
     "book_id": "...", "book": "/path/book.json",
     "connectors": {"xero": {"title": "Xero", "tenant_id": "...", "tenant_name": "...",
                             "counts": {...}, "estimate": {"pull": 1, "create": 1, ...},
                             "unplanned": []}},
     "items": [{"id": "0001", "connector": "xero", "action": "update", "profile_id": "P002",
                "role": "contact", "remote_id": "...", "name": "Tom Baker",
                "version": "...", "updated": "...", "profile_fingerprint": "...",
                "changed": ["name"], "before": {...}, "after": {...}}]}
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loftterm.errors import UsageError

PLAN_FORMAT = "loftterm-plan"
PLAN_VERSION = 1


@dataclass
class PlanConnector:
    """One connector's part of a plan: the organisation it was made against, counts, estimate."""

    name: str
    title: str = ""
    tenant_id: str = ""
    tenant_name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    estimate: dict[str, int] = field(default_factory=dict)
    unplanned: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready section."""
        data = dict(self.__dict__)
        data.pop("name")
        return data


@dataclass
class Plan:
    """What a sync would do, item by item, with the versions it was computed against."""

    id: str
    created: str
    book_id: str
    book: str
    connectors: dict[str, PlanConnector]
    items: list[dict[str, Any]]
    lines: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items per action."""
        return dict(Counter(str(item["action"]) for item in self.items))

    def estimated_calls(self) -> int:
        """The API calls applying the plan should take (reads and writes, every connector)."""
        return sum(c.estimate.get("total", 0) for c in self.connectors.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the versioned document written to the plan file."""
        return {
            "format": PLAN_FORMAT,
            "version": PLAN_VERSION,
            "id": self.id,
            "created": self.created,
            "book_id": self.book_id,
            "book": self.book,
            "connectors": {name: c.to_dict() for name, c in self.connectors.items()},
            "items": self.items,
            "lines": self.lines,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "the plan") -> Plan:
        """Read a plan document; refuse another format or a newer version."""
        if not isinstance(data, Mapping) or data.get("format") != PLAN_FORMAT:
            raise UsageError(f"{where}: not a loftterm plan (no \"format: {PLAN_FORMAT}\")")
        version = int(data.get("version") or 0)
        if version > PLAN_VERSION or version < 1:
            raise UsageError(
                f"{where}: plan version {version}; this loftterm reads version {PLAN_VERSION}"
            )
        try:
            connectors = {
                str(name): PlanConnector(
                    str(name),
                    str(c.get("title") or name),
                    str(c.get("tenant_id") or ""),
                    str(c.get("tenant_name") or ""),
                    {str(k): int(v) for k, v in (c.get("counts") or {}).items()},
                    {str(k): int(v) for k, v in (c.get("estimate") or {}).items()},
                    [str(x) for x in c.get("unplanned") or []],
                )
                for name, c in (data.get("connectors") or {}).items()
            }
            items = [dict(item) for item in data.get("items") or []]
            for item in items:
                for key in ("id", "connector", "action", "profile_id"):
                    if not isinstance(item.get(key), str) or not item[key]:
                        raise ValueError(f"an item without {key}")
                if item["connector"] not in connectors:
                    raise ValueError(f"item {item['id']}: connector {item['connector']} unknown")
        except (AttributeError, TypeError, ValueError) as exc:
            raise UsageError(f"{where}: malformed plan ({exc})") from exc
        return cls(
            str(data.get("id") or ""),
            str(data.get("created") or ""),
            str(data.get("book_id") or ""),
            str(data.get("book") or ""),
            connectors,
            items,
            [str(x) for x in data.get("lines") or []],
        )


def write_plan(plan: Plan, path: Path) -> None:
    """Write a plan as YAML (``.yaml``/``.yml``) or JSON (anything else)."""
    data = json.loads(json.dumps(plan.to_dict(), default=str))  # plain types only
    if path.suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def read_plan(path: Path) -> Plan:
    """Read a plan file (JSON or YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)  # YAML reads JSON too
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not JSON or YAML ({exc})") from exc
    return Plan.from_dict(data, str(path))


def summary_lines(plan: Plan) -> list[str]:
    """Per connector: organisation, items per action and the API calls; then its notes."""
    out: list[str] = []
    for name, part in plan.connectors.items():
        mine = Counter(str(i["action"]) for i in plan.items if i["connector"] == name)
        by_action = ", ".join(f"{action} {n}" for action, n in sorted(mine.items()))
        calls = part.estimate
        out.append(
            f"{part.title or name} ({part.tenant_name or name}): {by_action or 'nothing to do'}; "
            f"about {calls.get('total', 0)} API calls (pull {calls.get('pull', 0)}, create "
            f"{calls.get('create', 0)}, update {calls.get('update', 0)}, archive "
            f"{calls.get('archive', 0)})"
        )
        out.extend(f"note: {line}" for line in part.unplanned)
    return out
