"""Ledger products and services flow one way into SortScape materials."""

from __future__ import annotations

from typing import Any

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.console import BookConsole


def materials_named(sortscape: SortScapeSandbox, name: str) -> list[dict[str, Any]]:
    return [m for m in sortscape.materials() if m["name"].lower() == name.lower()]


def add_xero_item(xero: XeroSandbox, code: str, name: str, price: float) -> str:
    with xero.server.lock:
        [(record, errors)] = xero.org.save_items(
            [
                {
                    "Code": code,
                    "Name": name,
                    "Description": f"{name} (Xero)",
                    "SalesDetails": {"UnitPrice": price},
                }
            ],
            "create",
        )
    assert not errors
    return str(record["ItemID"])


def sortscape_outcomes(console: BookConsole) -> list[Any]:
    [run] = [r for r in console.runs(2) if r.connector == "sortscape"]
    return run.outcomes


def test_products_become_linked_materials(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    [material] = materials_named(sortscape, "Marketing package")
    assert material["code"] == "MKTG" and material["unit_price"] == "450.00"
    assert material["linked_product_id"] == "MKTG" and material["read_only"] is True
    items = console.book().items
    assert len(items) == 4 and {d["code"] for d in items.values()} >= {"MKTG", "COMM"}
    count = len(sortscape.materials())
    console.sync()
    assert len(sortscape.materials()) == count
    assert not sortscape.calls("PATCH", "/materials")


def test_same_name_material_is_linked_not_duplicated(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    add_xero_item(xero, "HEDGE", "hedge  Trimming", 70.0)
    console.sync()
    [material] = materials_named(sortscape, "hedge  Trimming")
    assert material["id"] == "M-302"
    assert material["unit_price"] == "70.00" and material["linked_product_id"] == "HEDGE"
    assert not materials_named(sortscape, "Hedge trimming")
    assert any(
        o.action == "material-link" and o.remote_id == "M-302" for o in sortscape_outcomes(console)
    )


def test_sortscape_edit_is_reported_and_overwritten(
    console: BookConsole, sortscape: SortScapeSandbox
) -> None:
    console.sync()
    [material] = materials_named(sortscape, "Property photography")
    sortscape.edit_material(material["id"], as_user=False, unit_price="300.00")
    console.sync()
    assert sortscape.material(material["id"])["unit_price"] == "280.00"
    [row] = [o for o in sortscape_outcomes(console) if o.remote_id == material["id"]]
    assert row.action == "material-update" and "unit_price edited" in row.reason


def test_ledger_changes_flow_and_sortscape_only_materials_stay(
    console: BookConsole, xero: XeroSandbox, sortscape: SortScapeSandbox
) -> None:
    item_id = add_xero_item(xero, "PRUNE", "Pruning", 90.0)
    console.sync()
    with xero.server.lock:
        xero.org.save_items([{"ItemID": item_id, "SalesDetails": {"UnitPrice": 95.0}}], "upsert")
    console.sync()
    [material] = materials_named(sortscape, "Pruning")
    assert material["unit_price"] == "95.00"
    names = {str(i["Name"]) for i in xero.items.values()}
    assert "Lawn mowing (per hour)" not in names  # never exported to the ledger
