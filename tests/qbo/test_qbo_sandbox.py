"""The sandbox's QBO rules, driven with plain HTTP (what the connector does not exercise)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.qbo.sandbox import QboSandbox


@pytest.fixture
def api(sandbox: QboSandbox) -> Iterator[httpx.Client]:
    token = httpx.post(sandbox.url + "/oauth2/v1/tokens/bearer", auth=("demo-client", "demo-secret"),
                       data={"grant_type": "refresh_token",
                             "refresh_token": sandbox.refresh_token}).json()["access_token"]
    with httpx.Client(base_url=f"{sandbox.url}/v3/company/{sandbox.realm_id}",
                      headers={"Authorization": f"Bearer {token}"},
                      params={"minorversion": "70"}) as client:
        yield client


def query(api: httpx.Client, text: str) -> dict[str, Any]:
    answer = api.get("/query", params={"query": text})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["QueryResponse"])


def fault_code(answer: httpx.Response) -> str:
    return str(answer.json()["Fault"]["Error"][0]["code"])


def test_name_lists_hide_inactive_records_unless_asked(api: httpx.Client) -> None:
    active = query(api, "select * from Vendor")
    every = query(api, "SELECT * FROM Vendor WHERE Active IN (true, false) MAXRESULTS 1000")
    assert len(every["Vendor"]) == len(active["Vendor"]) + 1
    assert query(api, "SELECT COUNT(*) FROM Customer WHERE Active = false") == {"totalCount": 2}
    found = query(api, "SELECT * FROM Vendor WHERE DisplayName = 'Siobhan O\\'Leary'")
    assert [v["Id"] for v in found["Vendor"]] == ["10"]
    like = query(api, "SELECT * FROM Customer WHERE DisplayName LIKE '*T%' ORDERBY DisplayName")
    assert [c["DisplayName"] for c in like["Customer"]] == ["*Thomas Baker"]
    assert query(api, "SELECT * FROM Invoice") == {}


def test_bad_queries_are_faults(api: httpx.Client) -> None:
    broken = api.get("/query", params={"query": "SELECT * FROM Vendor WHERE DisplayName = 'O'Leary'"})
    assert broken.status_code == 400 and fault_code(broken) == "4000"
    too_many = api.get("/query", params={"query": "SELECT * FROM Vendor MAXRESULTS 5000"})
    assert fault_code(too_many) == "4001"


def test_display_name_is_one_namespace_including_inactive(api: httpx.Client) -> None:
    for entity, name in (("vendor", "Marcus Whitfield"), ("customer", "jordan lee (deleted)"),
                         ("vendor", "*Greenleaf Property Management")):
        answer = api.post(f"/{entity}", json={"DisplayName": name})
        assert answer.status_code == 400 and fault_code(answer) == "6240", name
        assert "Another customer, vendor or employee" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert api.post("/vendor", json={"DisplayName": "Bad: Name"}).status_code == 400


def test_sparse_and_full_updates_and_synctokens(api: httpx.Client, sandbox: QboSandbox) -> None:
    created = api.post("/vendor", json={"DisplayName": "Olivia Grant", "GivenName": "Olivia",
                                        "ShipAddr": {"Line1": "x"}}).json()["Vendor"]
    assert created["SyncToken"] == "0" and "ShipAddr" not in created
    vid = created["Id"]
    sparse = api.post("/vendor", json={"Id": vid, "SyncToken": "0", "sparse": True,
                                       "FamilyName": "Grant"}).json()["Vendor"]
    assert (sparse["SyncToken"], sparse["GivenName"], sparse["FamilyName"]) == ("1", "Olivia", "Grant")
    stale = api.post("/vendor", json={"Id": vid, "SyncToken": "0", "sparse": True})
    assert fault_code(stale) == "5010"
    full = api.post("/vendor", json={"Id": vid, "SyncToken": "1", "DisplayName": "Olivia Grant"})
    assert full.json()["Vendor"]["SyncToken"] == "2"
    assert "GivenName" not in full.json()["Vendor"]  # a full update clears what it leaves out


def test_inactive_with_balance_is_refused(api: httpx.Client) -> None:
    answer = api.post("/customer", json={"Id": "2", "SyncToken": "0", "sparse": True,
                                         "Active": False})
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["Message"] == "Delete List Has Balance Error"


def test_requestid_replays_the_first_answer(api: httpx.Client, sandbox: QboSandbox) -> None:
    first = api.post("/vendor", params={"requestid": "r-1"}, json={"DisplayName": "Once Only"})
    second = api.post("/vendor", params={"requestid": "r-1"}, json={"DisplayName": "Once Only"})
    assert first.json()["Vendor"]["Id"] == second.json()["Vendor"]["Id"]
    assert len(sandbox.find("Vendor", "Once Only")) == 1


def test_batch_limits_and_per_item_faults(api: httpx.Client) -> None:
    items = [{"bId": f"b{n}", "operation": "create", "Vendor": {"DisplayName": f"V {n}"}}
             for n in range(31)]
    assert fault_code(api.post("/batch", json={"BatchItemRequest": items})) == "1040"
    answer = api.post("/batch", json={"BatchItemRequest": [
        {"bId": "a", "operation": "create", "Vendor": {"DisplayName": "Thomas Baker"}},
        {"bId": "b", "operation": "create", "Customer": {"DisplayName": "*New Person"}},
        {"bId": "q", "Query": "SELECT * FROM Employee WHERE DisplayName = 'Marcus Whitfield'"},
    ]}).json()["BatchItemResponse"]
    by_bid = {a["bId"]: a for a in answer}
    assert by_bid["a"]["Fault"]["Error"][0]["code"] == "6240"
    assert by_bid["b"]["Customer"]["DisplayName"] == "*New Person"
    assert by_bid["q"]["QueryResponse"]["Employee"][0]["Id"] == "12"


def test_cdc_window_and_auth(api: httpx.Client, sandbox: QboSandbox) -> None:
    old = api.get("/cdc", params={"entities": "Customer", "changedSince": "2024-01-01T00:00:00Z"})
    assert old.status_code == 400
    unauthenticated = httpx.get(f"{sandbox.url}/v3/company/{sandbox.realm_id}/query",
                                params={"query": "SELECT * FROM Vendor"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["Fault"]["type"] == "AuthenticationFault"


def bill_body(account: dict[str, Any] | None, number: str = "") -> dict[str, Any]:
    detail = {"AccountRef": account} if account is not None else {}
    body: dict[str, Any] = {"VendorRef": {"value": "3"}, "Line": [
        {"Amount": 10, "DetailType": "AccountBasedExpenseLineDetail",
         "AccountBasedExpenseLineDetail": detail}]}
    if number:
        body["DocNumber"] = number
    return body


def test_references_must_name_existing_active_records(api: httpx.Client,
                                                      sandbox: QboSandbox) -> None:
    missing = api.post("/bill", json=bill_body({"value": "310"}))  # a number, not an Id
    assert missing.status_code == 400 and fault_code(missing) == "2500"
    error = missing.json()["Fault"]["Error"][0]
    assert error["Message"] == "Invalid Reference Id"
    assert "AccountRef" in error["element"]
    assert fault_code(api.post("/bill", json=bill_body(None))) == "2020"
    assert fault_code(api.post("/bill", json=bill_body({"value": "62"}))) == "610"  # inactive
    item_line = {"Amount": 5, "DetailType": "ItemBasedExpenseLineDetail",
                 "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "99"}}}
    assert fault_code(api.post("/bill", json={"VendorRef": {"value": "3"},
                                              "Line": [item_line]})) == "2500"
    assert fault_code(api.post("/bill", json={**bill_body({"value": "41"}),
                                              "VendorRef": {"value": "999"}})) == "2500"
    assert api.post("/bill", json=bill_body({"value": "41"})).status_code == 200
    assert sandbox.count("Bill") == 1


def test_duplicate_doc_numbers_refused_only_when_switched_on(api: httpx.Client,
                                                             sandbox: QboSandbox) -> None:
    assert api.post("/bill", json=bill_body({"value": "41"}, "D-1")).status_code == 200
    assert api.post("/bill", json=bill_body({"value": "41"}, "D-1")).status_code == 200
    sandbox.refuse_duplicate_doc_numbers()
    assert fault_code(api.post("/bill", json=bill_body({"value": "41"}, "D-1"))) == "6140"
    allowed = api.post("/bill", params={"include": "allowduplicatedocnum"},
                       json=bill_body({"value": "41"}, "D-1"))
    assert allowed.status_code == 200
    assert api.post("/bill", json=bill_body({"value": "41"}, "D-2")).status_code == 200


def test_accounts_and_item_skus(api: httpx.Client) -> None:
    items = query(api, "SELECT *, Sku FROM Item WHERE Active IN (true, false)")["Item"]
    assert {i["Name"]: i["Sku"] for i in items}["Desk Fee"] == "DESK"
    assert query(api, "SELECT * FROM Item")["Item"][0]["Sku"]  # SELECT * answers Sku too
    accounts = query(api, "SELECT * FROM Account WHERE AcctNum = '310'")["Account"]
    assert [(a["Id"], a["Name"], a["AccountType"]) for a in accounts] == [
        ("41", "Agent Commissions", "Cost of Goods Sold")]
    assert query(api, "SELECT COUNT(*) FROM Account WHERE Active = false") == {"totalCount": 1}
    bad = api.get("/query", params={"query": "SELECT *, 'x' FROM Item"})
    assert fault_code(bad) == "4000"


def test_making_a_name_inactive_renames_it_deleted(api: httpx.Client,
                                                   sandbox: QboSandbox) -> None:
    def deactivate(rid: str) -> dict[str, Any]:
        token = sandbox.record("Vendor", rid)["SyncToken"]  # type: ignore[index]
        answer = api.post("/vendor", json={"Id": rid, "SyncToken": token, "sparse": True,
                                           "Active": False})
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["Vendor"])

    assert deactivate("8")["DisplayName"] == "Jordan Lee (deleted-1)"  # (deleted) is 9's
    assert deactivate("23")["DisplayName"] == "Chloe Martin (deleted)"
    again = api.post("/vendor", json={"DisplayName": "Chloe Martin"})  # the name is free again
    assert again.status_code == 200, again.text
