"""A batch over the QuickBooks Online sandbox: vendor bills and credits, ``*`` customer invoices."""

from __future__ import annotations

from pathlib import Path

from connectors.qbo.sandbox import SEED_IDS, QboSandbox
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.plugins import make_plugin_manager
from tests.batch.conftest import no_sleep

BATCH = """\
batch: qbo-may
currency: CAD
documents:
  - {deal: D-1, date: 2025-05-01, kind: bill, profile: P001, amount: 1500.00, account: "310"}
  - {deal: D-1, date: 2025-05-01, kind: credit_note, profile: P001, amount: 100.00,
     account: Agent Commissions}
  - {deal: D-1, date: 2025-05-01, kind: invoice, profile: P001, amount: 250.00}
"""
ENTITIES = ("Bill", "VendorCredit", "Invoice")


def test_qbo_batch_pays_the_orgs_vendor_invoices_its_customer_once(
    qbo_demo: DemoEnvironment, tmp_path: Path
) -> None:
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    console = BookConsole(qbo_demo.config, make_plugin_manager(), sleep=no_sleep)
    path = tmp_path / "qbo-may.yaml"
    path.write_text(BATCH, encoding="utf-8")
    before = {e: sandbox.count(e) for e in ENTITIES}
    result = console.batch(path)
    assert [d.status for d in result.documents] == ["posted"] * 3, result.to_json()
    vendor, customer = (
        SEED_IDS["vendor:Harbour Realty Ltd"],
        SEED_IDS["customer:Harbour Realty Ltd"],
    )
    assert [(d.role, d.contact_id) for d in result.documents] == [
        ("vendor", vendor),
        ("vendor", vendor),
        ("customer", customer),
    ]
    bill = sandbox.record("Bill", result.documents[0].remote_id)
    assert bill is not None and bill["VendorRef"]["value"] == vendor
    again = console.batch(path)
    assert [d.status for d in again.documents] == ["exists"] * 3
    assert {e: sandbox.count(e) - before[e] for e in ENTITIES} == {e: 1 for e in ENTITIES}
    names = [p.name for p in console.book().profiles.values()]
    assert names.count("Siobhan O'Leary") == 1  # her own QBO contact is not imported as a twin
