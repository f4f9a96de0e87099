"""pyxero drives the Xero sandbox: its XML writes, its ``where`` filters and its JSON reads.

pyxero posts XML and reads JSON (``Accept: application/json``); it turns ``/Date(...)/`` into
datetimes and 400 answers into ``XeroBadRequest``.  It is pointed at the sandbox through the
credentials' ``base_url`` (the API root its managers build on), with a token the sandbox
issued (pyxero's own token calls go to Xero's fixed identity URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import requests
from xero import Xero
from xero.auth import OAuth2Credentials
from xero.exceptions import XeroBadRequest

from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox import seed as seeds
from connectors.xero.sandbox.server import API, CLIENT_ID, CLIENT_SECRET
from tests.conftest import serving


@pytest.fixture(scope="module")
def sandbox() -> Iterator[XeroSandbox]:
    yield from serving(XeroSandbox())


@pytest.fixture
def xero(sandbox: XeroSandbox, insecure_loopback: None) -> Xero:
    sandbox.reset()
    token = httpx.post(sandbox.url + "/connect/token", auth=(CLIENT_ID, CLIENT_SECRET),
                       data={"grant_type": "client_credentials"}).json()
    token["expires_at"] = (datetime.now(UTC) + timedelta(seconds=token["expires_in"])).timestamp()
    credentials = OAuth2Credentials(CLIENT_ID, CLIENT_SECRET, token=token,
                                    tenant_id=sandbox.tenant_id)
    credentials.base_url = sandbox.url
    return Xero(credentials)


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [str(r["Name"]) for r in rows]


def test_reads_parse_dates_and_ids(xero: Xero) -> None:
    contacts = xero.contacts.all()
    assert seeds.HARBOUR_REALTY_ID in {c["ContactID"] for c in contacts}
    [harbour] = xero.contacts.get(seeds.HARBOUR_REALTY_ID)
    assert harbour["Name"] == "Harbour Realty Ltd"
    assert isinstance(harbour["UpdatedDateUTC"], datetime)  # /Date(...)/ was readable


def test_filters_guid_endswith_order_and_ids(xero: Xero) -> None:
    by_name = xero.contacts.filter(Name="Harbour Realty Ltd")
    assert [c["ContactID"] for c in by_name] == [seeds.HARBOUR_REALTY_ID]
    by_guid = xero.contacts.filter(ContactID=seeds.THOMAS_BAKER_ID)  # Guid("...")
    assert [c["ContactID"] for c in by_guid] == [seeds.THOMAS_BAKER_ID]
    ends = xero.contacts.filter(Name__endswith="Ltd", order="Name DESC")
    assert ends and names(ends) == sorted(names(ends), key=str.casefold, reverse=True)
    assert all(n.endswith("Ltd") for n in names(ends))
    starts = xero.contacts.filter(Name__startswith="harbour")
    assert "Harbour Realty Ltd" in names(starts)
    ids = xero.contacts.filter(IDs=[seeds.LIAM_CHEN_ID, seeds.PRIYA_NATARAJAN_ID])  # hex, no dashes
    assert {c["ContactID"] for c in ids} == {seeds.LIAM_CHEN_ID, seeds.PRIYA_NATARAJAN_ID}
    ordered = xero.contacts.filter(order="Name")
    assert names(ordered) == sorted(names(ordered), key=str.casefold)


def test_paging(xero: Xero) -> None:
    every = xero.contacts.all()
    first = xero.contacts.filter(page=1, pageSize=5)
    second = xero.contacts.filter(page=2, pageSize=5)
    assert len(first) == 5 and [c["ContactID"] for c in first + second] == [
        c["ContactID"] for c in every[:10]]


def test_since_sends_if_modified_since(xero: Xero, sandbox: XeroSandbox) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    sandbox.edit_contact(seeds.THOMAS_BAKER_ID, FirstName="Tom")
    changed = xero.contacts.filter(since=moment)
    assert seeds.THOMAS_BAKER_ID in {c["ContactID"] for c in changed}
    assert len(changed) < len(xero.contacts.all())


def test_xml_writes_create_and_update(xero: Xero, sandbox: XeroSandbox) -> None:
    [created] = xero.contacts.put({
        "Name": "Contract Test Pty", "EmailAddress": "ct@example.com",
        "Addresses": [{"AddressType": "POBOX", "City": "Sydney", "PostalCode": "2000"}],
    })
    cid = created["ContactID"]
    stored = sandbox.contacts[cid]
    assert stored["EmailAddress"] == "ct@example.com"
    assert any(a["AddressType"] == "POBOX" and a["City"] == "Sydney" for a in stored["Addresses"])
    [updated] = xero.contacts.save({"ContactID": cid, "Name": "Contract Test Pty Ltd"})
    assert updated["Name"] == "Contract Test Pty Ltd" == sandbox.contacts[cid]["Name"]


def test_duplicate_name_is_a_validation_exception(xero: Xero) -> None:
    with pytest.raises(XeroBadRequest) as caught:
        xero.contacts.put({"Name": "Harbour Realty Ltd"})
    assert str(caught.value).startswith("ValidationException: A validation exception occurred")
    assert "already assigned to another contact" in str(caught.value.problem)


def test_documents_round_trip_with_xero_dates_and_amounts(xero: Xero,
                                                          sandbox: XeroSandbox) -> None:
    [bill] = xero.invoices.put({
        "Type": "ACCPAY", "Contact": {"ContactID": seeds.HARBOUR_REALTY_ID},
        "Date": date(2025, 5, 1), "DueDate": date(2025, 5, 31), "Status": "AUTHORISED",
        "LineItems": [{"Description": "Commission 12 Pier St", "Quantity": "2",
                       "UnitAmount": "750.00", "AccountCode": "310"}],
    })
    assert bill["Date"] == datetime(2025, 5, 1, tzinfo=UTC)  # from /Date(ms+0000)/
    assert bill["DateString"] == date(2025, 5, 1)  # pyxero reads a midnight as a date
    assert Decimal(str(bill["Total"])) == Decimal("1500") == Decimal(str(bill["AmountDue"]))
    assert bill["AmountPaid"] == 0
    assert bill["LineItems"][0]["AccountCode"] == "310"
    stored = sandbox.documents["Invoices"][bill["InvoiceID"]]
    assert stored["Date"].startswith("/Date(") and stored["DateString"] == "2025-05-01T00:00:00"
    found = xero.invoices.filter(Date__gte=date(2025, 5, 1), Type="ACCPAY")
    assert [i["InvoiceID"] for i in found] == [bill["InvoiceID"]]
    assert xero.invoices.filter(Date__lt=date(2025, 5, 1)) == []
    assert [i["InvoiceID"] for i in xero.invoices.filter(IDs=[bill["InvoiceID"]])] == [
        bill["InvoiceID"]]
    [credit] = xero.creditnotes.put({
        "Type": "ACCPAYCREDIT", "Contact": {"ContactID": seeds.HARBOUR_REALTY_ID},
        "Date": date(2025, 5, 2),
        "LineItems": [{"Description": "Clawback", "UnitAmount": "100", "AccountCode": "310"}],
    })
    assert Decimal(str(credit["RemainingCredit"])) == Decimal("100")


def test_document_to_a_missing_contact_is_a_validation_exception(xero: Xero) -> None:
    with pytest.raises(XeroBadRequest) as caught:
        xero.invoices.put({"Type": "ACCREC", "Contact": {"ContactID": seeds.STALE_ELENA_GARCIA_ID},
                           "LineItems": [{"Description": "x", "UnitAmount": "1"}]})
    assert "contact could not be found" in str(caught.value.problem)


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", b'{"Contacts": [{"Name": "x"'),
    ("application/xml", b"<Contacts><Contact><Name>x</Contact>"),
])
def test_unreadable_body_is_post_data_invalid(sandbox: XeroSandbox, content_type: str,
                                              body: bytes) -> None:
    sandbox.reset()
    token = httpx.post(sandbox.url + "/connect/token", auth=(CLIENT_ID, CLIENT_SECRET),
                       data={"grant_type": "client_credentials"}).json()["access_token"]
    answer = requests.put(f"{sandbox.url}{API}/Contacts", data=body, timeout=10, headers={
        "Authorization": f"Bearer {token}", "Xero-tenant-id": sandbox.tenant_id,
        "Content-Type": content_type, "Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["Type"] == "PostDataInvalidException"
    assert answer.json()["ErrorNumber"] == 14
    assert str(XeroBadRequest(answer)).startswith("PostDataInvalidException: ")
    assert not [c for c in sandbox.contacts.values() if c["Name"] == "x"]
