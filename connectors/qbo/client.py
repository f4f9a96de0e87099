"""The QuickBooks Online HTTP client: one ``httpx.Client`` per run, faults turned into errors.

Every request carries ``minorversion``; every write carries a ``requestid`` derived from the
intent's idempotency key, so a write the transport retries (or a later run repeats) gets the
original answer back instead of creating twice.  HTTP 429 (JSON or XML body) is waited out by
the transport (60 s, capped by ``retry_after_cap``); 401 is answered by one token refresh.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from loftterm.api import (
    AuthError,
    ConnectorContext,
    OAuth2Auth,
    OAuthSettings,
    ProtocolError,
    RateLimitError,
    RateLimitVerdict,
    RemoteError,
    RetryPolicy,
)

from .faults import QboFaultError, fault_from_json, fault_from_xml, looks_throttled
from .query import Query
from .settings import QboSettings

STATE_KEY = "client"
"""Where the run's client lives in ``ctx.state``."""

_REQUEST_NS = uuid.UUID("6f1d3c52-8a43-4f7e-9d0b-51c0a7e4b0a1")


def request_id(*parts: str) -> str:
    """Return a 36-character ``requestid`` derived from the parts (same parts, same id)."""
    return str(uuid.uuid5(_REQUEST_NS, "\x1f".join(parts)))


def to_utc_iso(text: str) -> str:
    """Return a QBO timestamp (any offset) as ISO-8601 UTC with milliseconds, or empty."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def classify_429(response: httpx.Response) -> RateLimitVerdict:
    """Wait out QBO's per-minute throttle; stop on a used-up monthly quota."""
    text = response.text.lower()
    if "quota" in text or "monthly" in text:
        return "stop"
    return "wait"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


class QboClient:
    """Calls one QBO company (realm) for one run."""

    def __init__(self, ctx: ConnectorContext, settings: QboSettings) -> None:
        self.name = ctx.name
        self.settings = settings
        self.last_time = ""
        self.auth = OAuth2Auth(
            OAuthSettings(
                connector=ctx.name,
                token_url=settings.token_url,
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                grant=settings.grant,
                scopes=settings.scopes,
                seed_refresh_token=settings.refresh_token,
            ),
            ctx.tokens,
        )
        policy = RetryPolicy(
            retry_after_default=60.0,
            retry_after_cap=settings.retry_after_cap,
            max_per_second=10,
            idempotency_params=("requestid",),
        )
        self.http = ctx.http_factory(
            base_url=f"{settings.api_url}/v3/company/{settings.realm_id}",
            auth=self.auth,
            policy=policy,
            classify_429=classify_429,
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    # -- plumbing -------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        requestid: str = "",
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON answer, or raise a one-line error.

        :raises AuthError: credentials refused (after one refresh).
        :raises RateLimitError: still throttled after the transport's waits.
        :raises QboFaultError: the answer is a fault (also with HTTP 200).
        :raises ProtocolError: the answer is not the JSON QBO promises.
        :raises RemoteError: any other non-2xx answer or a network failure.
        """
        query = {"minorversion": str(self.settings.minorversion)}
        query.update(params or {})
        if requestid:
            query["requestid"] = requestid
        where = f"{self.name} {method} /{path.lstrip('/')}"
        headers = {}
        content = None
        if body is not None:
            content = json.dumps(body, default=_json_default).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, path, params=query, content=content,
                                         headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{where}: connection failed ({exc.__class__.__name__})") from exc
        data = self._decode(where, response)
        stamp = to_utc_iso(str(data.get("time") or ""))
        if stamp:
            self.last_time = stamp
        return data

    def _decode(self, where: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        text = response.text
        data: Any = None
        bad_json = False
        if text.strip():
            try:
                data = json.loads(text, parse_float=Decimal)
            except ValueError:
                bad_json = True
        fault = fault_from_json(data) if data is not None else fault_from_xml(text)
        if status in (401, 403) or (fault is not None and "Authentication" in fault.type):
            detail = f" ({fault.one_line()})" if fault else ""
            raise AuthError(f"{where}: HTTP {status}, QBO refused the credentials{detail}; "
                            f"run `loftterm connect {self.name}` to reconnect")
        if status == 429 or (fault is not None and fault.throttled) or (
            data is None and looks_throttled(text)
        ):
            raise RateLimitError(f"{where}: QBO throttled the requests (ThrottleExceeded 3001) "
                                 "even after waiting; the run stopped and resumes on the next sync")
        if fault is not None:
            raise QboFaultError(f"{where}: HTTP {status} {fault.one_line()}", fault, status)
        if status >= 300:
            raise RemoteError(f"{where}: HTTP {status}")
        if bad_json:
            raise ProtocolError(f"{where}: answer is malformed JSON")
        if not isinstance(data, dict):
            raise ProtocolError(f"{where}: answer is not a JSON object")
        return data

    # -- reads ----------------------------------------------------------------------------

    def query(self, statement: Query | str) -> dict[str, Any]:
        """Run one query and return its ``QueryResponse`` (empty when nothing matched)."""
        data = self.call("GET", "query", params={"query": str(statement)})
        found = data.get("QueryResponse")
        if found is None:
            return {}
        if not isinstance(found, dict):
            raise ProtocolError(f"{self.name} GET /query: QueryResponse is not an object")
        return found

    def rows(self, statement: Query | str, entity: str) -> list[dict[str, Any]]:
        """Run one query and return the records of the entity it lists."""
        found = self.query(statement).get(entity) or []
        if not isinstance(found, list):
            raise ProtocolError(f"{self.name} GET /query: {entity} is not a list")
        return [row for row in found if isinstance(row, dict)]

    def count(self, statement: Query) -> int:
        """Run a ``COUNT(*)`` query and return the count."""
        value = self.query(statement).get("totalCount") or 0
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError) as exc:  # issue 7 fuzz: was a traceback
            raise ProtocolError(f"{self.name} GET /query: totalCount is not a number") from exc

    def read(self, entity: str, remote_id: str) -> dict[str, Any]:
        """Return one record (``GET /customer/{id}``)."""
        return self._entity(entity, self.call("GET", f"{entity.lower()}/{remote_id}"), "GET")

    def company_info(self) -> dict[str, Any]:
        """Return the company's CompanyInfo record."""
        realm = self.settings.realm_id
        return self._entity("CompanyInfo", self.call("GET", f"companyinfo/{realm}"), "GET")

    def cdc(self, entities: Sequence[str], changed_since: str) -> dict[str, list[dict[str, Any]]]:
        """Return the records of the entities changed since a time, by entity (one call)."""
        data = self.call("GET", "cdc", params={"entities": ",".join(entities),
                                               "changedSince": changed_since})
        out: dict[str, list[dict[str, Any]]] = {e: [] for e in entities}
        responses = data.get("CDCResponse")
        if not isinstance(responses, list):
            raise ProtocolError(f"{self.name} GET /cdc: answer has no CDCResponse list")
        for block in responses:
            for part in (block.get("QueryResponse") or []) if isinstance(block, dict) else []:
                if not isinstance(part, dict):
                    continue
                for entity in entities:
                    rows = part.get(entity)
                    if isinstance(rows, list):
                        out[entity].extend(r for r in rows if isinstance(r, dict))
        return out

    # -- writes ---------------------------------------------------------------------------

    def write(self, entity: str, body: Mapping[str, Any], requestid: str) -> dict[str, Any]:
        """Create or update one record (``POST /customer``) and return it as QBO now holds it."""
        data = self.call("POST", entity.lower(), body=dict(body), requestid=requestid)
        return self._entity(entity, data, "POST")

    def batch(
        self, items: Sequence[Mapping[str, Any]], requestid: str
    ) -> dict[str, dict[str, Any]]:
        """Send ``BatchItemRequest`` items in one call; return each ``BatchItemResponse`` by bId."""
        body = {"BatchItemRequest": list(items)}
        data = self.call("POST", "batch", body=body, requestid=requestid)
        answers = data.get("BatchItemResponse")
        if not isinstance(answers, list):
            raise ProtocolError(f"{self.name} POST /batch: answer has no BatchItemResponse list")
        return {str(a.get("bId")): a for a in answers if isinstance(a, dict)}

    def _entity(self, entity: str, data: Mapping[str, Any], method: str) -> dict[str, Any]:
        found = data.get(entity)
        if not isinstance(found, dict):
            raise ProtocolError(f"{self.name} {method} /{entity.lower()}: answer has no {entity}")
        return found


def client_for(ctx: ConnectorContext) -> QboClient:
    """Return the run's client, building it (and noting the realm in ``ctx.state``) once."""

    def build() -> QboClient:
        client = QboClient(ctx, QboSettings.from_context(ctx))
        ctx.state["tenant_id"] = client.settings.realm_id
        return client

    return ctx.kept(STATE_KEY, QboClient, build)


def close_client(ctx: ConnectorContext) -> None:
    """Close the run's client, if one was built."""
    ctx.release(STATE_KEY)
