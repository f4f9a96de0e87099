from decimal import Decimal

import pytest

from connectors.sortscape.sandbox import seed
from loftterm.api import RemoteError, RemoteItem


def test_pull_items_lists_every_material(hooks, ctx):
    items = {i.remote_id: i for i in hooks.call("loftterm_connector_pull_items", ctx=ctx)}
    assert len(items) == 6
    assert items["M-301"].name == "Lawn mowing (per hour)"
    assert items["M-302"].name == "Hedge trimming"
    assert items[seed.LINKED_MATERIAL].unit_price == Decimal("40.00")
    assert items[seed.LINKED_MATERIAL].code == "FERT-APP"


def test_push_items_creates_updates_and_links_same_names(hooks, ctx, sandbox):
    items = [
        RemoteItem("", "TURF-M2", "Turf laying (per m2)", "Buffalo turf", Decimal("32.00")),
        RemoteItem(seed.LINKED_MATERIAL, "FERT-APP", "Fertiliser application",
                   "Slow-release lawn fertiliser", Decimal("42.50")),
        RemoteItem("", "HEDGE", "hedge  Trimming", "From the ledger", Decimal("70.00")),
    ]
    created, updated, linked = hooks.call("loftterm_connector_push_items", ctx=ctx, items=items)
    new = sandbox.material(created.remote_id)
    assert new["read_only"] and new["linked_product_id"] == "TURF-M2"
    assert created.unit_price == Decimal("32.00")
    assert updated.remote_id == seed.LINKED_MATERIAL and updated.unit_price == Decimal("42.50")
    assert linked.remote_id == "M-302"  # same name (case, spacing ignored): linked, no duplicate
    m302 = sandbox.material("M-302")
    assert m302["read_only"] and m302["unit_price"] == "70.00" and m302["code"] == "HEDGE"
    assert len(sandbox.materials()) == 7


def test_a_refused_item_stops_with_the_endpoint_named(hooks, ctx):
    with pytest.raises(RemoteError, match="PATCH /materials/M-000"):
        hooks.call("loftterm_connector_push_items", ctx=ctx,
                    items=[RemoteItem("M-000", "X", "Missing")])


def test_linked_materials_are_read_only_for_sortscape_users(sandbox):
    with pytest.raises(PermissionError, match="read-only"):
        sandbox.edit_material(seed.LINKED_MATERIAL, unit_price="1.00")
    assert sandbox.edit_material("M-303", unit_price="85")["unit_price"] == "85.00"
    forced = sandbox.edit_material(seed.LINKED_MATERIAL, as_user=False, description="Changed")
    assert forced["description"] == "Changed" and forced["version"] == 2
