"""The plugin surface and module boundaries, pinned so they only change on purpose."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import loftterm.api
from loftterm import hookspecs
from loftterm.plugins import ConnectorHooks, installed_connectors, make_plugin_manager

PUBLIC_API = {
    "Address", "ArchiveRequest", "AuthError", "Balance", "BalanceChanges", "CallStats",
    "ConnectorContext",
    "ConnectorInfo", "ContactFields", "DemoSandbox", "DocumentLine", "DocumentOutcome",
    "DocumentRequest", "Fault", "OAuth2Auth", "OAuthSettings", "ProtocolError", "PullPage",
    "PullRequest", "PushRequest", "RateLimitError", "RateLimitVerdict", "RecordOutcome",
    "RemoteContact", "RemoteError", "RemoteItem", "RetryPolicy", "SandboxRequest",
    "SandboxResponse", "SandboxServer", "Setting", "SyncEvent", "Tenant", "TokenIssuer",
    "TokenStoreProtocol", "hookimpl", "json_response", "make_http_client", "parse_utc", "to_decimal",
}
HOOKS = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("loftterm_")]


def test_public_api_is_pinned() -> None:
    assert set(loftterm.api.__all__) == PUBLIC_API
    for name in PUBLIC_API:
        assert hasattr(loftterm.api, name)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_spec_is_documented(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "Called" in doc, f"{hook}: say when it is called"
    params = [p for p in inspect.signature(getattr(hookspecs, hook)).parameters]
    for param in params:
        assert f":param {param}:" in doc, f"{hook}: document {param}"
    if getattr(hookspecs, hook).loftterm_spec["firstresult"]:
        assert "first non-None result" in doc


def test_builtin_connectors_load_through_entry_points() -> None:
    found = installed_connectors(make_plugin_manager())
    assert {"xero", "qbo", "sortscape"} <= set(found)
    assert found["qbo"].roles == ("vendor", "customer")
    assert found["sortscape"].kind == "field"


@pytest.mark.parametrize("connector", ["xero", "qbo", "sortscape"])
def test_each_connector_answers_the_core_hooks(connector: str) -> None:
    hooks = ConnectorHooks(make_plugin_manager(), connector)
    for hook in ("loftterm_connector_info", "loftterm_connector_settings", "loftterm_connector_pull",
                 "loftterm_connector_push", "loftterm_connector_tenants", "loftterm_connector_sandbox"):
        assert hooks.implements(hook), f"{connector} does not implement {hook}"


def test_unknown_connector_lists_the_installed_ones() -> None:
    with pytest.raises(Exception, match="installed: qbo, sortscape, xero"):
        ConnectorHooks(make_plugin_manager(), "sage")


def test_headless_modules_never_import_textual() -> None:
    code = ("import sys; import loftterm.cli, loftterm.console, loftterm.engine.pipeline.sync, loftterm.demo; "
            "import connectors.xero.plugin, connectors.qbo.plugin, connectors.sortscape.plugin; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_context_keeps_one_object_per_key_and_closes_it_on_release() -> None:
    class Client:
        closed = 0

        def close(self) -> None:
            Client.closed += 1

    from loftterm.api import ConnectorContext

    ctx = ConnectorContext("x", {}, None, lambda **kw: None)  # type: ignore[arg-type]
    built: list[Client] = []

    def build() -> Client:
        built.append(Client())
        return built[-1]

    first = ctx.kept("client", Client, build)
    assert ctx.kept("client", Client, build) is first
    assert len(built) == 1
    ctx.release("client")
    ctx.release("client")  # nothing kept: nothing to close
    assert Client.closed == 1 and "client" not in ctx.state
