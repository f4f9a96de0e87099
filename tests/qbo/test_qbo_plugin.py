"""The hooks as the host sees them: specs, info, settings, display names, items, the sandbox."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest
import yaml

from connectors.qbo import plugin
from connectors.qbo.sandbox import SEED_IDS, QboSandbox
from connectors.qbo.sandbox.__main__ import main
from loftterm.api import DemoSandbox
from loftterm.plugins import ConnectorHooks, make_plugin_manager

from .conftest import Run


def test_hooks_match_the_specs_and_info_is_right() -> None:
    pm = make_plugin_manager(load_entry_points=False, plugins=[("qbo", plugin)])
    hooks = ConnectorHooks(pm, "qbo")
    info = hooks.info
    assert (info.name, info.title, info.roles, info.kind) == (
        "qbo", "QuickBooks Online", ("vendor", "customer"), "ledger")
    assert (info.default_name_rule, info.imports_remote, info.archives, info.name_scope) == (
        "containment", "all", False, "all")
    # a Vendor has no ShipAddr: syncing shipping for both roles would blank profiles' addresses
    assert info.synced_fields == ("name", "email", "phone", "company", "billing")
    for hook in ("pull", "push", "archive", "display_name", "pull_items", "post_documents",
                 "tenants", "sandbox", "settings"):
        assert hooks.implements(f"loftterm_connector_{hook}")


def test_settings_are_qbo_specific_with_secrets_marked() -> None:
    settings = {s.key: s for s in plugin.loftterm_connector_settings()}
    assert set(settings) == {"api_url", "token_url", "authorize_url", "grant", "client_id",
                             "client_secret", "scopes", "realm_id", "refresh_token",
                             "customer_prefix", "minorversion", "page_size", "batch_size",
                             "retry_after_cap", "default_expense_account"}
    assert {k for k, s in settings.items() if s.secret} == {"client_secret", "refresh_token"}
    assert {k for k, s in settings.items() if s.required} == {"client_id", "client_secret",
                                                                "realm_id"}
    assert settings["minorversion"].default == 75 and settings["customer_prefix"].default == "*"
    assert settings["api_url"].default == "https://quickbooks.api.intuit.com"
    assert all(s.help for s in settings.values())


def test_display_name_prefixes_customers_only(run: Run) -> None:
    assert plugin.loftterm_connector_display_name(ctx=run.ctx, role="customer",
                                                  name="Siobhan O'Leary") == "*Siobhan O'Leary"
    assert plugin.loftterm_connector_display_name(ctx=run.ctx, role="vendor",
                                                  name="Siobhan O'Leary") == "Siobhan O'Leary"


def test_pull_items_includes_inactive_ones(run: Run) -> None:
    items = {i.name: i for i in plugin.loftterm_connector_pull_items(ctx=run.ctx)}
    assert len(items) == 7
    assert items["Lockbox Rental"].active is False
    assert str(items["Desk Fee"].unit_price) in ("450.0", "450.00")


def test_sandbox_hook_returns_an_unstarted_sandbox() -> None:
    box = plugin.loftterm_connector_sandbox(options={"seed": True, "contacts": 3})
    assert isinstance(box, DemoSandbox) and isinstance(box, QboSandbox)
    with pytest.raises(RuntimeError):
        box.connector_settings()  # not started yet
    assert box.count("Vendor") == 18 + 3


def test_seed_ids_are_what_the_demo_book_references(sandbox: QboSandbox) -> None:
    for key, rid in SEED_IDS.items():
        role, name = key.split(":", 1)
        record = sandbox.record(role.capitalize(), rid)
        assert record is not None, key
        expected = f"*{name}" if role == "customer" else name
        assert record["DisplayName"] == expected


def test_authorize_redirects_with_code_state_and_realm(sandbox: QboSandbox) -> None:
    answer = httpx.get(sandbox.url + "/connect/oauth2", params={
        "client_id": "demo-client", "redirect_uri": "http://127.0.0.1:9/cb", "state": "s-1",
        "response_type": "code", "scope": "com.intuit.quickbooks.accounting"})
    assert answer.status_code == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers["location"]).query))
    assert query["state"] == "s-1" and query["realmId"] == sandbox.realm_id
    tokens = httpx.post(sandbox.url + "/oauth2/v1/tokens/bearer", auth=("demo-client", "demo-secret"),
                        data={"grant_type": "authorization_code", "code": query["code"],
                              "redirect_uri": "http://127.0.0.1:9/cb"}).json()
    assert tokens["access_token"] and tokens["refresh_token"] and tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] > 0


def test_main_prints_the_config_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--contacts", "2"], wait=lambda: None) == 0
    section = yaml.safe_load(capsys.readouterr().out)["connectors"]["qbo"]
    assert section["api_url"].startswith("http://127.0.0.1:")
    assert section["token_url"] == section["api_url"] + "/oauth2/v1/tokens/bearer"
    assert section["client_id"] == "demo-client" and section["refresh_token"].startswith("rt-")
