"""Customer/Vendor/Employee JSON <-> RemoteContact, and the create / sparse update bodies."""

from __future__ import annotations

from decimal import Decimal

from connectors.qbo.mapping import (
    contact_from_qbo,
    create_body,
    deactivate_body,
    item_from_qbo,
    sparse_update_body,
)
from loftterm.api import Address, ContactFields

CUSTOMER = {
    "Id": "11", "SyncToken": "3", "DisplayName": "*Siobhan O'Leary", "GivenName": "Siobhan",
    "FamilyName": "O'Leary", "CompanyName": "O'Leary Homes", "Active": False,
    "PrimaryEmailAddr": {"Address": "siobhan@example.com"},
    "PrimaryPhone": {"FreeFormNumber": "555-0101"},
    "BillAddr": {"Line1": "12 Quinpool Rd", "Line2": "Unit 4", "City": "Halifax",
                 "CountrySubDivisionCode": "NS", "PostalCode": "B3L 1A1", "Country": "CA"},
    "ShipAddr": {"Line1": "1 Dock St", "City": "Halifax"},
    "Balance": Decimal("1250.50"), "CurrencyRef": {"value": "CAD"},
    "Notes": "loftterm:p-42", "MetaData": {"LastUpdatedTime": "2024-03-04T09:30:00-08:00"},
}


def test_customer_maps_with_prefix_stripped_and_ar_balance() -> None:
    record = contact_from_qbo("Customer", CUSTOMER, "*")
    assert record.role == "customer" and record.remote_id == "11"
    assert record.name == "Siobhan O'Leary"
    assert record.extra["display_name"] == "*Siobhan O'Leary"
    assert (record.fields.first_name, record.fields.last_name) == ("Siobhan", "O'Leary")
    assert record.fields.company == "O'Leary Homes"
    assert record.email == "siobhan@example.com" and record.fields.phone == "555-0101"
    assert record.fields.billing == Address("12 Quinpool Rd", "Unit 4", "", "", "Halifax", "NS",
                                            "B3L 1A1", "CA")
    assert record.fields.shipping.line1 == "1 Dock St"
    assert record.status == "inactive"
    assert record.balance.ar == Decimal("1250.50") and record.balance.ap == 0
    assert record.balance.currency == "CAD"
    assert record.version == "3" and record.updated == "2024-03-04T09:30:00-08:00"
    assert record.external_key == "p-42"
    assert record.is_customer and not record.is_supplier


def test_vendor_maps_ap_and_acctnum_and_ignores_shipaddr() -> None:
    vendor = {**CUSTOMER, "DisplayName": "*Star Signs", "Active": True, "AcctNum": "loftterm:p-7",
              "Notes": "loftterm:nope"}
    record = contact_from_qbo("Vendor", vendor, "*")
    assert record.name == "*Star Signs"  # vendors keep their name as is
    assert record.balance.ap == Decimal("1250.50") and record.balance.ar == 0
    assert record.external_key == "p-7"
    assert record.fields.shipping.is_empty()
    assert record.status == "active" and record.is_supplier


def test_customer_without_prefix_keeps_its_name_and_employee_role() -> None:
    assert contact_from_qbo("Customer", {"Id": "1", "DisplayName": "Oceanview"}, "*").name == "Oceanview"
    employee = contact_from_qbo("Employee", {"Id": "12", "DisplayName": "Marcus Whitfield",
                                             "PrimaryAddr": {"City": "Halifax"}}, "*")
    assert employee.role == "employee" and employee.fields.billing.city == "Halifax"


def test_create_bodies_add_prefix_and_stamp_the_profile() -> None:
    fields = ContactFields(name="Nadia Rahman", first_name="Nadia", email="n@example.com",
                           billing=Address(line1="1 Main St", city="Halifax"),
                           shipping=Address(line1="2 Side St"))
    customer = create_body("customer", fields, "p-9", "*")
    assert customer["DisplayName"] == "*Nadia Rahman"
    assert customer["Notes"] == "loftterm:p-9" and "AcctNum" not in customer
    assert customer["ShipAddr"] == {"Line1": "2 Side St"}
    assert customer["BillAddr"] == {"Line1": "1 Main St", "City": "Halifax"}
    assert "FamilyName" not in customer and "PrimaryPhone" not in customer
    vendor = create_body("vendor", fields, "p-9", "*")
    assert vendor["DisplayName"] == "Nadia Rahman" and vendor["AcctNum"] == "loftterm:p-9"
    assert "ShipAddr" not in vendor and "Notes" not in vendor


def test_sparse_update_sends_only_changed_fields() -> None:
    fields = ContactFields(name="Tom Baker", email="tom@new.example", phone="1")
    body = sparse_update_body("customer", fields, {"email", "name"}, "4", "2", "*")
    assert body == {"Id": "4", "SyncToken": "2", "sparse": True,
                    "DisplayName": "*Tom Baker", "PrimaryEmailAddr": {"Address": "tom@new.example"}}
    vendor = sparse_update_body("vendor", fields, {"shipping"}, "3", "0", "*")
    assert set(vendor) == {"Id", "SyncToken", "sparse"}  # vendors have no ShipAddr
    assert deactivate_body("3", "5") == {"Id": "3", "SyncToken": "5", "sparse": True, "Active": False}


def test_item_mapping() -> None:
    item = item_from_qbo({"Id": "2", "Name": "Desk Fee", "UnitPrice": Decimal("450.00"),
                          "Active": False, "Description": "Monthly"})
    assert (item.code, item.name, item.unit_price, item.active) == ("Desk Fee", "Desk Fee",
                                                                    Decimal("450.00"), False)
