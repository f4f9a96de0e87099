"""Materials: ledger products and services flow one way into the field-service app.

SortScape's help: every ledger product/service is imported as a material; a material with the
same name (case and spacing ignored) is linked instead of duplicated; linked materials follow
the ledger (they are read-only in SortScape's web app), so an edit made in SortScape anyway is
reported in the run outcomes and overwritten.  Materials made in SortScape alone never reach the
ledger.  Inactive ledger items are not imported.

The item links live in ``book.items``, one document per ledger product, keyed
``f"{connector}|{ledger}|{ledger_item_id}"``, with the values last written to the material as
its ``baseline`` (a material that no longer has them was edited in SortScape).

Runs inside the field phase, once per enabled ledger connector (reading the ledger's products
needs that connector's settings and tokens: :class:`LedgerAccess`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import RemoteItem, TokenStoreProtocol
from loftterm.engine.context import build_context, close_context
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import LofttermError
from loftterm.matching import normalise
from loftterm.models import to_decimal
from loftterm.plugins import ConnectorHooks
from loftterm.views import OutcomeRow

PULL = "loftterm_connector_pull_items"
PUSH = "loftterm_connector_push_items"
VALUE_FIELDS = ("name", "code", "description", "unit_price")

MaterialAction = Literal["create", "link", "update"]


@dataclass(frozen=True)
class LedgerAccess:
    """An enabled ledger connector the field phase reads from.

    :param name: the connector's name.
    :param hooks: its hooks.
    :param settings: its validated config section.
    :param tokens: its token store.
    """

    name: str
    hooks: ConnectorHooks
    settings: Mapping[str, Any]
    tokens: TokenStoreProtocol


@dataclass(frozen=True)
class MaterialStep:
    """One material write: create, link a same-name material, or bring a linked one up to date."""

    action: MaterialAction
    product: RemoteItem
    material: RemoteItem | None
    reason: str

    def request(self) -> RemoteItem:
        """The material as it must be (the product's values, the material's id if any)."""
        return RemoteItem(
            remote_id=self.material.remote_id if self.material else "",
            code=self.product.code,
            name=self.product.name,
            description=self.product.description,
            unit_price=self.product.unit_price,
            active=True,
        )


@dataclass
class MaterialPlan:
    """The writes one ledger's products need, and the links already right."""

    steps: list[MaterialStep] = field(default_factory=list)
    unchanged: int = 0


def item_key(connector: str, ledger: str, ledger_id: str) -> str:
    """The ``book.items`` key of one ledger product's link."""
    return f"{connector}|{ledger}|{ledger_id}"


def values(item: RemoteItem) -> dict[str, str]:
    """The compared values of a product or material (price as a normalised decimal string)."""
    price = to_decimal(item.unit_price)
    return {
        "name": item.name.strip(),
        "code": item.code.strip(),
        "description": item.description.strip(),
        "unit_price": _price(price),
    }


def _price(price: Decimal) -> str:
    return f"{price.normalize():f}" if price else "0"


def _differences(before: Mapping[str, Any], after: Mapping[str, str]) -> list[str]:
    return [f for f in VALUE_FIELDS if str(before.get(f, "")) != after[f]]


def plan_materials(
    book: Book,
    connector: str,
    ledger: str,
    products: Sequence[RemoteItem],
    materials: Sequence[RemoteItem],
) -> MaterialPlan:
    """Decide the material writes for one ledger's products, from the pulled lists and the book."""
    plan = MaterialPlan()
    by_id = {m.remote_id: m for m in materials}
    claimed = {
        str(doc.get("material_id"))
        for doc in book.items.values()
        if doc.get("connector") == connector
    }
    by_name: dict[str, RemoteItem] = {}
    for material in materials:
        if material.active and material.remote_id not in claimed:
            by_name.setdefault(normalise(material.name), material)
    for product in products:
        if not product.active or not product.name.strip():
            continue
        doc = book.items.get(item_key(connector, ledger, product.remote_id))
        linked = by_id.get(str(doc.get("material_id"))) if doc else None
        wanted = values(product)
        if linked is not None and doc is not None:
            now = values(linked)
            if now == wanted:
                plan.unchanged += 1
                continue
            edited = _differences(doc.get("baseline") or {}, now)
            reason = (
                f"{', '.join(edited)} edited in the field-service app; overwritten: linked "
                f"materials follow {ledger}"
                if edited
                else f"{', '.join(_differences(now, wanted))} changed in {ledger}"
            )
            plan.steps.append(MaterialStep("update", product, linked, reason))
            continue
        same = by_name.pop(normalise(product.name), None)
        if same is not None:
            plan.steps.append(
                MaterialStep("link", product, same, f"same name as {ledger} item {product.name}")
            )
        else:
            gone = f" (material {doc.get('material_id')} is gone)" if doc else ""
            plan.steps.append(MaterialStep("create", product, None, f"new from {ledger}{gone}"))
    return plan


def _row(step: MaterialStep, status: str, material_id: str, reason: str) -> OutcomeRow:
    return OutcomeRow("", step.product.name, f"material-{step.action}", status, material_id, reason)


def materials_step(
    rs: RunState, ledger: LedgerAccess, sleep: Callable[[float], None] | None = None
) -> None:
    """Bring the field-service materials in line with one ledger's products and services."""
    if not (ledger.hooks.implements(PULL) and rs.hooks.implements(PULL)):
        return
    if not rs.hooks.implements(PUSH):
        return
    try:
        products = pull_products(rs, ledger, sleep)
        if products is None:
            return
        materials: list[RemoteItem] = list(rs.hooks.call(PULL, ctx=rs.ctx) or [])
    except LofttermError as exc:
        rs.counts["failed"] += 1
        rs.notes.append(f"materials from {ledger.name} not synced: {exc}")
        rs.outcomes.append(
            OutcomeRow("", f"{ledger.name} products", "materials", "failed", "", str(exc))
        )
        return
    plan = plan_materials(rs.book, rs.name, ledger.name, products, materials)
    rs.emit("materials", 0, len(plan.steps), f"{len(plan.steps)} materials to write")
    if rs.dry_run:
        for step in plan.steps:
            verb = {"create": "would create", "link": "would link", "update": "would update"}
            rs.plan.append(
                f"{rs.name}: {verb[step.action]} material {step.product.name}: {step.reason}"
            )
            rs.outcomes.append(
                _row(step, "planned", step.material.remote_id if step.material else "", step.reason)
            )
        return
    if not plan.steps:
        return
    try:
        written: list[RemoteItem] = list(
            rs.hooks.call(PUSH, ctx=rs.ctx, items=[s.request() for s in plan.steps]) or []
        )
    except LofttermError as exc:
        rs.counts["failed"] += 1
        rs.notes.append(f"materials from {ledger.name} not written: {exc}")
        rs.outcomes.append(
            OutcomeRow("", f"{ledger.name} products", "materials", "failed", "", str(exc))
        )
        return
    stamp = now_iso()
    counts = {"create": 0, "link": 0, "update": 0}
    for step, material in zip(plan.steps, written, strict=False):
        key = item_key(rs.name, ledger.name, step.product.remote_id)
        rs.book.items[key] = {
            "key": key,
            "connector": rs.name,
            "ledger": ledger.name,
            "ledger_id": step.product.remote_id,
            "code": step.product.code,
            "name": step.product.name,
            "material_id": material.remote_id,
            "baseline": values(material),
            "at": stamp,
        }
        counts[step.action] += 1
        status = {"create": "created", "link": "linked", "update": "updated"}[step.action]
        rs.counts[f"materials_{status}"] += 1  # in the run's summary (--sync --json)
        rs.outcomes.append(_row(step, status, material.remote_id, step.reason))
    if len(written) < len(plan.steps):
        rs.counts["failed"] += len(plan.steps) - len(written)
        rs.notes.append(f"{len(plan.steps) - len(written)} materials got no answer")
    rs.notes.append(
        f"materials from {ledger.name}: {counts['create']} created, {counts['link']} linked by "
        f"name, {counts['update']} updated"
    )
    rs.emit("materials", len(written), len(plan.steps), f"wrote {len(written)} materials")


def pull_products(
    rs: RunState, ledger: LedgerAccess, sleep: Callable[[float], None] | None
) -> list[RemoteItem] | None:
    """Read one ledger's products; None when it is not the organisation the book is pinned to."""
    pinned = str(rs.book.connector_meta(ledger.name).get("tenant_id") or "")
    ctx, _stats = build_context(
        ledger.name,
        ledger.settings,
        ledger.tokens,
        dry_run=rs.dry_run,
        pinned_tenant=pinned,
        sleep=sleep,
    )
    try:
        products: list[RemoteItem] = list(ledger.hooks.call(PULL, ctx=ctx) or [])
    finally:
        close_context(ctx)
    reached = str(ctx.state.get("tenant_id") or "")
    if pinned and reached and reached != pinned:
        rs.notes.append(
            f"materials skipped: {ledger.name} reaches organisation {reached}, not the one this "
            f"book is pinned to ({pinned}); sync {ledger.name} to see why"
        )
        return None
    return products
