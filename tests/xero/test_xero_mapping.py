from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.xero import mapping
from connectors.xero.client import classify_429, describe_problem, idempotency_key
from loftterm.api import Address, ContactFields, DocumentLine, DocumentRequest, RemoteItem

# The Contact of the official spec's GET /Contacts example (trimmed).
SPEC_CONTACT = {
    "ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c",
    "ContactStatus": "ACTIVE",
    "Name": "Katherine Warren",
    "FirstName": "Katherine",
    "LastName": "Warren",
    "CompanyNumber": "NumberBusiness1234",
    "EmailAddress": "kat.warren@clampett.com",
    "Addresses": [
        {"AddressType": "STREET", "City": "", "Region": "", "PostalCode": "", "Country": ""},
        {"AddressType": "POBOX", "AddressLine1": "", "AddressLine2": "", "AddressLine3": "",
         "AddressLine4": "", "City": "Palo Alto", "Region": "CA", "PostalCode": "94020",
         "Country": "United States"},
    ],
    "Phones": [
        {"PhoneType": "DDI", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
        {"PhoneType": "DEFAULT", "PhoneNumber": "847-1294", "PhoneAreaCode": "(626)",
         "PhoneCountryCode": ""},
        {"PhoneType": "MOBILE", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
    ],
    "UpdatedDateUTC": "/Date(1503348544227+0000)/",
    "IsSupplier": True,
    "IsCustomer": True,
    "DefaultCurrency": "USD",
    "Balances": {
        "AccountsReceivable": {"Outstanding": Decimal("760.00"), "Overdue": Decimal("920.00")},
        "AccountsPayable": {"Outstanding": Decimal("231.60"), "Overdue": Decimal("360.00")},
    },
}


def test_contact_from_wire_maps_the_spec_example() -> None:
    remote = mapping.contact_from_wire(SPEC_CONTACT)
    assert remote.remote_id == "5cc8cf28-567e-4d43-b287-687cfcaec47c"
    assert remote.role == "contact"
    assert remote.status == "active"
    assert remote.fields.name == "Katherine Warren"
    assert (remote.fields.first_name, remote.fields.last_name) == ("Katherine", "Warren")
    assert remote.fields.email == "kat.warren@clampett.com"
    assert remote.fields.company == ""  # CompanyNumber is a registration number
    assert remote.fields.phone == "(626) 847-1294"
    assert remote.fields.billing == Address(city="Palo Alto", region="CA", postal_code="94020",
                                            country="United States")
    assert remote.fields.shipping.is_empty()
    assert remote.balance.ar == Decimal("760.00") and remote.balance.ap == Decimal("231.60")
    assert isinstance(remote.balance.ar, Decimal)
    assert remote.balance.currency == "USD"
    assert remote.updated == "2017-08-21T20:49:04.227Z" == remote.version
    assert remote.is_customer and remote.is_supplier
    assert remote.extra == {"display_name": "Katherine Warren"}
    assert remote.external_key == "" and remote.merged_to == ""


@pytest.mark.parametrize(("status", "expected"), [("ACTIVE", "active"), ("ARCHIVED", "archived"),
                                                  ("GDPRREQUEST", "archived")])
def test_contact_status(status: str, expected: str) -> None:
    assert mapping.contact_from_wire({**SPEC_CONTACT, "ContactStatus": status}).status == expected


def test_contact_number_merged_to_and_mobile_fallback() -> None:
    wire = {
        "ContactID": "a", "Name": "X", "ContactNumber": "prof-1",
        "MergedToContactID": "b", "Balances": {"AccountsReceivable": {"Outstanding": 1250.0}},
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": ""},
                   {"PhoneType": "MOBILE", "PhoneNumber": "0412 555 018",
                    "PhoneCountryCode": "61", "PhoneAreaCode": ""}],
    }
    remote = mapping.contact_from_wire(wire)
    assert remote.external_key == "prof-1"
    assert remote.merged_to == "b"
    assert remote.fields.phone == "61 0412 555 018"
    assert str(remote.balance.ar) == "1250.00" and remote.balance.ap == 0
    zero = mapping.contact_from_wire({**wire, "MergedToContactID": mapping.ZERO_GUID})
    assert zero.merged_to == ""


def test_contact_without_id_is_refused() -> None:
    with pytest.raises(KeyError):
        mapping.contact_from_wire({"Name": "No id"})


FIELDS = ContactFields(
    name="Marcus Whitfield", first_name="Marcus", last_name="Whitfield",
    email="marcus@example.com", phone="0400 111 222", company="Ignored Pty",
    billing=Address(line1="PO Box 1", city="Sydney", postal_code="2001"),
)


def test_create_wire_stamps_the_profile_id_and_skips_empty_fields() -> None:
    wire = mapping.contact_create_wire(FIELDS, "prof-42")
    assert wire["ContactNumber"] == "prof-42"
    assert wire["Name"] == "Marcus Whitfield" and wire["EmailAddress"] == "marcus@example.com"
    assert wire["Phones"] == [{"PhoneType": "DEFAULT", "PhoneNumber": "0400 111 222",
                               "PhoneAreaCode": "", "PhoneCountryCode": ""}]
    assert [a["AddressType"] for a in wire["Addresses"]] == ["POBOX"]
    assert wire["Addresses"][0]["AddressLine1"] == "PO Box 1"
    assert "ContactID" not in wire and "Company" not in str(wire)


def test_update_wire_sends_only_changed_fields() -> None:
    wire = mapping.contact_update_wire("cid", FIELDS, {"email", "shipping"})
    assert set(wire) == {"ContactID", "EmailAddress", "Addresses"}
    assert wire["Addresses"][0]["AddressType"] == "STREET"
    assert wire["Addresses"][0]["City"] == ""  # an emptied address is cleared
    full = mapping.contact_update_wire("cid", FIELDS)
    assert {"Name", "FirstName", "LastName", "EmailAddress", "Phones", "Addresses"} <= set(full)


def test_round_trip_of_synced_fields() -> None:
    wire = {"ContactID": "x", **mapping.contact_create_wire(FIELDS, "p")}
    back = mapping.contact_from_wire(wire)
    assert back.fields == ContactFields(**{**FIELDS.to_dict(), "company": "",
                                           "billing": FIELDS.billing,
                                           "shipping": FIELDS.shipping})


def test_parse_and_format_xero_dates() -> None:
    moment = mapping.parse_xero_date("/Date(1503348544227+0000)/")
    assert moment == datetime(2017, 8, 21, 20, 49, 4, 227000, tzinfo=UTC)
    # the milliseconds are UTC whatever the offset says
    assert mapping.parse_xero_date("/Date(1503348544227+1300)/") == moment
    assert mapping.parse_xero_date("/Date(1551399323399)/") == datetime(
        2019, 3, 1, 0, 15, 23, 399000, tzinfo=UTC)
    assert mapping.parse_xero_date("/Date(-86400000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert mapping.parse_xero_date("2020-02-06T12:17:43.202-08:00") == datetime(
        2020, 2, 6, 20, 17, 43, 202000, tzinfo=UTC)
    assert mapping.parse_xero_date("/Date(abc)/") is None
    assert mapping.parse_xero_date("") is None and mapping.parse_xero_date(None) is None
    assert mapping.format_xero_date(moment) == "/Date(1503348544227+0000)/"
    assert mapping.format_xero_date(datetime(1970, 1, 1)) == "/Date(0+0000)/"


def test_iso_helpers() -> None:
    assert mapping.xero_date_to_iso("/Date(1503348544000+0000)/") == "2017-08-21T20:49:04.000Z"
    assert mapping.xero_date_to_iso("nonsense") == ""
    assert mapping.if_modified_since("2017-08-21T20:49:04.999Z") == "2017-08-21T20:49:04"
    assert mapping.if_modified_since("2017-08-22T08:49:04+12:00") == "2017-08-21T20:49:04"
    with pytest.raises(ValueError):
        mapping.if_modified_since("yesterday")
    earlier = mapping.to_iso(datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC))
    later = mapping.to_iso(datetime(2024, 1, 1, 0, 0, 0, 5000, tzinfo=UTC))
    assert earlier < later


def test_items_both_ways() -> None:
    item = mapping.item_from_wire({"ItemID": "i1", "Code": "MKTG", "Name": "Marketing",
                                   "SalesDetails": {"UnitPrice": Decimal("450.00")},
                                   "UpdatedDateUTC": "/Date(0+0000)/"})
    assert item == RemoteItem("i1", "MKTG", "Marketing", "", Decimal("450.00"), True,
                              "1970-01-01T00:00:00.000Z")
    wire = mapping.item_to_wire(RemoteItem("", "NEW", "New", unit_price=Decimal("9.95")))
    assert wire == {"Code": "NEW", "Name": "New", "Description": "",
                    "SalesDetails": {"UnitPrice": Decimal("9.95")}}


@pytest.mark.parametrize(("kind", "doc_type", "key_field"), [
    ("bill", "ACCPAY", "InvoiceNumber"),
    ("invoice", "ACCREC", "Reference"),
    ("credit_note", "ACCPAYCREDIT", "CreditNoteNumber"),
])
def test_document_wire(kind: str, doc_type: str, key_field: str) -> None:
    doc = DocumentRequest(kind, "cid", "contact", "DEAL-7", "2025-05-01",  # type: ignore[arg-type]
                          (DocumentLine("Commission", Decimal("1200.50"), Decimal("2"), "400"),),
                          "AUD", "batch-1-line-1")
    wire = mapping.document_to_wire(doc)
    assert wire["Type"] == doc_type
    assert wire["Contact"] == {"ContactID": "cid"}
    assert wire[key_field] == "batch-1-line-1" and wire["Reference"] == "batch-1-line-1"
    assert wire["LineItems"] == [{"Description": "Commission", "Quantity": Decimal("2"),
                                  "UnitAmount": Decimal("600.25"), "AccountCode": "400"}]
    assert wire["Date"] == "2025-05-01" and wire["CurrencyCode"] == "AUD"


def test_element_failed() -> None:
    assert mapping.element_failed({"StatusAttributeString": "ERROR"})
    assert not mapping.element_failed({"StatusAttributeString": "OK"})
    assert not mapping.element_failed({"StatusAttributeString": "WARNING",
                                       "ValidationErrors": [{"Message": "w"}]})
    assert mapping.element_failed({"ValidationErrors": [{"Message": "bad"}]})


def test_idempotency_key_is_deterministic_and_short() -> None:
    one = idempotency_key("create", ["k1", "k2"])
    assert one == idempotency_key("create", ["k1", "k2"])
    assert one != idempotency_key("create", ["k1", "k3"])
    assert one != idempotency_key("update", ["k1", "k2"])
    assert len(one) <= 128
    assert idempotency_key("x", ["", "k"], b"body") != idempotency_key("x", ["", "k"], b"other")


def test_classify_429() -> None:
    import httpx

    day = httpx.Response(429, headers={"X-Rate-Limit-Problem": "day"})
    minute = httpx.Response(429, headers={"X-Rate-Limit-Problem": "minute"})
    assert classify_429(day) == "stop"
    assert classify_429(minute) == "wait"
    assert classify_429(httpx.Response(429)) == "wait"


def test_describe_problem_is_one_line() -> None:
    import httpx

    validation = httpx.Response(400, json={"Elements": [{"ValidationErrors": [
        {"Message": "The contact name X is\nalready assigned"}]}]})
    assert describe_problem(validation) == "The contact name X is already assigned"
    html = httpx.Response(502, content=b"<html>\n<body>Bad gateway</body>\n</html>")
    assert "\n" not in describe_problem(html)
