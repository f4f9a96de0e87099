from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.xero import plugin
from connectors.xero.sandbox import XeroSandbox
from loftterm.api import (
    AuthError,
    CallStats,
    ConnectorContext,
    Fault,
    ProtocolError,
    PullRequest,
    RateLimitError,
    RemoteError,
)
from loftterm.http.tokens import TokenFile

from .conftest import Sleeper

MakeCtx = Callable[..., tuple[ConnectorContext, CallStats]]


def pull(ctx: ConnectorContext) -> int:
    return sum(len(p.contacts) for p in plugin.loftterm_connector_pull(ctx, PullRequest()))


def test_minute_limit_waits_retry_after_then_succeeds(sandbox: XeroSandbox, make_ctx: MakeCtx,
                                                      sleeper: Sleeper) -> None:
    sandbox.rate_limit_minute(times=1, retry_after=3)
    ctx, stats = make_ctx()
    assert pull(ctx) == len(sandbox.contacts)
    assert sleeper.waits == [3.0]
    assert stats.retries == 1 and stats.by_status[429] == 1


def test_retry_after_is_capped_by_the_setting(sandbox: XeroSandbox, make_ctx: MakeCtx,
                                              sleeper: Sleeper) -> None:
    sandbox.rate_limit_minute(times=1, retry_after=600)
    ctx, _ = make_ctx(retry_after_cap=5.0)
    pull(ctx)
    assert sleeper.waits == [5.0]


def test_day_limit_stops_the_run(sandbox: XeroSandbox, make_ctx: MakeCtx,
                                 sleeper: Sleeper) -> None:
    sandbox.rate_limit_day()
    ctx, _ = make_ctx()
    with pytest.raises(RateLimitError, match="daily") as caught:
        pull(ctx)
    assert "GET" in str(caught.value) and "\n" not in str(caught.value)
    assert sleeper.waits == []
    assert len(sandbox.calls("GET", r"/Contacts$")) == 1


def test_expired_token_is_refreshed_exactly_once(sandbox: XeroSandbox, make_ctx: MakeCtx,
                                                 tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json").for_connector("xero")
    ctx, stats = make_ctx(tokens=tokens)
    pull(ctx)
    assert sandbox.issuer.issued == 1
    sandbox.expire_token()
    pull(ctx)
    assert sandbox.issuer.issued == 2
    assert tokens.load()["access_token"] in sandbox.issuer.access
    assert stats.by_status[401] == 1
    assert len(sandbox.calls("GET", r"/Contacts$")) == 3  # the 401 call was repeated once


def test_token_expired_fault_answers_401_once(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    ctx, stats = make_ctx()
    pull(ctx)
    sandbox.server.faults.add(Fault("expire_token", r"/Contacts$"))
    pull(ctx)
    assert sandbox.issuer.issued == 2 and stats.by_status[401] == 1


def test_refused_credentials_are_an_auth_error_without_the_secret(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(client_secret="wrong-secret-value")
    with pytest.raises(AuthError) as caught:
        pull(ctx)
    assert "wrong-secret-value" not in str(caught.value)
    assert "loftterm connect xero" in str(caught.value)


def test_malformed_json_is_a_protocol_error_naming_the_endpoint(sandbox: XeroSandbox,
                                                                make_ctx: MakeCtx) -> None:
    sandbox.malformed(r"/Contacts$")
    ctx, _ = make_ctx()
    with pytest.raises(ProtocolError) as caught:
        pull(ctx)
    message = str(caught.value)
    assert message.startswith("xero GET /Contacts:") and "not valid JSON" in message
    assert "\n" not in message and "Traceback" not in message


def test_truncated_answer_is_a_protocol_error(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    sandbox.truncated(r"/Items$")
    ctx, _ = make_ctx()
    with pytest.raises(ProtocolError, match="GET /Items"):
        plugin.loftterm_connector_pull_items(ctx)


def test_server_error_then_success_on_get(sandbox: XeroSandbox, make_ctx: MakeCtx,
                                          sleeper: Sleeper) -> None:
    sandbox.server_error(500, times=1, path=r"/Contacts$")
    ctx, stats = make_ctx()
    assert pull(ctx) == len(sandbox.contacts)
    assert stats.by_status[500] == 1 and len(sleeper.waits) == 1


def test_persistent_server_error_names_the_endpoint(sandbox: XeroSandbox,
                                                    make_ctx: MakeCtx) -> None:
    sandbox.server_error(503, times=50, path=r"/Contacts$")
    ctx, _ = make_ctx()
    with pytest.raises(RemoteError, match=r"^xero GET /Contacts: HTTP 503") as caught:
        pull(ctx)
    assert not isinstance(caught.value, ProtocolError)


def test_tenant_comes_from_connections_when_not_set(sandbox: XeroSandbox,
                                                    make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(tenant_id="")
    assert pull(ctx) == len(sandbox.contacts)
    assert ctx.state["tenant_id"] == sandbox.tenant_id
    assert ctx.state["tenant_name"] == "Harbourside Property Group (Demo)"
    assert len(sandbox.calls("GET", r"^/connections$")) == 1


def test_several_tenants_without_tenant_id_is_refused(sandbox: XeroSandbox,
                                                      make_ctx: MakeCtx) -> None:
    sandbox.tenants.append({**sandbox.tenants[0], "tenantId": "t-2", "tenantName": "Other Org"})
    sandbox.tenants.append({**sandbox.tenants[0], "tenantId": "p-1", "tenantType": "PRACTICE"})
    ctx, _ = make_ctx(tenant_id="")
    with pytest.raises(RemoteError, match="tenant_id") as caught:
        pull(ctx)
    assert "Other Org (t-2)" in str(caught.value) and "p-1" not in str(caught.value)
    pinned, _ = make_ctx(tenant_id="", pinned_tenant=sandbox.tenant_id)
    assert pull(pinned) == len(sandbox.contacts)


def test_wrong_tenant_is_refused(make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(tenant_id="not-the-org")
    with pytest.raises(AuthError, match="403"):
        pull(ctx)
