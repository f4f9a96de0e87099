import pytest

from loftterm.api import (
    AuthError,
    ContactFields,
    ProtocolError,
    PullRequest,
    PushRequest,
    RemoteError,
)


def pull_all(hooks, ctx):
    return list(hooks.call("loftterm_connector_pull", ctx=ctx, request=PullRequest()))


def test_rate_limit_waits_retry_after_then_succeeds(hooks, make_run, sandbox, sleeps):
    ctx, stats = make_run()
    sandbox.rate_limit(times=2, retry_after=7, path="/contacts$")
    pages = pull_all(hooks, ctx)
    assert sum(len(p.contacts) for p in pages) == 8
    assert sleeps == [7.0, 7.0] and stats.retries == 2 and stats.by_status[429] == 2


def test_malformed_json_is_a_protocol_error_naming_the_endpoint(hooks, ctx, sandbox):
    sandbox.malformed(path="/contacts$")
    with pytest.raises(ProtocolError) as err:
        pull_all(hooks, ctx)
    assert err.value.message == "sortscape GET /contacts: answer is not valid JSON"


def test_a_wrong_key_is_an_auth_error_without_the_key(hooks, make_run):
    ctx, _ = make_run(api_key="s3cret-wrong-key")
    with pytest.raises(AuthError) as err:
        pull_all(hooks, ctx)
    message = err.value.message
    assert "GET /account" in message and "HTTP 401" in message
    assert "connectors.sortscape.api_key" in message and "s3cret" not in message


def test_server_errors_and_dropped_connections_are_retried(hooks, make_run, sandbox):
    ctx, stats = make_run()
    sandbox.server_error(503, path="/contacts$", method="GET")
    sandbox.drop(path="/contacts$")
    assert sum(len(p.contacts) for p in pull_all(hooks, ctx)) == 8
    assert stats.retries == 2


def test_a_write_with_an_idempotency_key_is_retried_after_a_5xx(hooks, make_run, sandbox):
    ctx, stats = make_run()
    sandbox.server_error(500, path="/contacts$", method="POST")
    request = PushRequest("create", "prof-r", "contact", ContactFields(name="Retry Co"),
                          idempotency_key="k-r")
    (out,) = hooks.call("loftterm_connector_push", ctx=ctx, requests=[request])
    assert out.status == "created" and stats.retries == 1


def test_a_server_that_keeps_failing_stops_the_run(hooks, make_run, sandbox):
    ctx, _ = make_run()
    sandbox.server_error(500, path="/contacts$", times=10)
    with pytest.raises(RemoteError, match=r"sortscape GET /contacts: SortScape answered HTTP 500"):
        pull_all(hooks, ctx)


def test_tenants_lists_the_key_s_account(hooks, ctx):
    (tenant,) = hooks.call("loftterm_connector_tenants", ctx=ctx)
    assert (tenant.id, tenant.name, tenant.kind) == ("ACC-4471", "Green Thumb Gardens", "account")
    assert ctx.state["tenant_id"] == "ACC-4471"
