"""The retry transport under timeouts, resets and 5xx: what is retried, how long it waits.

Unit level on purpose (an ``httpx.MockTransport`` behind :class:`RetryTransport`): the waits are
recorded, never slept, and the jitter comes from a seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from loftterm.errors import RateLimitError, RemoteError
from loftterm.http.transport import CallStats, RetryPolicy, RetryTransport

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, waits: list[float], policy: RetryPolicy | None = None,
           stats: CallStats | None = None) -> httpx.Client:
    transport = RetryTransport(httpx.MockTransport(handler), policy, stats=stats,
                               sleep=waits.append, rng=random.Random(5), label="test")
    return httpx.Client(base_url="http://remote.test", transport=transport)


def failing(*errors: Exception | int) -> tuple[Handler, list[httpx.Request]]:
    """A remote that fails as listed (an exception raised, a status answered), then answers 200."""
    seen: list[httpx.Request] = []
    plan = list(errors)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if plan:
            step = plan.pop(0)
            if isinstance(step, Exception):
                raise step
            return httpx.Response(step, json={"error": "down"})
        return httpx.Response(200, json={"ok": True})

    return handle, seen


TIMEOUT = httpx.ReadTimeout("read timed out")
RESET = httpx.RemoteProtocolError("peer closed connection")


@pytest.mark.parametrize("fault", [TIMEOUT, RESET, httpx.ConnectError("refused"), 500, 502, 503,
                                   504])
def test_reads_are_retried_with_growing_jittered_backoff(fault: Exception | int) -> None:
    handler, seen = failing(fault, fault, fault)
    waits: list[float] = []
    response = client(handler, waits).get("/contacts")
    assert response.status_code == 200 and len(seen) == 4
    # full jitter in [ceiling / 2, ceiling], the ceiling doubling from 0.5 s
    for attempt, wait in enumerate(waits):
        ceiling = 0.5 * 2**attempt
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) == 3


def test_backoff_is_capped_and_retries_are_bounded() -> None:
    handler, seen = failing(*[503] * 10)
    waits: list[float] = []
    policy = RetryPolicy(max_retries=6, backoff_base=1.0, backoff_cap=3.0)
    response = client(handler, waits, policy).get("/contacts")
    assert response.status_code == 503 and len(seen) == 7
    assert max(waits) <= 3.0 and all(w >= 1.5 for w in waits[2:])


def test_total_wait_cap_gives_up_early() -> None:
    handler, seen = failing(*[429] * 10)
    waits: list[float] = []
    policy = RetryPolicy(retry_after_default=40.0, retry_after_cap=40.0, total_wait_cap=100.0)
    response = client(handler, waits, policy).get("/contacts")
    assert response.status_code == 429 and waits == [40.0, 40.0] and len(seen) == 3


@pytest.mark.parametrize("fault", [TIMEOUT, RESET, 500, 503])
def test_a_write_without_an_idempotency_key_is_never_retried(fault: Exception | int) -> None:
    handler, seen = failing(fault)
    waits: list[float] = []
    http = client(handler, waits)
    if isinstance(fault, Exception):
        with pytest.raises(RemoteError) as caught:
            http.post("/contacts", json={"name": "Ann"})
        assert "test POST /contacts" in str(caught.value)
        assert ("timed out" if fault is TIMEOUT else "unreachable") in str(caught.value)
    else:
        assert http.post("/contacts", json={"name": "Ann"}).status_code == fault
    assert len(seen) == 1 and waits == []


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("fault", [httpx.ConnectError("[Errno 111] Connection refused"),
                                   httpx.ConnectTimeout("connect timed out")])
def test_a_write_the_connection_refused_is_retried_like_a_read(method: str,
                                                                fault: Exception) -> None:
    handler, seen = failing(fault, fault)
    waits: list[float] = []
    response = client(handler, waits).request(method, "/contacts", json={"name": "Ann"})
    assert response.status_code == 200 and len(seen) == 3 and len(waits) == 2
    assert all(r.method == method and r.content == seen[0].content for r in seen)


def test_a_write_refused_every_time_gives_up_as_unreachable() -> None:
    handler, seen = failing(*[httpx.ConnectError("refused")] * 10)
    waits: list[float] = []
    with pytest.raises(RemoteError, match=r"test POST /contacts: unreachable \(ConnectError\)"):
        client(handler, waits).post("/contacts", json={"name": "Ann"})
    assert len(seen) == 5 and len(waits) == 4


@pytest.mark.parametrize("how", ["header", "param"])
def test_a_write_with_an_idempotency_key_is_retried_under_the_same_key(how: str) -> None:
    handler, seen = failing(TIMEOUT, 503, RESET)
    waits: list[float] = []
    http = client(handler, waits)
    if how == "header":
        response = http.put("/contacts", json={}, headers={"Idempotency-Key": "k-1"})
    else:
        response = http.post("/vendor", json={}, params={"requestid": "r-1"})
    assert response.status_code == 200 and len(seen) == 4 and len(waits) == 3
    keys = {r.headers.get("Idempotency-Key") or r.url.params.get("requestid") for r in seen}
    assert len(keys) == 1 and None not in keys


@pytest.mark.parametrize(("header", "expected"), [("2", 2.0), ("0", 0.0), ("-5", 0.0),
                                                  ("999", 60.0), ("soon", 60.0), ("", 60.0),
                                                  ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0)])
def test_retry_after_is_honoured_and_capped(header: str, expected: float) -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": header} if header else {})
        return httpx.Response(200)

    waits: list[float] = []
    assert client(handle, waits).get("/contacts").status_code == 200
    assert waits == [expected]


def test_a_429_the_connector_calls_final_stops_at_once() -> None:
    handler, seen = failing(429)
    waits: list[float] = []
    transport = RetryTransport(httpx.MockTransport(handler), sleep=waits.append,
                               classify_429=lambda response: "stop", label="test")
    with pytest.raises(RateLimitError, match="resumes on the next sync"):
        httpx.Client(transport=transport).get("http://remote.test/contacts")
    assert len(seen) == 1 and waits == []


def test_calls_retries_and_statuses_are_counted() -> None:
    handler, _ = failing(503, TIMEOUT, 429)
    stats = CallStats()
    waits: list[float] = []
    client(handler, waits, stats=stats).get("/contacts")
    assert (stats.calls, stats.retries) == (4, 3)
    assert stats.by_status == {503: 1, 429: 1, 200: 1}
    assert stats.waited_s == pytest.approx(sum(waits))
