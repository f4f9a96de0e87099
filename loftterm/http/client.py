"""Builds the ``httpx.Client`` every connector uses: retries, rate limits, auth, counting."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from loftterm.http.transport import (
    CallStats,
    RateLimitVerdict,
    RetryPolicy,
    RetryTransport,
    default_classifier,
)

USER_AGENT = "loftterm/0.1"


def make_http_client(
    *,
    base_url: str,
    stats: CallStats,
    auth: httpx.Auth | None = None,
    policy: RetryPolicy | None = None,
    classify_429: Callable[[httpx.Response], RateLimitVerdict] = default_classifier,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    label: str = "remote",
    sleep: Callable[[float], None] | None = None,
) -> httpx.Client:
    """Return a client for one remote API.

    :param base_url: the API root; hook code uses relative paths.
    :param stats: where calls, retries and waits are counted (shown in run summaries).
    :param auth: usually an :class:`~loftterm.http.oauth.OAuth2Auth`.
    :param policy: retry and rate-limit policy.
    :param classify_429: tells a short rate limit (wait) from one that ends the run (stop).
    :param headers: headers sent on every request (e.g. Xero's ``xero-tenant-id``).
    :param timeout: seconds before a request times out.
    :param label: the connector's name, used in error messages.
    :param sleep: the sleeper used for waits (tests inject a fast one).
    """
    kwargs = {"sleep": sleep} if sleep is not None else {}
    transport = RetryTransport(
        httpx.HTTPTransport(retries=0),
        policy,
        classify_429=classify_429,
        stats=stats,
        label=label,
        **kwargs,  # type: ignore[arg-type]
    )
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        transport=transport,
        headers=all_headers,
        timeout=timeout,
        follow_redirects=False,
    )
