"""The client's handling of throttling, tokens, faults and broken answers, over loopback."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from connectors.qbo import plugin
from connectors.qbo.client import client_for
from connectors.qbo.faults import QboFaultError
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import AuthError, ProtocolError, PullRequest, RateLimitError, RemoteError

from .conftest import Run


def tenants(run: Run) -> list[str]:
    return [f"{t.id}:{t.name}" for t in plugin.loftterm_connector_tenants(ctx=run.ctx)]


def test_tenants_name_the_realm_and_company(run: Run, sandbox: QboSandbox) -> None:
    assert tenants(run) == [f"{sandbox.realm_id}:Harbour Demo Brokerage"]
    assert run.ctx.state["tenant_id"] == sandbox.realm_id
    assert run.ctx.state["tenant_name"] == "Harbour Demo Brokerage"


def test_429_is_waited_out_for_60_seconds(run: Run, sandbox: QboSandbox) -> None:
    sandbox.throttle()
    assert tenants(run)
    assert run.sleeper.throttle_waits() == [60.0]
    assert run.stats.by_status.get(429) == 1


def test_wait_is_capped_by_retry_after_cap(make_run: Callable[..., Run],
                                           sandbox: QboSandbox) -> None:
    run = make_run(retry_after_cap=5.0)
    sandbox.throttle(times=2)
    assert tenants(run)
    assert run.sleeper.throttle_waits(5.0, 60.0) == [5.0, 5.0]


def test_xml_throttle_is_recognised_and_waited(run: Run, sandbox: QboSandbox) -> None:
    sandbox.throttle_xml()
    assert tenants(run)
    assert run.sleeper.throttle_waits() == [60.0]
    assert run.stats.by_status.get(429) == 1


def test_endless_xml_throttle_stops_with_a_rate_limit_error(run: Run, sandbox: QboSandbox) -> None:
    assert tenants(run)  # connected first
    sandbox.throttle_xml(times=20)
    with pytest.raises(RateLimitError) as caught:
        list(plugin.loftterm_connector_pull(ctx=run.ctx, request=PullRequest()))
    message = str(caught.value)
    assert "qbo GET /query" in message and "3001" in message and "\n" not in message
    assert run.sleeper.throttle_waits() == [60.0] * 4
    assert run.stats.by_status.get(429) == 5


def test_expired_token_refreshes_once_and_saves_the_rotated_token(run: Run,
                                                                  sandbox: QboSandbox) -> None:
    original = run.tokens.load()["refresh_token"]
    assert tenants(run)
    first = run.tokens.load()["refresh_token"]
    assert first != original
    sandbox.expire_token()
    client_for(run.ctx).company_info()
    second = run.tokens.load()["refresh_token"]
    assert second != first
    assert len(sandbox.calls("POST", r"/tokens/bearer$")) == 2
    assert run.stats.by_status.get(401) == 1
    refused = httpx.post(sandbox.url + "/oauth2/v1/tokens/bearer", auth=("demo-client", "demo-secret"),
                         data={"grant_type": "refresh_token", "refresh_token": first})
    assert refused.status_code == 400  # the rotated-away token is dead


def test_refused_refresh_token_is_an_auth_error_without_secrets(make_run: Callable[..., Run],
                                                                sandbox: QboSandbox) -> None:
    run = make_run()
    run.tokens.save({"refresh_token": "rt-revoked"})
    with pytest.raises(AuthError) as caught:
        tenants(run)
    assert "loftterm connect qbo" in str(caught.value)
    assert "demo-secret" not in str(caught.value) and "rt-revoked" not in str(caught.value)


def test_malformed_json_is_a_protocol_error_naming_the_endpoint(run: Run,
                                                                sandbox: QboSandbox) -> None:
    sandbox.malformed(path=r"/query$")
    with pytest.raises(ProtocolError) as caught:
        list(plugin.loftterm_connector_pull(ctx=run.ctx, request=PullRequest()))
    assert str(caught.value) == "qbo GET /query: answer is malformed JSON"


def test_fault_with_http_200_is_still_a_fault(run: Run, sandbox: QboSandbox) -> None:
    body = {"Fault": {"Error": [{"Message": "Invalid Company Status", "Detail": "Subscription "
                                 "lapsed", "code": "6190"}], "type": "ValidationFault"}}
    sandbox.server.faults.status(200, path=r"/companyinfo/", body=body)
    with pytest.raises(QboFaultError) as caught:
        tenants(run)
    assert caught.value.fault.has("6190")
    assert "qbo GET /companyinfo" in str(caught.value) and "Subscription lapsed" in str(caught.value)


def test_server_errors_on_reads_are_retried(run: Run, sandbox: QboSandbox) -> None:
    sandbox.server_error(status=503, times=2)
    assert tenants(run)
    assert run.stats.by_status.get(503) == 2 and run.stats.retries == 2


def test_persistent_server_error_is_a_remote_error(run: Run, sandbox: QboSandbox) -> None:
    sandbox.server_error(status=502, times=10, path=r"/companyinfo/")
    with pytest.raises(RemoteError) as caught:
        tenants(run)
    assert str(caught.value).startswith("qbo GET /companyinfo/")
    assert "502" in str(caught.value)


def test_wrong_realm_is_refused(make_run: Callable[..., Run]) -> None:
    run = make_run(realm_id="123")
    with pytest.raises(AuthError):
        tenants(run)


def test_missing_realm_is_reported(make_run: Callable[..., Run]) -> None:
    run = make_run(realm_id="")
    with pytest.raises(AuthError) as caught:
        tenants(run)
    assert "realm_id" in str(caught.value)
