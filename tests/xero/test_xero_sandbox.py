"""The sandbox's own Xero behaviour, over raw HTTP."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox import seed as seeds


@pytest.fixture
def api(sandbox: XeroSandbox) -> Iterator[httpx.Client]:
    settings = sandbox.connector_settings()
    with httpx.Client(base_url=settings["api_url"]) as client:
        token = client.post(settings["token_url"], auth=("demo-client", "demo-secret"),
                            data={"grant_type": "client_credentials"}).json()["access_token"]
        client.headers.update({"Authorization": f"Bearer {token}",
                               "xero-tenant-id": settings["tenant_id"]})
        yield client


def names(answer: httpx.Response) -> list[str]:
    return [c["Name"] for c in answer.json()["Contacts"]]


def test_envelope_pagination_and_limit_headers(api: httpx.Client) -> None:
    answer = api.get("/Contacts", params={"page": 2, "pageSize": 10, "includeArchived": "true"})
    body = answer.json()
    assert body["Status"] == "OK" and body["DateTimeUTC"].startswith("/Date(")
    assert body["pagination"] == {"page": 2, "pageSize": 10, "pageCount": 3,
                                  "itemCount": len(seeds.SEEDS)}
    assert len(body["Contacts"]) == 10
    for header in ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining"):
        assert int(answer.headers[header]) >= 0


def test_archived_only_with_include_archived(api: httpx.Client) -> None:
    default = names(api.get("/Contacts", params={"page": 1}))
    assert "Greenleaf Property Management" not in default and "Wei Zhang" in default
    everything = names(api.get("/Contacts", params={"page": 1, "includeArchived": "true"}))
    assert "Greenleaf Property Management" in everything


def test_page_size_above_1000_is_refused(api: httpx.Client) -> None:
    answer = api.get("/Contacts", params={"page": 1, "pageSize": 1001})
    assert answer.status_code == 400 and "1000" in answer.json()["Message"]


def test_where_ids_and_by_id(api: httpx.Client) -> None:
    assert names(api.get("/Contacts", params={
        "where": 'EmailAddress=="JORDAN.LEE@example.net"', "includeArchived": "true"})) == [
        "Jordan Lee", "Jordan Lee (old)"]
    assert names(api.get("/Contacts", params={"where": 'Name=="Daniel Okafor."'})) == [
        "Daniel Okafor."]
    ids = f"{seeds.WEI_ZHANG_ID},{seeds.THOMAS_BAKER_ID}"
    assert sorted(names(api.get("/Contacts", params={"IDs": ids}))) == ["Thomas Baker",
                                                                       "Wei Zhang"]
    merged = api.get(f"/Contacts/{seeds.M_PATEL_MERGED_ID}").json()["Contacts"][0]
    assert merged["MergedToContactID"] == seeds.MEERA_PATEL_ID
    assert api.get("/Contacts/" + seeds.STALE_ELENA_GARCIA_ID).status_code == 404
    assert api.get("/Contacts", params={"where": 'Name=="x'}).status_code == 400


def test_contact_number_lookup_and_uniqueness(api: httpx.Client) -> None:
    created = api.put("/Contacts", json={"Contacts": [{"Name": "New One",
                                                       "ContactNumber": "P777"}]})
    assert created.status_code == 200
    found = api.get("/Contacts", params={"where": 'ContactNumber=="P777"'})
    assert names(found) == ["New One"]
    assert api.get("/Contacts/P777").json()["Contacts"][0]["Name"] == "New One"
    clash = api.put("/Contacts", params={"summarizeErrors": "false"},
                    json={"Contacts": [{"Name": "Another", "ContactNumber": "P777"}]})
    element = clash.json()["Contacts"][0]
    assert element["StatusAttributeString"] == "ERROR"
    assert "P777 is already assigned" in element["ValidationErrors"][0]["Message"]


def test_summarized_errors_answer_400_but_save_the_good_ones(sandbox: XeroSandbox,
                                                              api: httpx.Client) -> None:
    answer = api.post("/Contacts", json={"Contacts": [{"Name": "Fresh Contact"},
                                                      {"Name": "Wei Zhang"}]})
    body = answer.json()
    assert answer.status_code == 400
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert [e["Name"] for e in body["Elements"]] == ["Wei Zhang"]
    assert body["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "The contact name Wei Zhang is already assigned")
    assert sandbox.contact_by_name("Fresh Contact") is not None


def test_archived_names_do_not_block_but_restoring_a_clash_does(api: httpx.Client) -> None:
    made = api.put("/Contacts", params={"summarizeErrors": "false"},
                   json={"Contacts": [{"Name": "Greenleaf Property Management"}]})
    assert made.json()["Contacts"][0]["StatusAttributeString"] == "OK"
    restore = api.post(f"/Contacts/{seeds.GREENLEAF_ID}", params={"summarizeErrors": "false"},
                       json={"Contacts": [{"ContactStatus": "ACTIVE"}]})
    assert restore.json()["Contacts"][0]["StatusAttributeString"] == "ERROR"


def test_idempotency_replay_and_reuse(sandbox: XeroSandbox, api: httpx.Client) -> None:
    body = {"Contacts": [{"Name": "Idem Potent"}]}
    headers = {"Idempotency-Key": "key-1"}
    first = api.put("/Contacts", json=body, headers=headers)
    second = api.put("/Contacts", json=body, headers=headers)
    assert first.json()["Contacts"][0]["ContactID"] == second.json()["Contacts"][0]["ContactID"]
    assert [c["Name"] for c in sandbox.contacts.values()].count("Idem Potent") == 1
    other = api.put("/Contacts", json={"Contacts": [{"Name": "Else"}]}, headers=headers)
    assert other.status_code == 400 and "different request" in other.json()["Detail"]
    start = time.time()
    sandbox.clock = lambda: start + 400  # Xero forgets keys after 6 minutes
    expired = api.put("/Contacts", json=body, headers=headers)
    assert expired.status_code == 400  # really applied again: the name is taken now
    assert "already assigned" in expired.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    assert api.put("/Contacts", json=body, headers={"Idempotency-Key": "k" * 129}).status_code \
        == 400


def test_missing_or_expired_token_is_401_token_expired(sandbox: XeroSandbox,
                                                      api: httpx.Client) -> None:
    assert api.get("/Contacts").status_code == 200
    sandbox.expire_token()
    answer = api.get("/Contacts")
    assert answer.status_code == 401
    assert answer.json()["Title"] == "Unauthorized"
    assert answer.json()["Detail"].startswith("TokenExpired: token expired at ")
    with httpx.Client() as bare:
        assert bare.get(sandbox.url + "/connections").status_code == 401


def test_wrong_tenant_is_403(api: httpx.Client) -> None:
    assert api.get("/Contacts", headers={"xero-tenant-id": "other"}).status_code == 403


def test_if_modified_since_filters(sandbox: XeroSandbox, api: httpx.Client) -> None:
    recent = api.get("/Contacts", headers={"If-Modified-Since": "2025-04-01T00:00:00"},
                     params={"includeArchived": "true"})
    assert sorted(names(recent)) == ["Jordan Lee", "Pinnacle Strata Management",
                                     "Rahman & Co Realty"]


def test_documents_keep_reference_for_accrec_only(api: httpx.Client) -> None:
    answer = api.put("/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [
        {"Type": "ACCPAY", "Contact": {"ContactID": seeds.HARBOUR_REALTY_ID},
         "Reference": "ignored", "InvoiceNumber": "B-1",
         "LineItems": [{"Description": "x", "Quantity": 2, "UnitAmount": 10.25}]},
        {"Type": "ACCREC", "Contact": {"ContactID": seeds.WEI_ZHANG_ID}, "Reference": "R-1"},
    ]}).json()["Invoices"]
    assert "Reference" not in answer[0] and answer[0]["Total"] == 20.5
    assert answer[1]["Reference"] == "R-1" and answer[1]["InvoiceNumber"] == "INV-0002"
    found = api.get("/Invoices", params={"where": 'Reference=="R-1"'}).json()["Invoices"]
    assert [d["InvoiceID"] for d in found] == [answer[1]["InvoiceID"]]


def test_authorised_bill_moves_the_balance_without_touching_updated(sandbox: XeroSandbox,
                                                                    api: httpx.Client) -> None:
    before = dict(sandbox.contacts[seeds.BRIGHTLINE_ID])
    api.put("/Invoices", json={"Invoices": [
        {"Type": "ACCPAY", "Status": "AUTHORISED", "Contact": {"ContactID": seeds.BRIGHTLINE_ID},
         "LineItems": [{"Description": "Signs", "UnitAmount": 99.5}]}]})
    after = sandbox.contacts[seeds.BRIGHTLINE_ID]
    assert after["Balances"]["AccountsPayable"]["Outstanding"] == 2199.5
    assert after["UpdatedDateUTC"] == before["UpdatedDateUTC"]


def test_generated_contacts_are_deterministic_and_unique() -> None:
    one = XeroSandbox(seed=False, contacts=3000)
    two = XeroSandbox(seed=False, contacts=3000)
    assert list(one.contacts) == list(two.contacts)
    records = list(one.contacts.values())
    active = [r["Name"].lower() for r in records if r["ContactStatus"] == "ACTIVE"]
    assert len(active) == len(set(active))
    customers = sum(r["IsCustomer"] for r in records) / len(records)
    suppliers = sum(r["IsSupplier"] for r in records) / len(records)
    archived = sum(r["ContactStatus"] == "ARCHIVED" for r in records)
    assert 0.15 < customers < 0.25 and 0.15 < suppliers < 0.25 and archived > 50


def test_seed_names_are_unique_among_active_contacts() -> None:
    active = [s.name.lower() for s in seeds.SEEDS if s.status == "ACTIVE"]
    assert len(active) == len(set(active))
    assert "marcus whitfield" not in active and "elena garcia" not in active
    box = XeroSandbox(seed=True, contacts=500)
    assert len(box.contacts) == len(seeds.SEEDS) + 500


def test_module_serves_and_prints_the_config_section() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.xero.sandbox", "--port", "0", "--contacts", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a test run started in the background ignores SIGINT, and a child inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(12)]
        section: Any = yaml.safe_load("".join(lines))
        settings = section["connectors"]["xero"]
        assert settings["client_id"] == "demo-client" and settings["enabled"] is True
        with httpx.Client() as client:
            answer = client.post(settings["token_url"], auth=("demo-client", "demo-secret"),
                                 data={"grant_type": "client_credentials"})
            assert answer.status_code == 200 and json.loads(answer.text)["access_token"]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in err
