"""The sandbox speaks API.md: checked with plain HTTP, no connector code."""

from collections.abc import Iterator

import httpx
import pytest

from connectors.sortscape.sandbox import ApiFault, seed


@pytest.fixture
def api(sandbox) -> Iterator[httpx.Client]:
    settings = sandbox.connector_settings()
    with httpx.Client(base_url=settings["api_url"],
                      headers={"Authorization": f"Bearer {settings['api_key']}"}) as client:
        yield client


def test_missing_key_is_401_with_the_error_body(sandbox):
    answer = httpx.get(sandbox.connector_settings()["api_url"] + "/contacts")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["error"]["code"] == "unauthorized"


def test_archived_contacts_are_listed_only_on_request(api):
    active = api.get("/contacts").json()
    everything = api.get("/contacts", params={"include_archived": "true"}).json()
    assert active["meta"]["total"] == 7 and everything["meta"]["total"] == 8
    assert active["meta"]["next_page"] is None and active["meta"]["server_time"].endswith("Z")


def test_bad_paging_and_times_are_422_naming_the_field(api):
    assert api.get("/contacts", params={"per_page": 501}).json()["error"]["field"] == "per_page"
    bad = api.get("/contacts", params={"updated_since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "updated_since"


def test_patch_refuses_properties_and_status(api):
    for body, field in (({"properties": []}, "properties"), ({"status": "archived"}, "status")):
        answer = api.patch(f"/contacts/{seed.TOM_B}", json=body)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field


def test_if_match_mismatch_is_412_with_the_current_version(api):
    answer = api.patch(f"/contacts/{seed.TOM_B}", json={"name": "T"}, headers={"If-Match": "1"})
    assert answer.status_code == 412
    assert answer.json()["error"] == {"code": "version_conflict", "current_version": 3,
                                      "message": "contact C-1002 is at version 3, not 1"}


def test_idempotency_replays_and_refuses_a_reused_key(api, sandbox):
    key = {"Idempotency-Key": "abc"}
    first = api.post("/contacts", json={"name": "Once Only"}, headers=key)
    again = api.post("/contacts", json={"name": "Once Only"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = api.post("/contacts", json={"name": "Someone Else"}, headers=key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert len([c for c in sandbox.contacts() if c["name"] == "Once Only"]) == 1


def test_a_refused_write_is_not_stored_for_replay(api, sandbox):
    key = {"Idempotency-Key": "arch-1"}
    assert api.post(f"/contacts/{seed.GREENLEAF}/archive", headers=key).status_code == 409
    sandbox.clear_blockers(seed.GREENLEAF)
    assert api.post(f"/contacts/{seed.GREENLEAF}/archive", headers=key).status_code == 200


def test_properties_and_jobs_endpoints(api, sandbox):
    added = api.post(f"/contacts/{seed.TOM_B}/properties",
                     json={"address": {"line1": "1 New St", "city": "Ryde"}})
    assert added.status_code == 201 and added.json()["source"] == "manual"
    props = api.get(f"/contacts/{seed.TOM_B}/properties").json()["data"]
    assert [p["address"]["line1"] for p in props] == ["22 Wattle Crescent", "1 New St"]
    jobs = api.get("/jobs", params={"contact_id": seed.GREENLEAF, "status": "pending"}).json()
    assert [j["id"] for j in jobs["data"]] == ["J-104"]


def test_user_archive_is_refused_while_work_is_open(sandbox):
    with pytest.raises(ApiFault) as err:
        sandbox.archive_contact(seed.GREENLEAF)
    assert err.value.extra == {"pending_jobs": ["J-104", "J-107"], "open_issues": ["J-105"]}
    sandbox.add_job(seed.PARKSIDE, "scheduled")
    assert sandbox.contact(seed.PARKSIDE)["counts"]["pending_jobs"] == 1
