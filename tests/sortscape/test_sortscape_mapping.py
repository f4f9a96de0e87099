from decimal import Decimal

from connectors.sortscape.mapping import (
    contact_from_wire,
    create_body,
    material_body,
    material_from_wire,
    patch_body,
)
from connectors.sortscape.plugin import blocking_reason
from loftterm.api import Address, ContactFields, RemoteItem

WIRE = {
    "id": "C-77", "name": "Harbour Realty Ltd", "first_name": "Ann", "last_name": "Lee",
    "email": "frontdesk@harbour.example", "phone": "+61 2 9555 0110",
    "company_name": "Harbour Realty Ltd", "status": "archived", "external_ref": "prof-9",
    "updated_at": "2025-03-03T22:15:00Z", "version": 4,
    "properties": [{"id": "P-1", "source": "shipping", "status": "archived",
                    "address": {"line1": "17 Bay Road", "line2": "", "city": "Waverton",
                                "region": "NSW", "postal_code": "2060", "country": "Australia"}}],
    "counts": {"pending_jobs": 2, "open_issues": 1},
}

SHIP = Address(line1="9 Ocean St", line3="Rear gate", city="Bondi", postal_code="2026")
BILL = Address(line1="PO Box 12", city="Sydney", postal_code="2001")


def test_contact_from_wire_maps_fields_status_and_extras():
    remote = contact_from_wire(WIRE)
    assert remote.remote_id == "C-77" and remote.role == "contact"
    assert remote.fields == ContactFields(
        name="Harbour Realty Ltd", first_name="Ann", last_name="Lee",
        email="frontdesk@harbour.example", phone="+61 2 9555 0110", company="Harbour Realty Ltd")
    assert remote.fields.billing.is_empty() and remote.fields.shipping.is_empty()
    assert (remote.status, remote.version, remote.external_key) == ("archived", "4", "prof-9")
    assert remote.updated == "2025-03-03T22:15:00Z"
    assert remote.extra["display_name"] == "Harbour Realty Ltd"
    assert remote.extra["pending_jobs"] == 2 and remote.extra["open_issues"] == 1
    (prop,) = remote.extra["properties"]
    assert prop["id"] == "P-1" and prop["source"] == "shipping"
    assert prop["address"]["city"] == "Waverton" and prop["address"]["line4"] == ""


def test_contact_from_wire_tolerates_nulls_and_missing_counts():
    remote = contact_from_wire({"id": 5, "name": None, "email": None, "external_ref": None,
                                "status": "active", "counts": {"pending_jobs": "x"}})
    assert remote.remote_id == "5" and remote.name == "" and remote.external_key == ""
    assert remote.status == "active"
    assert remote.extra["pending_jobs"] == 0 and remote.extra["properties"] == []


def test_create_body_takes_the_shipping_address_first():
    fields = ContactFields(name="Wei Zhang", email="wei.zhang@example.org", company="",
                           billing=BILL, shipping=SHIP)
    body = create_body(fields, external_ref="prof-1")
    assert body["name"] == "Wei Zhang" and body["external_ref"] == "prof-1"
    assert "company_name" not in body  # empty values are not sent
    (prop,) = body["properties"]
    assert prop["source"] == "shipping"
    assert prop["address"]["line1"] == "9 Ocean St"
    assert prop["address"]["line2"] == "Rear gate"  # lines 3-4 fold into line2


def test_create_body_falls_back_to_billing_then_to_no_property():
    with_billing = create_body(ContactFields(name="A", billing=BILL), external_ref="p")
    assert [p["source"] for p in with_billing["properties"]] == ["billing"]
    assert with_billing["properties"][0]["address"]["postal_code"] == "2001"
    assert create_body(ContactFields(name="B"), external_ref="p")["properties"] == []


def test_patch_body_sends_only_changed_synced_fields():
    fields = ContactFields(name="Tom Baker", email="tom@example.com", phone="+61 2 9555 0101",
                           company="Baker & Co", shipping=SHIP)
    assert patch_body(fields, frozenset({"email", "company"})) == {
        "email": "tom@example.com", "company_name": "Baker & Co"}
    assert patch_body(fields, frozenset({"shipping", "billing"})) == {}
    everything = patch_body(fields, frozenset())
    assert set(everything) == {"name", "first_name", "last_name", "email", "phone", "company_name"}
    assert "properties" not in everything


def test_materials_map_both_ways():
    item = material_from_wire({"id": "M-9", "name": "Hedge trimming", "code": None,
                               "unit_price": "65.5", "status": "archived",
                               "updated_at": "2025-01-06T00:00:00Z"})
    assert item == RemoteItem("M-9", "", "Hedge trimming", "", Decimal("65.5"), False,
                              "2025-01-06T00:00:00Z")
    body = material_body(RemoteItem("", "MOW-H", "Lawn mowing (per hour)", "Mowing",
                                    Decimal("55.00")))
    assert body == {"name": "Lawn mowing (per hour)", "code": "MOW-H", "description": "Mowing",
                    "unit_price": "55.00", "linked_product_id": "MOW-H"}
    assert material_body(RemoteItem("", "", "Weeding", unit_price=Decimal("1")))[
        "linked_product_id"] == "Weeding"


def test_blocking_reason_names_the_jobs():
    assert blocking_reason(["J-104", "J-107"], ["J-105"]) == (
        "2 pending jobs (J-104, J-107) and 1 open issue (J-105)")
    assert blocking_reason([], ["J-1", "J-2"]) == "2 open issues (J-1, J-2)"
