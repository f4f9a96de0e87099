"""Bills, vendor credits and invoices are posted once; a repeat finds them ("exists")."""

from __future__ import annotations

from decimal import Decimal

from connectors.qbo import plugin
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import DocumentLine, DocumentRequest

from .conftest import Run

LINES = (DocumentLine("Commission, 12 Quinpool Rd", Decimal("1500.00"), account_code="310"),
         DocumentLine("Marketing share", Decimal("200.00"), Decimal("2"), item_code="MKT-PKG"))


def post(run: Run, *docs: DocumentRequest):  # type: ignore[no-untyped-def]
    return plugin.loftterm_connector_post_documents(ctx=run.ctx, documents=list(docs))


def test_bill_is_posted_once_then_exists(run: Run, sandbox: QboSandbox) -> None:
    bill = DocumentRequest("bill", "10", "vendor", "DEAL-2024-117", "2024-05-01", LINES,
                           idempotency_key="batch7-line1")
    [first] = post(run, bill)
    assert first.status == "posted" and first.remote_id
    stored = sandbox.record("Bill", first.remote_id)
    assert stored is not None
    assert stored["VendorRef"] == {"value": "10"} and stored["DocNumber"].startswith("DEAL-2024-117-B")
    assert "loftterm:batch7-line1" in stored["PrivateNote"]
    assert Decimal(str(stored["TotalAmt"])) == Decimal("1700.00")
    assert sandbox.record("Vendor", "10")["Balance"] == Decimal("1700.00")  # type: ignore[index]
    assert sandbox.calls("POST", r"/bill$")[0].arg("requestid")
    [again] = post(run, bill)
    assert again.status == "exists" and again.remote_id == first.remote_id
    assert sandbox.count("Bill") == 1


def test_same_reference_different_key_is_a_new_document(run: Run, sandbox: QboSandbox) -> None:
    one = DocumentRequest("bill", "10", "vendor", "DEAL-9", "2024-05-01", LINES,
                          idempotency_key="k-agent-a")
    two = DocumentRequest("bill", "3", "vendor", "DEAL-9", "2024-05-01", LINES,
                          idempotency_key="k-agent-b")
    assert [o.status for o in post(run, one, two)] == ["posted", "posted"]
    assert sandbox.count("Bill") == 2


def test_credit_note_and_invoice_go_to_vendor_credit_and_star_customer(
        run: Run, sandbox: QboSandbox) -> None:
    credit = DocumentRequest("credit_note", "10", "vendor", "DEAL-5", "2024-05-02", LINES[:1],
                             idempotency_key="k-cn")
    invoice = DocumentRequest("invoice", "11", "customer", "DEAL-5", "2024-05-02", LINES[1:],
                              idempotency_key="k-inv")
    outcomes = post(run, credit, invoice)
    assert [o.status for o in outcomes] == ["posted", "posted"]
    assert sandbox.record("VendorCredit", outcomes[0].remote_id)["VendorRef"] == {"value": "10"}  # type: ignore[index]
    stored = sandbox.record("Invoice", outcomes[1].remote_id)
    assert stored is not None and stored["CustomerRef"] == {"value": "11"}
    line = stored["Line"][0]
    assert line["SalesItemLineDetail"]["ItemRef"]["value"] == "3"
    assert Decimal(str(line["SalesItemLineDetail"]["UnitPrice"])) == Decimal("100")
    assert sandbox.record("Customer", "11")["Balance"] == Decimal("200.00")  # type: ignore[index]


def test_refused_documents_fail_with_reasons(run: Run, sandbox: QboSandbox) -> None:
    inactive = DocumentRequest("bill", "9", "vendor", "DEAL-6", "2024-05-03", LINES,
                               idempotency_key="k-inactive")
    wrong_role = DocumentRequest("invoice", "10", "vendor", "DEAL-6", "2024-05-03", LINES,
                                 idempotency_key="k-role")
    first, second = post(run, inactive, wrong_role)
    assert first.status == "failed" and "610" in first.reason
    assert second.status == "failed" and "customer" in second.reason
    assert sandbox.count("Bill") == 0 and sandbox.count("Invoice") == 0
