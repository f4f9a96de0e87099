"""A small client for Xero's Accounting API on top of the host's HTTP layer.

The host's client does OAuth2, retries, ``Retry-After`` waits and call counting; this module adds
what is Xero's own: the tenant header, the daily-limit verdict on a 429, deterministic
Idempotency-Keys, exact (``Decimal``) JSON numbers, and one-line errors naming the endpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
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

DEFAULT_API_URL = "https://api.xero.com/api.xro/2.0"
DEFAULT_TOKEN_URL = "https://identity.xero.com/connect/token"
DEFAULT_CONNECTIONS_URL = "https://api.xero.com/connections"
DEFAULT_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
DEFAULT_SCOPES = "accounting.contacts accounting.settings accounting.transactions"
MAX_PAGE_SIZE = 1000
MAX_IDEMPOTENCY_KEY = 128
# Xero keeps a rotated refresh token usable for 30 minutes (API notes 1.9)
REFRESH_GRACE_S = 1800.0
STATE_KEY = "xero_client"


class XeroValidationError(RemoteError):
    """Xero refused a whole write with a ``ValidationException``; ``elements`` lists the items."""

    def __init__(self, message: str, elements: list[Mapping[str, Any]]) -> None:
        super().__init__(message)
        self.elements = elements


def classify_429(response: httpx.Response) -> RateLimitVerdict:
    """Stop the run on Xero's daily limit (``X-Rate-Limit-Problem: day``); wait on the others."""
    problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
    return "stop" if problem == "day" else "wait"


def idempotency_key(kind: str, keys: Sequence[str], body: bytes = b"") -> str:
    """Derive a batch's Idempotency-Key from its requests' keys (the body when a key is missing).

    The same requests always give the same key, so a retried batch is replayed by Xero instead
    of being applied twice; the result is at most 128 characters.
    """
    material = "\n".join(keys) if keys and all(keys) else body.decode("utf-8", "replace")
    digest = hashlib.sha256(f"{kind}\n{material}".encode()).hexdigest()
    return f"loftterm-{kind}-{digest}"[:MAX_IDEMPOTENCY_KEY]


def oauth_settings(ctx: ConnectorContext) -> OAuthSettings:
    """Build the OAuth2 settings from the connector's config section."""
    grant = str(ctx.setting("grant") or "client_credentials")
    scopes = str(ctx.setting("scopes") or DEFAULT_SCOPES)
    return OAuthSettings(
        connector=ctx.name,
        token_url=str(ctx.setting("token_url") or DEFAULT_TOKEN_URL),
        client_id=str(ctx.setting("client_id") or ""),
        client_secret=str(ctx.setting("client_secret") or ""),
        grant=grant,
        scopes=scopes if grant == "client_credentials" else "",
        seed_refresh_token=str(ctx.setting("refresh_token") or ""),
        refresh_grace_s=REFRESH_GRACE_S,
    )


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # money has at most 4 decimals: float's repr round-trips it
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def dumps(body: Any) -> bytes:
    """Serialise a request body deterministically (sorted keys, Decimal as a JSON number)."""
    return json.dumps(body, default=_encode, sort_keys=True, separators=(",", ":")).encode()


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def first_validation_message(elements: Any) -> str:
    """Return the first ``ValidationErrors[].Message`` found in a list of elements."""
    if not isinstance(elements, list):
        return ""
    for element in elements:
        errors = element.get("ValidationErrors") if isinstance(element, Mapping) else None
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, Mapping) and error.get("Message"):
                return str(error["Message"])
    return ""


def describe_problem(response: httpx.Response) -> str:
    """Return what a failed answer says, in one short line (never the request's headers)."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        message = first_validation_message(data.get("Elements"))
        if message:
            return _one_line(message)
        for key in ("Detail", "Message", "Title", "error_description", "error"):
            if isinstance(data.get(key), str) and data[key].strip():
                return _one_line(str(data[key]))
    text = response.content[:400].decode("utf-8", "replace").strip()
    return _one_line(text, 120) if text else ""


class XeroClient:
    """Xero Accounting calls for one run; built once per run and kept in ``ctx.state``."""

    def __init__(self, ctx: ConnectorContext) -> None:
        self.ctx = ctx
        self.label = ctx.name
        self.api_url = str(ctx.setting("api_url") or DEFAULT_API_URL).rstrip("/")
        self.connections_url = str(ctx.setting("connections_url") or DEFAULT_CONNECTIONS_URL)
        size = int(ctx.setting("page_size") or MAX_PAGE_SIZE)
        self.page_size = max(1, min(size, MAX_PAGE_SIZE))
        self.auth = OAuth2Auth(oauth_settings(ctx), ctx.tokens)
        self._tenant = str(ctx.setting("tenant_id") or "").strip()
        headers = {"xero-tenant-id": self._tenant} if self._tenant else {}
        policy = RetryPolicy(retry_after_cap=float(ctx.setting("retry_after_cap") or 60.0))
        self.http: httpx.Client = ctx.http_factory(
            base_url=self.api_url,
            auth=self.auth,
            policy=policy,
            classify_429=classify_429,
            headers=headers,
        )
        if self._tenant:
            ctx.state["tenant_id"] = self._tenant
            ctx.state.setdefault("tenant_name", "")

    def close(self) -> None:
        """Close the HTTP client (its connections)."""
        self.http.close()

    # ------------------------------------------------------------------------- transport

    def _where(self, method: str, path: str) -> str:
        return f"{self.label} {method} {path}"

    def _fail(self, method: str, path: str, response: httpx.Response) -> RemoteError:
        where = self._where(method, path)
        code = response.status_code
        detail = describe_problem(response)
        said = f"HTTP {code}" + (f": {detail}" if detail else "")
        if code in (401, 403):
            return AuthError(
                f"{where}: Xero refused the access ({said}); check client_id, client_secret, "
                f"scopes and tenant_id, or run `loftterm connect {self.label}`"
            )
        if code == 429:
            problem = response.headers.get("X-Rate-Limit-Problem", "") or "minute"
            return RateLimitError(f"{where}: Xero's {problem} rate limit is still exceeded "
                                  f"({said})")
        if code == 400:
            try:
                data = json.loads(response.content)
            except ValueError:
                data = None
            if isinstance(data, Mapping) and isinstance(data.get("Elements"), list):
                return XeroValidationError(f"{where}: Xero refused the data ({said})",
                                           list(data["Elements"]))
        return RemoteError(f"{where}: {said}")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        tenant: bool = True,
    ) -> Any:
        """Send one call and return its parsed JSON (numbers as ``Decimal``).

        :param path: relative to ``api_url`` (``/Contacts``) or an absolute URL.
        :param tenant: send the ``xero-tenant-id`` header (every Accounting call needs it).
        :raises RemoteError: (or a subclass) with one line naming the endpoint, for any non-2xx
            answer; :class:`~loftterm.api.ProtocolError` when a 2xx answer is not JSON.
        """
        shown = httpx.URL(path).path if "://" in path else path
        all_headers = dict(headers or {})
        if tenant:
            all_headers["xero-tenant-id"] = self.tenant_id()
        content = None
        if body is not None:
            content = dumps(body)
            all_headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, path, params=dict(params or {}), content=content,
                                         headers=all_headers)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self._where(method, shown)}: request failed "
                              f"({exc.__class__.__name__})") from exc
        if not 200 <= response.status_code < 300:
            raise self._fail(method, shown, response)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise ProtocolError(
                f"{self._where(method, shown)}: the answer is not valid JSON (malformed or cut "
                f"short, {len(response.content)} bytes)"
            ) from exc

    def _envelope(self, method: str, path: str, data: Any, collection: str) -> list[Any]:
        if not isinstance(data, Mapping) or not isinstance(data.get(collection), list):
            raise ProtocolError(f"{self._where(method, path)}: the answer has no {collection} list")
        return list(data[collection])

    def _refuse_dry_run(self, method: str, path: str) -> None:
        if self.ctx.dry_run:
            raise RemoteError(f"{self._where(method, path)}: refused, this is a dry run")

    # ---------------------------------------------------------------------------- tenants

    def connections(self) -> list[dict[str, Any]]:
        """Return ``GET /connections``: the tenants these credentials reach."""
        data = self.request("GET", self.connections_url, tenant=False)
        if not isinstance(data, list):
            raise ProtocolError(f"{self._where('GET', '/connections')}: the answer is not a list")
        return [dict(c) for c in data if isinstance(c, Mapping)]

    def tenant_id(self) -> str:
        """Return the organisation every Accounting call goes to, resolving it once.

        Order: the ``tenant_id`` setting, the tenant ``loftterm connect`` stored with the tokens,
        else the only ORGANISATION in ``/connections`` (or the book's pinned one among several).
        :raises RemoteError: when there is none, or several and nothing says which.
        """
        if self._tenant:
            return self._tenant
        stored = self.ctx.tokens.load()
        tenant, name = str(stored.get("tenant_id") or ""), str(stored.get("tenant_name") or "")
        if not tenant:
            tenant, name = self._pick_tenant()
        self._tenant = tenant
        self.http.headers["xero-tenant-id"] = tenant
        self.ctx.state["tenant_id"] = tenant
        self.ctx.state["tenant_name"] = name
        return tenant

    def _pick_tenant(self) -> tuple[str, str]:
        orgs = [c for c in self.connections()
                if str(c.get("tenantType") or "").upper() == "ORGANISATION" and c.get("tenantId")]
        if len(orgs) == 1:
            return str(orgs[0]["tenantId"]), str(orgs[0].get("tenantName") or "")
        pin = self.ctx.pinned_tenant
        pinned = [c for c in orgs if pin and c["tenantId"] == pin]
        if pinned:
            return str(pinned[0]["tenantId"]), str(pinned[0].get("tenantName") or "")
        if not orgs:
            raise RemoteError(f"{self.label}: these credentials reach no Xero organisation; "
                              f"run `loftterm connect {self.label}` and pick one")
        listed = "; ".join(f"{c.get('tenantName') or '?'} ({c['tenantId']})" for c in orgs)
        raise RemoteError(f"{self.label}: the credentials reach {len(orgs)} organisations "
                          f"({listed}); set connectors.{self.label}.tenant_id to one of them")

    # --------------------------------------------------------------------------- contacts

    def contacts_page(self, page: int, since: str = "") -> dict[str, Any]:
        """Return one page of ``GET /Contacts`` (archived included), the whole envelope.

        :param page: 1-based page number.
        :param since: an ``If-Modified-Since`` value (see ``mapping.if_modified_since``).
        """
        headers = {"If-Modified-Since": since} if since else {}
        params: dict[str, str | int] = {"page": page, "pageSize": self.page_size,
                                        "includeArchived": "true"}
        data = self.request("GET", "/Contacts", params=params, headers=headers)
        self._envelope("GET", "/Contacts", data, "Contacts")
        return dict(data)

    def contacts_by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Return the contacts with these ContactIDs (archived included), with their Balances.

        One ``GET /Contacts?IDs=...&page=1`` call: the paged form carries Balances, which the
        unpaged and ``summaryOnly`` forms leave out.  Keep ``ids`` to about 50 (URL length).
        """
        params: dict[str, str | int] = {"IDs": ",".join(ids), "page": 1,
                                        "pageSize": self.page_size, "includeArchived": "true"}
        data = self.request("GET", "/Contacts", params=params)
        found = self._envelope("GET", "/Contacts", data, "Contacts")
        return [dict(c) for c in found if isinstance(c, Mapping)]

    def save_contacts(
        self, method: str, contacts: Sequence[Mapping[str, Any]], key: str
    ) -> list[dict[str, Any]]:
        """Write contacts with ``summarizeErrors=false``; return one element per contact, in order.

        :param method: ``PUT`` (create only) or ``POST`` (update, matched on ``ContactID``).
        :param key: the batch's Idempotency-Key.
        :raises XeroValidationError: when Xero refuses the batch as a whole.
        """
        self._refuse_dry_run(method, "/Contacts")
        data = self.request(method, "/Contacts", params={"summarizeErrors": "false"},
                            body={"Contacts": list(contacts)}, headers={"Idempotency-Key": key})
        elements = self._envelope(method, "/Contacts", data, "Contacts")
        if len(elements) != len(contacts):
            raise ProtocolError(f"{self._where(method, '/Contacts')}: sent {len(contacts)} "
                                f"contacts, the answer lists {len(elements)}")
        return [dict(e) for e in elements]

    # ------------------------------------------------------------------------------ items

    def items(self) -> list[dict[str, Any]]:
        """Return every item (``GET /Items``, which has no paging)."""
        data = self.request("GET", "/Items")
        return [dict(i) for i in self._envelope("GET", "/Items", data, "Items")]

    def save_items(self, items: Sequence[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
        """Create or update items (``POST /Items``, matched on ``ItemID`` or ``Code``)."""
        self._refuse_dry_run("POST", "/Items")
        data = self.request("POST", "/Items", params={"summarizeErrors": "false"},
                            body={"Items": list(items)}, headers={"Idempotency-Key": key})
        elements = self._envelope("POST", "/Items", data, "Items")
        if len(elements) != len(items):
            raise ProtocolError(f"{self._where('POST', '/Items')}: sent {len(items)} items, "
                                f"the answer lists {len(elements)}")
        return [dict(e) for e in elements]

    # -------------------------------------------------------------------------- documents

    def find_documents(
        self, endpoint: str, collection: str, field: str, values: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Return the documents whose ``field`` equals one of ``values`` (one GET)."""
        if not values:
            return []
        clause = " OR ".join(f'{field}=="{quote_where(v)}"' for v in values)
        data = self.request("GET", endpoint, params={"where": clause, "page": 1})
        return [dict(d) for d in self._envelope("GET", endpoint, data, collection)]

    def documents_page(self, endpoint: str, collection: str, page: int, size: int, *,
                       since: str = "") -> dict[str, Any]:
        """Return one page of a document listing, the whole envelope (summaries for invoices).

        :param since: an ``If-Modified-Since`` value: only documents modified after it.
        """
        params: dict[str, str | int] = {"page": page, "pageSize": size}
        if collection == "Invoices":
            params["summaryOnly"] = "true"
        headers = {"If-Modified-Since": since} if since else {}
        data = self.request("GET", endpoint, params=params, headers=headers)
        self._envelope("GET", endpoint, data, collection)
        return dict(data)

    def create_documents(
        self, endpoint: str, collection: str, documents: Sequence[Mapping[str, Any]], key: str
    ) -> list[dict[str, Any]]:
        """Create invoices or credit notes (``PUT``, ``summarizeErrors=false``), in order."""
        self._refuse_dry_run("PUT", endpoint)
        data = self.request("PUT", endpoint, params={"summarizeErrors": "false"},
                            body={collection: list(documents)}, headers={"Idempotency-Key": key})
        elements = self._envelope("PUT", endpoint, data, collection)
        if len(elements) != len(documents):
            raise ProtocolError(f"{self._where('PUT', endpoint)}: sent {len(documents)} "
                                f"documents, the answer lists {len(elements)}")
        return [dict(e) for e in elements]


def quote_where(value: str) -> str:
    """Escape a string for a double-quoted literal in a Xero ``where`` clause."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def client_for(ctx: ConnectorContext) -> XeroClient:
    """Return the run's client, building it (and its HTTP client) on first use."""
    return ctx.kept(STATE_KEY, XeroClient, lambda: XeroClient(ctx))


def close_client(ctx: ConnectorContext) -> None:
    """Close and forget the run's client, if one was built."""
    ctx.release(STATE_KEY)
