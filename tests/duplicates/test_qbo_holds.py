"""QBO: a vendor and a `*` customer that may already exist are held per role, never created."""

from __future__ import annotations

from connectors.qbo.sandbox import QboSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.models import ContactFields, Profile
from loftterm.plugins import make_plugin_manager


def test_accented_vendor_and_customer_are_held_per_role(qbo_demo: DemoEnvironment) -> None:
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    vendor = sandbox.save("Vendor", {"DisplayName": "José Álvarez Realty"})
    customer = sandbox.save("Customer", {"DisplayName": "*José Álvarez Realty"})
    console = BookConsole(qbo_demo.config, make_plugin_manager(), sleep=lambda s: None)
    with console.writing("test") as book:
        book.put_profile(Profile("P090", "organization", ContactFields(name="Jose Alvarez Realty")))
    for _ in range(2):
        report = console.sync("qbo")
        assert report.ok, report.errors
    assert not sandbox.find("Vendor", "Jose Alvarez Realty")
    assert not sandbox.find("Customer", "*Jose Alvarez Realty")
    held = {p.role: p for p in console.proposals() if p.profile_id == "P090"}
    assert set(held) == {"vendor", "customer"}
    assert held["vendor"].remote_id == vendor["Id"] and held["customer"].remote_id == customer["Id"]
    assert all("equal name after folding" in p.evidence for p in held.values())
    before = (sandbox.count("Vendor"), sandbox.count("Customer"))

    console.decide_proposal(held["vendor"].id, True)  # one action: the vendor is P090's
    link = console.book().link_of("P090", "qbo", "vendor")
    assert link is not None and link.remote_id == vendor["Id"]
    assert [p.role for p in console.proposals() if p.profile_id == "P090"] == ["customer"]
    console.override_hold(held["customer"].id, "create")  # and the customer is a new one
    assert sandbox.find("Customer", "*Jose Alvarez Realty")
    assert (sandbox.count("Vendor"), sandbox.count("Customer")) == (before[0], before[1] + 1)
