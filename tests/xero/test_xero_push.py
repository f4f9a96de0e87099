from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from connectors.xero import plugin
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox import seed as seeds
from loftterm.api import (
    Address,
    ArchiveRequest,
    CallStats,
    ConnectorContext,
    ContactFields,
    PushRequest,
    RemoteError,
)

MakeCtx = Callable[..., tuple[ConnectorContext, CallStats]]

MARCUS = ContactFields(name="Marcus Whitfield", first_name="Marcus", last_name="Whitfield",
                       email="marcus.whitfield@example.com", phone="0400 555 101",
                       shipping=Address(line1="5 Ocean St", city="Bondi", region="NSW",
                                        postal_code="2026", country="Australia"))


def create(profile_id: str, fields: ContactFields, key: str = "") -> PushRequest:
    return PushRequest("create", profile_id, "contact", fields,
                       idempotency_key=key or f"create-{profile_id}")


def test_creates_in_one_batch_with_a_per_item_error(sandbox: XeroSandbox,
                                                    make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    before = len(sandbox.contacts)
    outcomes = plugin.loftterm_connector_push(ctx, [
        create("P100", MARCUS),
        create("P101", ContactFields(name="Thomas Baker", email="other@example.com")),
    ])
    by_profile = {o.profile_id: o for o in outcomes}
    made = by_profile["P100"]
    assert made.status == "created" and made.remote is not None
    assert made.remote.external_key == "P100"
    assert made.remote.fields.phone == "0400 555 101"
    assert made.remote.fields.shipping.city == "Bondi"
    stored = sandbox.contacts[made.remote.remote_id]
    assert stored["ContactNumber"] == "P100" and stored["Name"] == "Marcus Whitfield"
    failed = by_profile["P101"]
    assert failed.status == "failed" and failed.remote is None
    assert failed.reason == ("The contact name Thomas Baker is already assigned to another "
                             "contact. The contact name must be unique across all active "
                             "contacts.")
    assert len(sandbox.contacts) == before + 1
    puts = sandbox.calls("PUT", r"/Contacts$")
    assert len(puts) == 1 and not sandbox.calls("POST", r"/Contacts")
    assert puts[0].arg("summarizeErrors") == "false"
    assert 0 < len(puts[0].header("idempotency-key")) <= 128


def test_batches_follow_batch_size(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(batch_size=2)
    requests = [create(f"P2{i:02d}", ContactFields(name=f"Batch Person {i}")) for i in range(5)]
    outcomes = plugin.loftterm_connector_push(ctx, requests)
    assert [o.status for o in outcomes] == ["created"] * 5
    assert [len(json.loads(r.body)["Contacts"]) for r in sandbox.calls("PUT", r"/Contacts$")] \
        == [2, 2, 1]


def test_update_sends_only_changed_fields(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    before = dict(sandbox.contacts[seeds.WEI_ZHANG_ID])
    fields = ContactFields(name="Wei Zhang", first_name="Wei", last_name="Zhang",
                           email="wei.zhang@newmail.example")
    [outcome] = plugin.loftterm_connector_push(ctx, [PushRequest(
        "update", "P009", "contact", fields, frozenset({"email"}), seeds.WEI_ZHANG_ID,
        idempotency_key="upd-1")])
    assert outcome.status == "updated" and outcome.remote is not None
    assert outcome.remote.email == "wei.zhang@newmail.example"
    [post] = sandbox.calls("POST", r"/Contacts$")
    assert json.loads(post.body) == {"Contacts": [{"ContactID": seeds.WEI_ZHANG_ID,
                                                   "EmailAddress": "wei.zhang@newmail.example"}]}
    after = sandbox.contacts[seeds.WEI_ZHANG_ID]
    assert after["Phones"] == before["Phones"] and after["Addresses"] == before["Addresses"]
    assert after["UpdatedDateUTC"] != before["UpdatedDateUTC"]
    assert outcome.remote.fields.phone == "61 3 9555 2871"  # untouched fields survive


def test_update_to_a_taken_name_fails_per_record(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    [outcome] = plugin.loftterm_connector_push(ctx, [PushRequest(
        "update", "P006", "contact", ContactFields(name="Daniel Okafor"),
        frozenset({"name"}), seeds.DANIEL_OKAFOR_DOT_ID, idempotency_key="upd-2")])
    assert outcome.status == "failed" and "Daniel Okafor is already assigned" in outcome.reason
    assert sandbox.contacts[seeds.DANIEL_OKAFOR_DOT_ID]["Name"] == "Daniel Okafor."


def test_retried_batch_is_replayed_not_created_twice(sandbox: XeroSandbox,
                                                      make_ctx: MakeCtx) -> None:
    request = create("P300", MARCUS, key="run-7/P300")
    first_ctx, _ = make_ctx()
    [first] = plugin.loftterm_connector_push(first_ctx, [request])
    again_ctx, _ = make_ctx()  # a new run after a crash, same intent
    [again] = plugin.loftterm_connector_push(again_ctx, [request])
    assert first.status == again.status == "created"
    assert first.remote is not None and again.remote is not None
    assert again.remote.remote_id == first.remote.remote_id
    puts = sandbox.calls("PUT", r"/Contacts$")
    assert len(puts) == 2 and puts[0].header("idempotency-key") == puts[1].header("idempotency-key")
    assert [c["Name"] for c in sandbox.contacts.values()].count("Marcus Whitfield") == 1


def test_archive(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    outcomes = plugin.loftterm_connector_archive(ctx, [
        ArchiveRequest("P006", "contact", seeds.DANIEL_OKAFOR_DOT_ID, "duplicate"),
        ArchiveRequest("P404", "contact", "00000000-0000-4000-8000-0000000000aa", "gone"),
    ])
    assert [o.status for o in outcomes] == ["archived", "failed"]
    assert outcomes[0].remote is not None and outcomes[0].remote.status == "archived"
    assert "could not be found" in outcomes[1].reason
    assert sandbox.contacts[seeds.DANIEL_OKAFOR_DOT_ID]["ContactStatus"] == "ARCHIVED"
    [post] = sandbox.calls("POST", r"/Contacts$")
    assert json.loads(post.body)["Contacts"][0] == {"ContactID": seeds.DANIEL_OKAFOR_DOT_ID,
                                                    "ContactStatus": "ARCHIVED"}


def test_dry_run_never_writes(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(dry_run=True)
    with pytest.raises(RemoteError, match="dry run"):
        plugin.loftterm_connector_push(ctx, [create("P400", MARCUS)])
    assert not sandbox.calls("PUT") and not sandbox.calls("POST", r"/api\.xro/")
