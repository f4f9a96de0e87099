"""QBO keeps the shipping address per role: a Customer's ShipAddr syncs both ways, a Vendor has none."""

from __future__ import annotations

from connectors.qbo.sandbox import QboSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.models import Address
from loftterm.plugins import make_plugin_manager

WAREHOUSE = Address(line1="9 Dock Street", city="Pyrmont", region="NSW", postal_code="2009",
                    country="Australia")


def _linked(console: BookConsole, profile_id: str) -> dict[str, str]:
    return {r.role: r.remote_id for r in console.link_rows("qbo") if r.profile_id == profile_id
            and r.remote_id}


def test_a_local_shipping_address_goes_to_the_customer_only(qbo_demo: DemoEnvironment) -> None:
    console = BookConsole(qbo_demo.config, make_plugin_manager(), sleep=lambda s: None)
    assert console.sync("qbo").ok
    linked = _linked(console, "P003")
    assert set(linked) == {"vendor", "customer"}
    with console.writing("edit") as book:
        profile = book.profile("P003")
        profile.fields = profile.fields.__class__.from_dict(
            {**profile.fields.to_dict(), "shipping": WAREHOUSE.to_dict()})
        book.put_profile(profile)
    assert console.status()[0].pending.to_update == 1  # the customer link only
    assert console.sync("qbo").ok
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    customer = sandbox.record("Customer", linked["customer"])
    vendor = sandbox.record("Vendor", linked["vendor"])
    assert customer is not None and customer["ShipAddr"]["Line1"] == "9 Dock Street"
    assert vendor is not None and "ShipAddr" not in vendor
    before = len(sandbox.calls("POST"))
    assert console.sync("qbo").ok
    assert len(sandbox.calls("POST")) == before  # nothing left to write, nothing seen as deleted


def test_a_shipping_address_changed_in_qbo_comes_back(qbo_demo: DemoEnvironment) -> None:
    console = BookConsole(qbo_demo.config, make_plugin_manager(), sleep=lambda s: None)
    assert console.sync("qbo").ok
    linked = _linked(console, "P003")
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    sandbox.edit("Customer", linked["customer"],
                 ShipAddr={"Line1": "9 Dock Street", "City": "Pyrmont"})
    assert console.sync("qbo").ok
    shipping = console.profile("P003").profile.fields.shipping
    assert (shipping.line1, shipping.city) == ("9 Dock Street", "Pyrmont")
