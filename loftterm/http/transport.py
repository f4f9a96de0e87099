"""Retries and rate limits as an httpx transport wrapping the real one.

Safe methods, and writes that carry an idempotency key, are retried on 5xx, timeouts and refused
connections with capped exponential backoff and jitter.  Any request, a write without a key too
(a token refresh, a POST), is retried when the connection could not be made at all: nothing was
sent, so nothing can have happened remotely.  A 429 is classified by the connector:
``wait`` honours ``Retry-After`` (capped), ``stop`` ends the run with a clear message.  The clock
and the sleeper are injected so tests never patch ``time.sleep``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import httpx

from loftterm.errors import RateLimitError, RemoteError

RETRIABLE_STATUS = frozenset({500, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RateLimitVerdict = Literal["wait", "stop"]
# request extension: the sender vouches that sending the request twice does no harm
RETRY_SAFE = "loftterm.retry_safe"
# the connection was never made: the request did not leave, whatever its method
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def default_classifier(response: httpx.Response) -> RateLimitVerdict:
    """Treat every 429 as a short limit worth waiting for."""
    return "wait"


@dataclass
class RetryPolicy:
    """How hard to try.

    :param max_retries: retries of one request after the first attempt.
    :param backoff_base: first backoff in seconds; doubles per retry, with full jitter.
    :param backoff_cap: the longest single backoff.
    :param retry_after_default: wait on a 429 without ``Retry-After`` (QBO documents 60 s).
    :param retry_after_cap: the longest single wait on a 429.
    :param total_wait_cap: the longest total wait of one request before giving up.
    :param idempotency_headers: headers whose presence makes a write safe to retry.
    :param idempotency_params: query parameters with the same meaning (QBO ``requestid``).
    :param max_per_second: client-side pacing per host, 0 for none (QBO allows 10/s per realm).
    """

    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_default: float = 60.0
    retry_after_cap: float = 60.0
    total_wait_cap: float = 300.0
    idempotency_headers: tuple[str, ...] = ("Idempotency-Key",)
    idempotency_params: tuple[str, ...] = ("requestid",)
    max_per_second: float = 0.0


@dataclass
class CallStats:
    """Counts what went over the wire in one run."""

    calls: int = 0
    retries: int = 0
    waited_s: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


class RetryTransport(httpx.BaseTransport):
    """Wrap a transport with retries, 429 handling, pacing and call counting."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        *,
        classify_429: Callable[[httpx.Response], RateLimitVerdict] = default_classifier,
        stats: CallStats | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        label: str = "remote",
    ) -> None:
        self.wrapped = wrapped
        self.policy = policy or RetryPolicy()
        self.classify_429 = classify_429
        self.stats = stats or CallStats()
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.label = label
        self._pace_lock = threading.Lock()
        self._next_slot = 0.0

    def _may_retry(self, request: httpx.Request) -> bool:
        if request.method in SAFE_METHODS or request.extensions.get(RETRY_SAFE):
            return True
        if any(request.headers.get(h) for h in self.policy.idempotency_headers):
            return True
        return any(request.url.params.get(p) for p in self.policy.idempotency_params)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_cap, self.policy.backoff_base * (2**attempt))
        return self.rng.uniform(ceiling / 2, ceiling)

    def _pace(self) -> None:
        if self.policy.max_per_second <= 0:
            return
        with self._pace_lock:
            now = self.clock()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + 1.0 / self.policy.max_per_second
        if wait > 0:
            self.sleep(wait)

    def _retry_after(self, response: httpx.Response) -> float:
        header = response.headers.get("Retry-After", "")
        try:
            wait = float(header)
        except ValueError:
            wait = self.policy.retry_after_default
        return max(0.0, min(wait, self.policy.retry_after_cap))

    def _where(self, request: httpx.Request) -> str:
        return f"{self.label} {request.method} {request.url.path}"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request, retrying what is safe to retry."""
        waited = 0.0
        attempt = 0
        while True:
            self._pace()
            self.stats.calls += 1
            try:
                response = self.wrapped.handle_request(request)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                unsent = isinstance(exc, NOT_SENT)
                if attempt >= self.policy.max_retries or not (unsent or self._may_retry(request)):
                    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
                    raise RemoteError(
                        f"{self._where(request)}: {kind} ({exc.__class__.__name__})"
                    ) from exc
                delay = self._backoff(attempt)
            else:
                code = response.status_code
                self.stats.by_status[code] = self.stats.by_status.get(code, 0) + 1
                if code == 429:
                    response.read()
                    if self.classify_429(response) == "stop":
                        response.close()
                        raise RateLimitError(
                            # "or monthly": QBO's quota is per month (issue 7)
                            f"{self._where(request)}: the daily (or monthly) API limit is used up; "
                            "the run stopped cleanly and resumes on the next sync"
                        )
                    delay = self._retry_after(response)
                elif code in RETRIABLE_STATUS and self._may_retry(request):
                    delay = self._backoff(attempt)
                else:
                    return response
                if (
                    attempt >= self.policy.max_retries
                    or waited + delay > self.policy.total_wait_cap
                ):
                    return response
                response.close()
            attempt += 1
            waited += delay
            self.stats.retries += 1
            self.stats.waited_s += delay
            self.sleep(delay)

    def close(self) -> None:
        """Close the wrapped transport."""
        self.wrapped.close()
