"""How the Xero sandbox behaves around its routes: Xero's envelope and answers, auth and limits.

``TokenExpired`` 401s, the tenant header, rate-limit headers (and the minute limit when
enforced), Idempotency-Key replay for 6 minutes, ``summarizeErrors``, JSON or XML write bodies,
``order``, and the ``If-Modified-Since`` forms Xero accepts.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.xero.sandbox.body import PostDataInvalid, body_list, post_data_invalid
from connectors.xero.sandbox.store import Outcome
from connectors.xero.sandbox.where import order_records
from loftterm.api import SandboxRequest, SandboxResponse, SandboxServer, TokenIssuer

IDEMPOTENCY_TTL_S = 360.0
DAY_LIMIT = 5000
MINUTE_LIMIT = 60
APP_MINUTE_LIMIT = 10000
Handler = Callable[[SandboxRequest], SandboxResponse]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def json_answer(body: Any, status: int = 200, **headers: str) -> SandboxResponse:
    """Return a compact JSON response (Decimals from parsed requests become JSON numbers).

    Encoded here rather than by ``SandboxResponse``: compact separators halve the time a
    1000-contact page takes to encode.
    """
    raw = json.dumps(body, default=_json_default, separators=(",", ":"), ensure_ascii=False)
    return SandboxResponse(status, None, {"Content-Type": "application/json; charset=utf-8",
                                          **headers}, raw.encode("utf-8"))


def validation_error(message: str, elements: list[Any] | None = None) -> SandboxResponse:
    """Return Xero's 400 ``ValidationException`` (with the failed elements, when given)."""
    body: dict[str, Any] = {"ErrorNumber": 10, "Type": "ValidationException", "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return json_answer(body, 400)


def problem(status: int, title: str, detail: str) -> SandboxResponse:
    """Return a problem-details answer (401, 403, 404 and the like)."""
    return json_answer({"Type": None, "Title": title, "Status": status, "Detail": detail,
                          "Instance": str(uuid.uuid4()), "Extensions": {}}, status)


def parse_since(value: str) -> int | None:
    """Parse an ``If-Modified-Since`` value (ISO-8601, naive = UTC, or RFC 1123) to epoch ms."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)



class XeroBehaviour:
    """Xero's behaviour around the routes (a mixin of :class:`~.server.XeroSandbox`)."""

    server: SandboxServer
    issuer: TokenIssuer
    tenant_id: str
    clock: Callable[[], float]
    enforce_minute_limit: bool
    idempotency: dict[str, tuple[str, float, SandboxResponse]]
    _limits_lock: threading.Lock
    _window: tuple[int, int]
    _day: tuple[int, int]

    def _envelope(self, collection: str, records: list[Any],
                  pagination: Mapping[str, int] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "loftterm Xero sandbox",
            "DateTimeUTC": f"/Date({int(self.clock() * 1000)})/",
        }
        if pagination is not None:
            body["pagination"] = dict(pagination)
        body[collection] = records
        return body

    def _limit_headers(self) -> dict[str, str]:
        now = int(self.clock())
        with self._limits_lock:
            minute, used = self._window
            used = used + 1 if minute == now // 60 else 1
            self._window = (now // 60, used)
            day, day_used = self._day
            day_used = day_used + 1 if day == now // 86400 else 1
            self._day = (now // 86400, day_used)
        return {"X-DayLimit-Remaining": str(max(0, DAY_LIMIT - day_used)),
                "X-MinLimit-Remaining": str(max(0, MINUTE_LIMIT - used)),
                "X-AppMinLimit-Remaining": str(max(0, APP_MINUTE_LIMIT - used))}

    def _authed(self, handler: Handler, tenant: bool = True) -> Handler:
        def wrapped(request: SandboxRequest) -> SandboxResponse:
            if self.server.consume_expired_token() or not self.issuer.valid(request):
                stamp = datetime.now(UTC).strftime("%m/%d/%Y %H:%M:%S")
                response = problem(401, "Unauthorized", f"TokenExpired: token expired at {stamp}")
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
            if tenant and request.header("xero-tenant-id") != self.tenant_id:
                return problem(403, "Forbidden", "AuthenticationUnsuccessful")
            headers = self._limit_headers()
            if self.enforce_minute_limit and int(headers["X-MinLimit-Remaining"]) <= 0:
                return json_answer({"Title": "Too Many Requests"}, 429,
                                     **{"Retry-After": str(60 - int(self.clock()) % 60),
                                        "X-Rate-Limit-Problem": "minute", **headers})
            with self.server.lock:
                response = handler(request)
            response.headers.update(headers)
            return response
        return wrapped

    def _writes(self, handler: Handler) -> Handler:
        """Wrap a write with auth and Idempotency-Key replay (6 minutes, like Xero)."""
        def idempotent(request: SandboxRequest) -> SandboxResponse:
            key = request.header("idempotency-key")
            if not key:
                return handler(request)
            if len(key) > 128:
                return validation_error("The Idempotency-Key must be 128 characters or fewer")
            query = sorted((k.lower(), v) for k, vs in request.query.items() for v in vs)
            fingerprint = hashlib.sha256(
                f"{request.method} {request.path} {query}".encode() + b"\n" + request.body
            ).hexdigest()
            now = self.clock()
            held = self.idempotency.get(key)
            if held is not None and now - held[1] < IDEMPOTENCY_TTL_S:
                if held[0] != fingerprint:
                    return problem(400, "Bad Request", "The Idempotency-Key has already been "
                                   "used with a different request")
                cached = held[2]
                return SandboxResponse(cached.status, cached.body, dict(cached.headers),
                                       cached.raw)
            response = handler(request)
            if response.status < 500:
                self.idempotency[key] = (fingerprint, now, response)
            return response

        def readable(request: SandboxRequest) -> SandboxResponse:
            try:
                return idempotent(request)
            except PostDataInvalid as exc:
                return json_answer(post_data_invalid(str(exc)), 400)
        return self._authed(readable)

    def _body_list(self, request: SandboxRequest, collection: str) -> list[Any]:
        return body_list(request.body, request.header("content-type"), collection)

    def _ordered(self, request: SandboxRequest, records: list[Any]) -> list[Any]:
        order = request.arg("order")
        return order_records(records, order) if order else records

    def _write_answer(self, request: SandboxRequest, collection: str,
                      outcomes: list[Outcome]) -> SandboxResponse:
        summarize = request.arg("summarizeErrors", "true").lower() != "false"
        elements: list[Any] = []
        failed: list[Any] = []
        for record, errors in outcomes:
            element = dict(record)
            if errors:
                element.update(StatusAttributeString="ERROR", HasValidationErrors=True,
                               ValidationErrors=[{"Message": m} for m in errors])
                failed.append(element)
            elif not summarize:
                element["StatusAttributeString"] = "OK"
            elements.append(element)
        if summarize and failed:
            return validation_error("A validation exception occurred", failed)
        return json_answer(self._envelope(collection, elements))
