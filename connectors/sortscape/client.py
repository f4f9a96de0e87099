"""HTTP calls to SortScape's REST API (see ``API.md``).

One :class:`SortScapeClient` per run, kept in ``ctx.state``.  Errors are one line naming the
endpoint: :class:`~loftterm.api.AuthError` for a refused key, :class:`~loftterm.api.ProtocolError`
for an answer that is not the promised JSON, :class:`SortScapeApiError` for a refused request
(the plugin turns those into per-record outcomes), :class:`~loftterm.api.RemoteError` otherwise.
The API key is sent in a header only and never appears in a message.
"""

from __future__ import annotations

import email.utils
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from loftterm.api import (
    AuthError,
    ConnectorContext,
    ProtocolError,
    RateLimitError,
    RemoteError,
    RetryPolicy,
)

DEFAULT_API_URL = "https://app.sortscape.example/api/v1"
STATE_KEY = "client"
MAX_PAGE_SIZE = 500

POLICY = RetryPolicy(
    max_retries=4,
    backoff_base=0.5,
    backoff_cap=8.0,
    retry_after_default=30.0,  # SortScape always sends Retry-After; this is a fallback
    retry_after_cap=60.0,
    total_wait_cap=180.0,
    idempotency_headers=("Idempotency-Key",),
    idempotency_params=(),
)


class SortScapeApiError(RemoteError):
    """SortScape refused one request (4xx other than 401/403/429).

    :param status: the HTTP status.
    :param code: the ``error.code`` of the answer (``version_conflict``, ``archive_blocked``...).
    :param detail: the whole ``error`` object.
    """

    def __init__(self, message: str, status: int, code: str, detail: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = dict(detail)


@dataclass
class Page:
    """One page of a SortScape list answer."""

    data: list[dict[str, Any]]
    page: int
    next_page: int | None
    total: int | None
    server_time: str
    extra: dict[str, Any] = field(default_factory=dict)


def _seg(record_id: str) -> str:
    """Return a record id escaped for use as one path segment."""
    return urllib.parse.quote(record_id, safe="")


def new_idempotency_key() -> str:
    """Return a fresh key for a write the engine gave no key for."""
    return f"loftterm-{uuid.uuid4()}"


def iso_utc(moment: datetime) -> str:
    """Return a time as SortScape writes it: ISO-8601 UTC to the second, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _server_time(meta: Mapping[str, Any], response: httpx.Response) -> str:
    """Return the server's clock from ``meta.server_time``, else the ``Date`` header."""
    stamp = str(meta.get("server_time") or "")
    if stamp:
        try:
            return iso_utc(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
        except ValueError:
            pass
    header = response.headers.get("Date", "")
    try:
        return iso_utc(email.utils.parsedate_to_datetime(header)) if header else ""
    except (TypeError, ValueError):
        return ""


def _error_detail(response: httpx.Response) -> dict[str, Any]:
    """Return the ``error`` object of an error answer, empty when there is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class SortScapeClient:
    """Thin typed wrapper over SortScape's endpoints for one run."""

    def __init__(self, ctx: ConnectorContext) -> None:
        self.name = ctx.name or "sortscape"
        base = str(ctx.setting("api_url") or DEFAULT_API_URL).rstrip("/")
        key = str(ctx.setting("api_key") or "")
        if not key:
            raise AuthError(f"{self.name}: no api_key configured (connectors.{self.name}.api_key)")
        try:
            size = int(ctx.setting("page_size", 200))
        except (TypeError, ValueError):
            size = 200
        self.page_size = max(1, min(MAX_PAGE_SIZE, size))
        self.http = ctx.http_factory(
            base_url=base, policy=POLICY, headers={"Authorization": f"Bearer {key}"}
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _where(self, method: str, path: str) -> str:
        return f"{self.name} {method} {path}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, httpx.Response]:
        """Send one request; return the parsed JSON body and the response, or raise."""
        where = self._where(method, path)
        try:
            response = self.http.request(
                method, path, params=params, json=body, headers=dict(headers or {})
            )
        except httpx.HTTPError as exc:
            raise RemoteError(f"{where}: request failed ({exc.__class__.__name__})") from exc
        self._raise_for_status(where, response)
        try:
            return response.json(), response
        except ValueError as exc:
            raise ProtocolError(f"{where}: answer is not valid JSON") from exc

    def _raise_for_status(self, where: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 300:
            return
        detail = _error_detail(response)
        code = str(detail.get("code") or "")
        text = str(detail.get("message") or code or response.reason_phrase)
        if status in (401, 403):
            raise AuthError(
                f"{where}: SortScape refused the API key (HTTP {status}: {text}); "
                f"check connectors.{self.name}.api_key"
            )
        if status == 429:
            raise RateLimitError(f"{where}: still rate-limited after waiting; try again later")
        if 400 <= status < 500:
            raise SortScapeApiError(f"{where}: HTTP {status} {code}: {text}", status, code, detail)
        raise RemoteError(f"{where}: SortScape answered HTTP {status} ({text})")

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Send a request whose answer is one JSON object."""
        data, _ = self._send(method, path, **kwargs)
        # a null or empty id is no record either (issue 7 fuzz: it was mapped to remote id "")
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            raise ProtocolError(f"{self._where(method, path)}: answer is not a SortScape record")
        return data

    def _page(self, path: str, params: Mapping[str, Any]) -> Page:
        """Fetch one page of a list endpoint."""
        data, response = self._send("GET", path, params=params)
        rows = data.get("data") if isinstance(data, dict) else None
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not isinstance(meta, dict):
            raise ProtocolError(f"{self._where('GET', path)}: answer has no data/meta envelope")
        try:
            page = int(meta.get("page") or params.get("page") or 1)
            nxt = meta.get("next_page")
            total = meta.get("total")
            return Page(
                data=[r for r in rows if isinstance(r, dict)],
                page=page,
                next_page=int(nxt) if nxt is not None else None,
                total=int(total) if total is not None else None,
                server_time=_server_time(meta, response),
                extra={k: v for k, v in data.items() if k not in ("data", "meta")},
            )
        except (TypeError, ValueError, OverflowError) as exc:  # Overflow: Infinity (issue 7 fuzz)
            raise ProtocolError(f"{self._where('GET', path)}: unreadable paging meta") from exc

    def _all(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Fetch every page of a list endpoint."""
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self._page(path, {**params, "page": page, "per_page": self.page_size})
            rows.extend(answer.data)
            if answer.next_page is None:
                return rows
            if answer.next_page <= page:
                raise ProtocolError(f"{self._where('GET', path)}: page cursor repeated ({page})")
            page = answer.next_page

    @staticmethod
    def _write_headers(idempotency_key: str, version: str = "") -> dict[str, str]:
        headers = {"Idempotency-Key": idempotency_key or new_idempotency_key()}
        if version:
            headers["If-Match"] = version
        return headers

    # -- endpoints --------------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """``GET /account``: the account the key belongs to (id, name)."""
        return self._object("GET", "/account")

    def list_contacts(self, page: int, updated_since: str = "") -> Page:
        """``GET /contacts``: one page, archived included, optionally changed since a time."""
        params: dict[str, Any] = {"page": page, "per_page": self.page_size,
                                  "include_archived": "true"}
        if updated_since:
            params["updated_since"] = updated_since
        return self._page("/contacts", params)

    def create_contact(self, body: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        """``POST /contacts``: create a contact (with its first property)."""
        return self._object("POST", "/contacts", body=dict(body),
                            headers=self._write_headers(idempotency_key))

    def update_contact(
        self, contact_id: str, body: Mapping[str, Any], version: str, idempotency_key: str
    ) -> dict[str, Any]:
        """``PATCH /contacts/{id}``: change some fields, refused when ``version`` is stale."""
        return self._object("PATCH", f"/contacts/{_seg(contact_id)}", body=dict(body),
                            headers=self._write_headers(idempotency_key, version))

    def archive_contact(self, contact_id: str, idempotency_key: str = "") -> dict[str, Any]:
        """``POST /contacts/{id}/archive``: archive a contact and its properties."""
        return self._object("POST", f"/contacts/{_seg(contact_id)}/archive",
                            headers=self._write_headers(idempotency_key))

    def restore_contact(self, contact_id: str, idempotency_key: str = "") -> dict[str, Any]:
        """``POST /contacts/{id}/restore``: make an archived contact (and its properties) active."""
        return self._object("POST", f"/contacts/{_seg(contact_id)}/restore",
                            headers=self._write_headers(idempotency_key))

    def list_jobs(self, contact_id: str) -> list[dict[str, Any]]:
        """``GET /jobs?contact_id=``: every job of one contact."""
        return self._all("/jobs", {"contact_id": contact_id})

    def list_materials(self) -> list[dict[str, Any]]:
        """``GET /materials``: every material, archived included."""
        return self._all("/materials", {"include_archived": "true"})

    def create_material(self, body: Mapping[str, Any], idempotency_key: str = "") -> dict[str, Any]:
        """``POST /materials``: create a material."""
        return self._object("POST", "/materials", body=dict(body),
                            headers=self._write_headers(idempotency_key))

    def update_material(
        self, material_id: str, body: Mapping[str, Any], idempotency_key: str = ""
    ) -> dict[str, Any]:
        """``PATCH /materials/{id}``: change a material (linked ones too)."""
        return self._object("PATCH", f"/materials/{_seg(material_id)}", body=dict(body),
                            headers=self._write_headers(idempotency_key))


def get_client(ctx: ConnectorContext) -> SortScapeClient:
    """Return the run's client, building it on first use."""
    return ctx.kept(STATE_KEY, SortScapeClient, lambda: SortScapeClient(ctx))


def close_client(ctx: ConnectorContext) -> None:
    """Close and forget the run's client, if one was built."""
    ctx.release(STATE_KEY)
