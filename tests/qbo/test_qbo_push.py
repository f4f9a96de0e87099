"""Creating and updating Vendors and ``*`` Customers over loopback."""

from __future__ import annotations

import json
from collections.abc import Callable

from connectors.qbo import plugin
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import ContactFields, PushRequest, RecordOutcome

from .conftest import Run

NADIA = ContactFields(name="Nadia Rahman", first_name="Nadia", last_name="Rahman",
                      email="nadia@example.com")


def push(run: Run, *requests: PushRequest) -> list[RecordOutcome]:
    return plugin.loftterm_connector_push(ctx=run.ctx, requests=list(requests))


def sent(sandbox: QboSandbox, method: str, path: str) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in sandbox.calls(method, path)]


def test_new_profile_gets_a_vendor_and_a_star_customer_in_one_batch(run: Run,
                                                                    sandbox: QboSandbox) -> None:
    outcomes = push(run,
                    PushRequest("create", "p-1", "vendor", NADIA, idempotency_key="k-v"),
                    PushRequest("create", "p-1", "customer", NADIA, idempotency_key="k-c"))
    assert [o.status for o in outcomes] == ["created", "created"]
    vendor, customer = (o.remote for o in outcomes)
    assert vendor is not None and customer is not None
    assert (vendor.role, vendor.name, vendor.external_key) == ("vendor", "Nadia Rahman", "p-1")
    assert (customer.role, customer.name) == ("customer", "Nadia Rahman")
    assert customer.extra["display_name"] == "*Nadia Rahman" and customer.external_key == "p-1"
    assert len(sandbox.calls("POST", r"/batch$")) == 1
    assert not sandbox.calls("POST", r"/(vendor|customer)$")
    batch = sandbox.calls("POST", r"/batch$")[0]
    assert len(batch.arg("requestid")) <= 36
    stored = sandbox.find("Customer", "*Nadia Rahman")[0]
    assert stored["Notes"] == "loftterm:p-1"
    assert sandbox.find("Vendor", "Nadia Rahman")[0]["AcctNum"] == "loftterm:p-1"


def test_single_write_posts_to_the_entity(run: Run, sandbox: QboSandbox) -> None:
    [outcome] = push(run, PushRequest("create", "p-2", "vendor", NADIA, idempotency_key="k1"))
    assert outcome.status == "created"
    [call] = sandbox.calls("POST", r"/vendor$")
    assert call.arg("requestid") and call.arg("minorversion") == "75"
    assert not sandbox.calls("POST", r"/batch$")


def test_writes_are_split_into_batches_of_batch_size(make_run: Callable[..., Run],
                                                     sandbox: QboSandbox) -> None:
    run = make_run(batch_size=2)
    requests = [PushRequest("create", f"p-{n}", "vendor", ContactFields(name=f"Agent {n}"),
                            idempotency_key=f"k-{n}") for n in range(5)]
    outcomes = push(run, *requests)
    assert [o.status for o in outcomes] == ["created"] * 5
    assert len(sandbox.calls("POST", r"/batch$")) == 2
    assert len(sandbox.calls("POST", r"/vendor$")) == 1


def test_sparse_update_sends_only_changed_fields_and_the_synctoken(run: Run,
                                                                   sandbox: QboSandbox) -> None:
    fields = ContactFields(name="Thomas Baker", email="thomas.baker@new.example")
    [outcome] = push(run, PushRequest("update", "p-3", "vendor", fields, frozenset({"email"}),
                                      "3", "0", "k-upd"))
    assert outcome.status == "updated" and outcome.remote is not None
    assert outcome.remote.version == "1"
    [body] = sent(sandbox, "POST", r"/vendor$")
    assert body == {"Id": "3", "SyncToken": "0", "sparse": True,
                    "PrimaryEmailAddr": {"Address": "thomas.baker@new.example"}}
    stored = sandbox.record("Vendor", "3")
    assert stored is not None
    assert stored["PrimaryEmailAddr"]["Address"] == "thomas.baker@new.example"
    assert stored["GivenName"] == "Thomas" and stored["PrimaryPhone"]  # untouched by sparse


def test_stale_synctoken_is_reread_and_retried_once(run: Run, sandbox: QboSandbox) -> None:
    sandbox.stale_next_write()
    fields = ContactFields(name="Siobhan O'Leary", email="siobhan@new.example")
    [outcome] = push(run, PushRequest("update", "p-4", "customer", fields, frozenset({"email"}),
                                      "11", "0", "k-stale"))
    assert outcome.status == "updated", outcome.reason
    assert len(sandbox.calls("GET", r"/customer/11$")) == 1
    posts = sent(sandbox, "POST", r"/customer$")
    assert [p["SyncToken"] for p in posts] == ["0", "1"]
    requestids = [r.arg("requestid") for r in sandbox.calls("POST", r"/customer$")]
    assert requestids[0] != requestids[1]
    assert sandbox.record("Customer", "11")["SyncToken"] == "2"  # type: ignore[index]


def test_stale_twice_fails_with_a_reason(run: Run, sandbox: QboSandbox) -> None:
    sandbox.stale_next_write(times=2)
    fields = ContactFields(name="Liam Chen", email="liam@new.example")
    [outcome] = push(run, PushRequest("update", "p-5", "vendor", fields, frozenset({"email"}),
                                      "6", "0", "k-stale2"))
    assert outcome.status == "failed" and "5010" in outcome.reason
    assert len(sandbox.calls("POST", r"/vendor$")) == 2


def test_name_clash_is_reported_per_record_naming_the_holder(run: Run,
                                                             sandbox: QboSandbox) -> None:
    outcomes = push(
        run,
        PushRequest("create", "p-6", "vendor", ContactFields(name="Marcus Whitfield"),
                    idempotency_key="k-m"),
        PushRequest("create", "p-7", "customer",
                    ContactFields(name="Greenleaf Property Management"), idempotency_key="k-g"),
        PushRequest("create", "p-8", "vendor", ContactFields(name="Olivia Grant"),
                    idempotency_key="k-o"),
    )
    marcus, greenleaf, olivia = outcomes
    assert marcus.status == "failed"
    assert "'Marcus Whitfield' already used by an employee (Id 12)" in marcus.reason
    assert greenleaf.status == "failed"
    assert "'*Greenleaf Property Management' already used by a customer (Id 13, inactive)" in (
        greenleaf.reason)
    assert olivia.status == "created"
    assert sandbox.find("Vendor", "Marcus Whitfield") == []


def test_a_retried_write_with_the_same_requestid_does_not_duplicate(run: Run,
                                                                    sandbox: QboSandbox) -> None:
    vendors = sandbox.count("Vendor")
    sandbox.fail_after_write()  # the create happens, its answer is lost (503)
    request = PushRequest("create", "p-9", "vendor", NADIA, idempotency_key="k-lost")
    [first] = push(run, request)
    assert first.status == "created" and first.remote is not None
    assert len(sandbox.calls("POST", r"/vendor$")) == 2  # the transport retried once
    assert run.stats.by_status.get(503) == 1 and run.stats.retries == 1
    [again] = push(run, request)  # a later run repeats the same intent
    assert again.status == "created" and again.remote is not None
    assert again.remote.remote_id == first.remote.remote_id
    assert sandbox.count("Vendor") == vendors + 1


def test_update_without_a_version_reads_the_synctoken_first(run: Run,
                                                            sandbox: QboSandbox) -> None:
    sandbox.edit("Vendor", "21", CompanyName="Patel Realty")  # SyncToken 1 now
    fields = ContactFields(name="Dev Patel", phone="902-555-0199")
    [outcome] = push(run, PushRequest("update", "p-10", "vendor", fields, frozenset({"phone"}),
                                      "21", "", "k-nov"))
    assert outcome.status == "updated"
    assert sent(sandbox, "POST", r"/vendor$")[0]["SyncToken"] == "1"


def test_bad_role_and_missing_remote_id_fail_without_a_call(run: Run,
                                                            sandbox: QboSandbox) -> None:
    outcomes = push(run, PushRequest("create", "p-11", "contact", NADIA),
                    PushRequest("update", "p-12", "vendor", NADIA, frozenset({"email"})))
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert not sandbox.calls("POST")


def test_a_create_that_lost_its_answer_is_recovered_by_its_stamp(make_run: Callable[..., Run],
                                                                 sandbox: QboSandbox) -> None:
    run = make_run()
    vendors = sandbox.count("Vendor")
    [first] = push(run, PushRequest("create", "p-13", "vendor", NADIA, idempotency_key="k-a"))
    # a later run asks again under another key (so no requestid replay): the name clashes with
    # the record stamped with the same profile id, which is that profile's record
    [again] = push(run, PushRequest("create", "p-13", "vendor", NADIA, idempotency_key="k-b"))
    assert again.status == "created" and again.remote is not None and first.remote is not None
    assert again.remote.remote_id == first.remote.remote_id
    [other] = push(run, PushRequest("create", "p-14", "vendor", NADIA, idempotency_key="k-c"))
    assert other.status == "failed" and "already used by a vendor" in other.reason
    assert sandbox.count("Vendor") == vendors + 1
