"""Items, documents, tenants, consent and the plugin as the host loads it."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from connectors.xero import plugin
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox import seed as seeds
from loftterm.api import (
    CallStats,
    ConnectorContext,
    DocumentLine,
    DocumentRequest,
    PullRequest,
    RemoteError,
    RemoteItem,
    Tenant,
)
from loftterm.http.tokens import MemoryTokens
from loftterm.plugins import ConnectorHooks, make_plugin_manager

MakeCtx = Callable[..., tuple[ConnectorContext, CallStats]]


def test_pull_items(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    items = {i.code: i for i in plugin.loftterm_connector_pull_items(ctx)}
    assert set(items) == {"COMM", "MKTG", "PHOTO", "SIGN"}
    assert items["MKTG"].unit_price == Decimal("450.0")
    assert items["MKTG"].remote_id == "ce34a8ad-70ef-45a5-a94b-6acf0efcbed6"


def test_push_items_creates_and_updates(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    out = plugin.loftterm_connector_push_items(ctx, [
        RemoteItem("", "DRONE", "Drone photography", "Aerial shots", Decimal("350.00")),
        RemoteItem("ce34a8ad-70ef-45a5-a94b-6acf0efcbed6", "MKTG", "Marketing package",
                   "Online listing and brochure", Decimal("495.50")),
    ])
    assert [i.code for i in out] == ["DRONE", "MKTG"]
    assert out[0].remote_id and out[0].remote_id in sandbox.items
    assert sandbox.items["ce34a8ad-70ef-45a5-a94b-6acf0efcbed6"]["SalesDetails"]["UnitPrice"] \
        == 495.5
    assert out[1].unit_price == Decimal("495.5")
    [post] = sandbox.calls("POST", r"/Items$")
    assert post.header("idempotency-key") and post.arg("summarizeErrors") == "false"


def test_push_items_refused_item_stops_with_its_code(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    with pytest.raises(RemoteError, match="X" * 31):
        plugin.loftterm_connector_push_items(ctx, [RemoteItem("", "X" * 31, "Too long code")])


def documents() -> list[DocumentRequest]:
    line = DocumentLine("Commission 12 Pier St", Decimal("1500.00"), account_code="310")
    return [
        DocumentRequest("bill", seeds.HARBOUR_REALTY_ID, "contact", "DEAL-12", "2025-05-01",
                        (line,), "AUD", "batch-3/line-1"),
        DocumentRequest("credit_note", seeds.THOMAS_BAKER_ID, "contact", "DEAL-12",
                        "2025-05-01", (DocumentLine("Clawback", Decimal("100.00")),), "AUD",
                        "batch-3/line-2"),
        DocumentRequest("invoice", seeds.WEI_ZHANG_ID, "contact", "DEAL-13", "2025-05-02",
                        (DocumentLine("Marketing", Decimal("450.00"), Decimal("2")),), "AUD",
                        "batch-3/line-3"),
    ]


def test_documents_are_posted_once_then_exist(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    first = plugin.loftterm_connector_post_documents(ctx, documents())
    assert [o.status for o in first] == ["posted"] * 3
    assert [o.idempotency_key for o in first] == [d.idempotency_key for d in documents()]
    invoices = sandbox.documents["Invoices"]
    bill = invoices[first[0].remote_id]
    assert bill["Type"] == "ACCPAY" and bill["InvoiceNumber"] == "batch-3/line-1"
    assert bill["Contact"]["ContactID"] == seeds.HARBOUR_REALTY_ID and bill["Total"] == 1500.0
    assert invoices[first[2].remote_id]["Type"] == "ACCREC"
    assert invoices[first[2].remote_id]["Reference"] == "batch-3/line-3"
    assert invoices[first[2].remote_id]["Total"] == 450.0  # the line total; Xero got unit amount 225 x 2
    credit = sandbox.documents["CreditNotes"][first[1].remote_id]
    assert credit["Type"] == "ACCPAYCREDIT" and credit["CreditNoteNumber"] == "batch-3/line-2"
    assert all(r.header("idempotency-key") for r in sandbox.calls("PUT"))
    writes = len(sandbox.calls("PUT"))
    # A re-run long after Xero forgot the Idempotency-Keys: found by the lookup, posted nothing.
    sandbox.idempotency.clear()
    again_ctx, _ = make_ctx()
    again = plugin.loftterm_connector_post_documents(again_ctx, documents())
    assert [o.status for o in again] == ["exists"] * 3
    assert [o.remote_id for o in again] == [o.remote_id for o in first]
    assert len(sandbox.calls("PUT")) == writes
    assert len(invoices) == 2 and len(sandbox.documents["CreditNotes"]) == 1
    lookups = [urllib.parse.unquote(r.arg("where")) for r in sandbox.calls("GET", r"/Invoices$")]
    assert 'InvoiceNumber=="batch-3/line-1"' in lookups


def test_document_for_an_archived_contact_fails(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    [outcome] = plugin.loftterm_connector_post_documents(ctx, [DocumentRequest(
        "bill", seeds.GREENLEAF_ID, "contact", "D-1", "2025-05-01",
        (DocumentLine("x", Decimal("1")),), idempotency_key="k-archived")])
    assert outcome.status == "failed" and "has been archived" in outcome.reason


def test_tenants_from_connections(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx()
    assert plugin.loftterm_connector_tenants(ctx) == [
        Tenant(seeds.DEMO_TENANT_ID, "Harbourside Property Group (Demo)", "ORGANISATION")]


def test_consent_redirect_then_authorization_code_grant(sandbox: XeroSandbox,
                                                       make_ctx: MakeCtx) -> None:
    settings = sandbox.connector_settings()
    with httpx.Client() as browser:
        answer = browser.get(settings["authorize_url"], params={
            "response_type": "code", "client_id": "demo-client", "state": "s-42",
            "redirect_uri": "http://127.0.0.1:9/callback", "scope": "offline_access"})
        assert answer.status_code == 302
        location = httpx.URL(answer.headers["Location"])
        assert (location.host, location.path) == ("127.0.0.1", "/callback")
        assert location.params["state"] == "s-42"
        token = browser.post(settings["token_url"], auth=("demo-client", "demo-secret"), data={
            "grant_type": "authorization_code", "code": location.params["code"],
            "redirect_uri": "http://127.0.0.1:9/callback"}).json()
        refused = browser.get(settings["authorize_url"], params={
            "client_id": "someone-else", "redirect_uri": "http://127.0.0.1:9/callback"})
        assert refused.status_code == 400
    tokens = MemoryTokens()
    ctx, _ = make_ctx(tokens=tokens, grant="authorization_code",
                      refresh_token=token["refresh_token"])
    pages = list(plugin.loftterm_connector_pull(ctx, PullRequest()))
    assert pages[-1].done
    # the rotated refresh token was stored; the seed one is spent
    assert tokens.load()["refresh_token"] != token["refresh_token"]


def test_plugin_as_the_host_loads_it(sandbox: XeroSandbox) -> None:
    pm = make_plugin_manager(load_entry_points=False, plugins=[("xero", plugin)])
    hooks = ConnectorHooks(pm, "xero")
    info = hooks.info
    assert (info.name, info.title, info.roles, info.kind) == ("xero", "Xero", ("contact",),
                                                              "ledger")
    assert (info.default_name_rule, info.imports_remote, info.archives, info.name_scope) == (
        "jaccard", "all", False, "active")
    settings = {s.key: s for s in hooks.call("loftterm_connector_settings")}
    assert set(settings) == {"api_url", "token_url", "connections_url", "authorize_url", "grant",
                             "client_id", "client_secret", "scopes", "tenant_id",
                             "refresh_token", "page_size", "retry_after_cap", "batch_size"}
    assert settings["client_secret"].secret and settings["refresh_token"].secret
    assert settings["client_id"].required and settings["client_secret"].required
    assert settings["page_size"].default == 1000 and settings["batch_size"].default == 50
    assert settings["grant"].choices == ("client_credentials", "authorization_code")
    box = hooks.call("loftterm_connector_sandbox", options={"seed": True})
    assert isinstance(box, XeroSandbox) and box.server._httpd is None  # unstarted
    assert set(sandbox.connector_settings()) <= set(settings)


def test_sandbox_settings_shape(sandbox: XeroSandbox) -> None:
    settings = sandbox.connector_settings()
    assert settings["api_url"] == sandbox.url + "/api.xro/2.0"
    assert settings["tenant_id"] == seeds.DEMO_TENANT_ID
    assert json.dumps(settings)
