"""A loopback QuickBooks Online: OAuth2, query, CDC, batch, SyncTokens, faults, requestid replay.

It answers what the connector uses, with QBO's rules: DisplayName unique across Customers,
Vendors and Employees (inactive included, Fault 6240), SyncToken checked and bumped on every
write (Fault 5010 when stale), sparse vs full updates, no Vendor ShipAddr, a customer with a
balance cannot be made inactive (one made inactive is renamed ``Name (deleted)``, as QBO
does), ``requestid`` replays the first answer, at most 1000 rows per
query and per CDC answer, at most 30 batch items.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from loftterm.api import (
    DemoSandbox,
    Fault,
    SandboxRequest,
    SandboxResponse,
    SandboxServer,
    TokenIssuer,
)

from .parser import ParsedQuery, QueryError, parse, predicate, sort_key
from .rules import (
    INACTIVE_DETAIL,
    ApiFault,
    WriteRules,
    bump,
)
from .seed import COMPANY_INFO, REALM_ID, load_generated, load_seed
from .store import ENTITIES, LISTS, NAME_LISTS, Record, Store, name_key, now, stamp

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"
ACCESS_TTL = 3600.0
REFRESH_TTL = 8726400
MAX_BATCH = 30
CDC_CAP = 1000
CDC_LOOKBACK = timedelta(days=30)
def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def reply(body: dict[str, Any], status: int = 200) -> SandboxResponse:
    """Return a JSON answer stamped with QBO's ``time`` (encoded now, under the caller's lock)."""
    body.setdefault("time", stamp(now()))
    raw = json.dumps(body, default=_json_default).encode("utf-8")
    return SandboxResponse(status, None, {"Content-Type": "application/json"}, raw)


def fault_reply(fault: ApiFault) -> SandboxResponse:
    """Return a fault answer."""
    return reply({"Fault": fault.body()}, fault.status)


def throttle_body() -> dict[str, Any]:
    """Return the JSON body of a 429 throttle answer."""
    return {"Fault": {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; "
                                 "statusCode=429", "Detail": "The request limit was reached.",
                                 "code": "3001"}], "type": "SERVICE"}}


THROTTLE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" '
    b'time="2024-03-04T09:30:00.000+10:00">'
    b'<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; '
    b"errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.</Detail>"
    b"</Error></Fault></IntuitResponse>"
)


def canonical(entity: str) -> str:
    """Return the entity's QBO spelling (``vendorcredit`` -> ``VendorCredit``)."""
    for name in ENTITIES:
        if name.lower() == entity.lower():
            return name
    raise ApiFault("4001", "Invalid query", f"QueryValidationError: Unknown entity {entity}")


def _parse_body(request: SandboxRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8") or "null", parse_float=Decimal)
    except ValueError as exc:
        raise ApiFault("2010", "Request has invalid or unsupported property",
                       "The request body is not valid JSON") from exc


class QboSandbox(WriteRules, DemoSandbox):
    """The QBO sandbox; ``start()`` serves it on loopback (port 0: any free port).

    Its refresh tokens are strict: a rotated one is refused at once.  Intuit documents no grace
    period, only that the newest refresh token must always be stored (API notes 2.7).
    """

    def __init__(self, seed: bool = True, contacts: int = 0, realm_id: str = REALM_ID,
                 host: str = "127.0.0.1", port: int = 0, prefix: str = "*") -> None:
        self.server = SandboxServer("qbo", host, port)
        self.issuer = TokenIssuer(CLIENT_ID, CLIENT_SECRET, access_ttl=ACCESS_TTL)
        self.realm_id = realm_id
        self._seed, self._contacts, self._prefix = seed, contacts, prefix
        self.store = Store()
        self.refresh_token = ""
        self.replays: dict[str, SandboxResponse] = {}
        self._stale_pending = 0
        self._fail_after_write = 0
        self.unique_doc_numbers = False
        self._query_cache: dict[str, tuple[tuple[Any, ...], list[Record]]] = {}
        self._load()
        self._routes()

    def _load(self) -> None:
        self.store = Store()
        if self._seed:
            load_seed(self.store)
        load_generated(self.store, self._contacts, self._prefix)

    def reset(self) -> None:
        """Reload the data and forget faults, replays and the request log (keeps serving).

        A fresh refresh token is minted, so ``connector_settings()`` connects again.
        """
        with self.server.lock:
            self._load()
            self.replays.clear()
            self._query_cache.clear()
            self._stale_pending = self._fail_after_write = 0
            self.unique_doc_numbers = False
            self.server.faults.clear()
            self.server.log.clear()
            self.server.expired_tokens_pending = 0
            self.refresh_token = self.issuer.new_refresh_token()

    # -- DemoSandbox ----------------------------------------------------------------------

    def start(self) -> str:
        """Start serving; mint a refresh token the demo can connect with; return the URL."""
        url = self.server.start()
        self.refresh_token = self.issuer.new_refresh_token()
        return url

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    @property
    def url(self) -> str:
        """The base URL."""
        return self.server.url

    def connector_settings(self) -> dict[str, Any]:
        """Return the ``connectors.qbo`` section pointing at this running sandbox."""
        url = self.server.url
        return {
            "api_url": url,
            "token_url": url + "/oauth2/v1/tokens/bearer",
            "authorize_url": url + "/connect/oauth2",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "realm_id": self.realm_id,
            "refresh_token": self.refresh_token,
        }

    # -- fault switches -------------------------------------------------------------------

    def throttle(self, times: int = 1) -> None:
        """Answer the next API calls with HTTP 429 and a JSON ThrottleExceeded (3001) fault."""
        self.server.faults.status(429, path=r"^/v3/", times=times, body=throttle_body())

    def throttle_xml(self, times: int = 1) -> None:
        """Answer the next API calls with HTTP 429 and the fault as XML (as QBO has done)."""
        self.server.faults.add(Fault("status", r"^/v3/", "", times, 429, None, THROTTLE_XML,
                                     {"Content-Type": "application/xml"}))

    def server_error(self, status: int = 500, times: int = 1, path: str = r"^/v3/") -> None:
        """Answer the next matching calls with a 5xx."""
        body = {"Fault": {"Error": [{"Message": "An application error has occurred",
                                     "Detail": "Internal Server Error", "code": "10000"}],
                          "type": "SystemFault"}}
        self.server.faults.status(status, path=path, times=times, body=body)

    def slow(self, delay: float, times: int = 1, path: str = r"^/v3/") -> None:
        """Delay the next matching answers."""
        self.server.faults.add(Fault("slow", path, times=times, delay=delay))

    def expire_token(self) -> None:
        """Expire every access token: the next call gets 401 and must refresh."""
        self.issuer.expire_all()

    def malformed(self, path: str = r"^/v3/", times: int = 1) -> None:
        """Answer the next matching calls with broken JSON."""
        self.server.faults.add(Fault("malformed", path, times=times))

    def stale_next_write(self, times: int = 1) -> None:
        """Bump the target record's SyncToken behind the client's back on the next updates."""
        with self.server.lock:
            self._stale_pending += times

    def fail_after_write(self, times: int = 1) -> None:
        """Do the next writes but answer 503, as if the answer were lost on the way back."""
        with self.server.lock:
            self._fail_after_write += times

    def refuse_duplicate_doc_numbers(self, refuse: bool = True) -> None:
        """Refuse a document whose DocNumber another of its kind holds (the company setting).

        QBO companies may warn about or block duplicate document numbers; a request with
        ``include=allowduplicatedocnum`` is let through either way.
        """
        with self.server.lock:
            self.unique_doc_numbers = refuse

    # -- inspection (tests and demo) -------------------------------------------------------

    def record(self, entity: str, rid: str) -> Record | None:
        """Return a copy of one record."""
        with self.server.lock:
            return self.store.table(entity).get(rid)

    def find(self, entity: str, display_name: str) -> list[Record]:
        """Return the records of an entity with a DisplayName (or Name, for items)."""
        with self.server.lock:
            if entity in NAME_LISTS:
                holder = self.store.name_holder(display_name)
                if holder is None or holder[0] != entity:
                    return []
                found = self.store.tables[entity].get(holder[1])
                return [found] if found else []
            key = name_key(display_name)
            table = self.store.table(entity)
            return [dict(r) for r in table if name_key(str(r.get("Name"))) == key]

    def count(self, entity: str) -> int:
        """Return how many records an entity holds."""
        with self.server.lock:
            return len(self.store.table(entity))

    def edit(self, entity: str, rid: str, **fields: Any) -> Record:
        """Change a record as a QBO user would (SyncToken and LastUpdatedTime move on)."""
        with self.server.lock:
            table = self.store.table(entity)
            current = table.get(rid)
            if current is None:
                raise KeyError(f"{entity} {rid}")
            old = str(current.get("DisplayName") or "")
            current.update(fields)
            bump(current)
            table.put(current)
            self.store.index_name(table.entity, current, old)
            return dict(current)

    def calls(self, method: str = "", path: str = "") -> list[SandboxRequest]:
        """Return the logged requests (filtered by method and path regex)."""
        return self.server.calls(method, path)

    # -- routing --------------------------------------------------------------------------

    def _routes(self) -> None:
        base = r"/v3/company/(?P<realm>[^/]+)"
        route = self.server.route
        route("GET", r"/\.well-known/openid_configuration/?", self._discovery)
        route("POST", r"/oauth2/v1/tokens/bearer", self._token)
        route("GET", r"/connect/oauth2", self._authorize)
        route("GET", base + r"/query", self._api(self._query))
        route("POST", base + r"/query", self._api(self._query))
        route("GET", base + r"/companyinfo/(?P<id>[^/]+)", self._api(self._company))
        route("GET", base + r"/cdc", self._api(self._cdc))
        route("POST", base + r"/batch", self._api(self._writing(self._batch)))
        route("GET", base + r"/(?P<entity>[A-Za-z]+)/(?P<id>[^/]+)", self._api(self._read))
        route("POST", base + r"/(?P<entity>[A-Za-z]+)", self._api(self._writing(self._write)))

    def _api(self, handler: Callable[[SandboxRequest], SandboxResponse]
             ) -> Callable[[SandboxRequest], SandboxResponse]:
        def serve(request: SandboxRequest) -> SandboxResponse:
            with self.server.lock:
                if not self.issuer.valid(request) or self.server.consume_expired_token():
                    return fault_reply(ApiFault(
                        "3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                        "Token expired or invalid", kind="AuthenticationFault", status=401))
                if request.match.get("realm") != self.realm_id:
                    return fault_reply(ApiFault(
                        "3100", "message=ApplicationAuthorizationFailed; errorCode=003100; "
                        "statusCode=403", "The app is not connected to this company",
                        kind="AuthorizationFault", status=403))
                try:
                    return handler(request)
                except ApiFault as fault:
                    return fault_reply(fault)
                except QueryError as error:
                    return fault_reply(ApiFault(error.code, error.message, error.detail))

        return serve

    def _writing(self, handler: Callable[[SandboxRequest], SandboxResponse]
                 ) -> Callable[[SandboxRequest], SandboxResponse]:
        """Wrap a write with the requestid replay cache and the lost-answer switch."""

        def serve(request: SandboxRequest) -> SandboxResponse:
            key = request.arg("requestid")
            if key and key in self.replays:
                return self.replays[key]
            try:
                response = handler(request)
            except ApiFault as fault:
                response = fault_reply(fault)
            if key and response.status == 200:
                self.replays[key] = response
                if self._fail_after_write:
                    self._fail_after_write -= 1
                    return reply({"Fault": {"Error": [{"Message": "Service Unavailable",
                                                       "Detail": "try again", "code": "10000"}],
                                            "type": "SystemFault"}}, 503)
            return response

        return serve

    # -- OAuth ----------------------------------------------------------------------------

    def _token(self, request: SandboxRequest) -> SandboxResponse:
        response = self.issuer.handle(request)
        if response.status == 200 and isinstance(response.body, dict):
            response.body["x_refresh_token_expires_in"] = REFRESH_TTL
        return response

    def _discovery(self, request: SandboxRequest) -> SandboxResponse:
        """Intuit's OpenID discovery document, pointing at this sandbox (intuit-oauth reads it)."""
        url = self.server.url
        return reply({"issuer": url, "authorization_endpoint": url + "/connect/oauth2",
                      "token_endpoint": url + "/oauth2/v1/tokens/bearer",
                      "revocation_endpoint": url + "/oauth2/v1/tokens/revoke",
                      "userinfo_endpoint": url + "/v1/openid_connect/userinfo",
                      "jwks_uri": url + "/oauth2/v1/keys"})

    def _authorize(self, request: SandboxRequest) -> SandboxResponse:
        redirect = request.arg("redirect_uri")
        if request.arg("client_id") != self.issuer.client_id or not redirect:
            return SandboxResponse(400, {"error": "invalid_client"})
        params = {"code": self.issuer.new_code(), "state": request.arg("state"),
                  "realmId": self.realm_id}
        joiner = "&" if "?" in redirect else "?"
        return SandboxResponse(302, None, {"Location": redirect + joiner +
                                           urllib.parse.urlencode(params)})

    # -- reads ----------------------------------------------------------------------------

    def _query(self, request: SandboxRequest) -> SandboxResponse:
        text = request.arg("query") if request.method == "GET" else request.body.decode("utf-8")
        return reply({"QueryResponse": self.run_query(text)})

    def run_query(self, text: str) -> dict[str, Any]:
        """Answer one statement with a ``QueryResponse`` object."""
        query = parse(text)
        entity = canonical(query.entity)
        table = self.store.table(entity)
        default_active = entity in LISTS
        everything = query.order is None and all(
            c.field.lower() == "active" and c.op == "IN" and set(c.values) == {True, False}
            for c in query.conditions) and (bool(query.conditions) or not default_active)
        by_name = next((c.values[0] for c in query.conditions if c.field.lower() == "displayname"
                        and c.op == "=" and isinstance(c.values[0], str)), None)
        by_id = next((c.values for c in query.conditions
                      if c.field.lower() == "id" and c.op == "IN"), None)
        if everything:
            total = len(table)
            page = table.window(query.start - 1, query.max_results) if not query.count else []
        elif by_name is not None and entity in NAME_LISTS:  # the name index, not a scan
            holder = self.store.name_holder(by_name)
            found = table.get(holder[1]) if holder and holder[0] == entity else None
            rows = [found] if found and predicate(query, default_active)(found) else []
            total = len(rows)
            page = rows[query.start - 1:query.start - 1 + query.max_results]
        elif by_id is not None:  # Id IN (...): looked up, not a scan
            check = predicate(query, default_active)
            rows = [r for v in dict.fromkeys(by_id)
                    if (r := table.get(str(v))) is not None and check(r)]
            total = len(rows)
            page = rows[query.start - 1:query.start - 1 + query.max_results]
        else:
            rows = self._matching(entity, query, default_active)
            total = len(rows)
            page = rows[query.start - 1:query.start - 1 + query.max_results]
        if query.count:
            return {"totalCount": total}
        if not page:
            return {}
        if query.fields:  # a projection: the named fields only, marked sparse (as QBO does)
            page = [{**{k: r[k] for k in query.fields if k in r}, "sparse": True} for r in page]
        return {entity: page, "startPosition": query.start, "maxResults": len(page)}

    def _matching(self, entity: str, query: ParsedQuery, default_active: bool) -> list[Record]:
        table = self.store.table(entity)
        key = (query.filter_text, default_active, table.version)
        cached = self._query_cache.get(entity)
        if cached is not None and cached[0] == key:
            return cached[1]
        check = predicate(query, default_active)
        rows = [r for r in table if check(r)]
        if query.order is not None:
            rows.sort(key=sort_key(query.order[0]), reverse=query.order[1])
        self._query_cache[entity] = (key, rows)
        return rows

    def _company(self, request: SandboxRequest) -> SandboxResponse:
        if request.match["id"] != self.realm_id:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        return reply({"CompanyInfo": {**COMPANY_INFO, "Id": self.realm_id}})

    def _read(self, request: SandboxRequest) -> SandboxResponse:
        entity = canonical(request.match["entity"])
        found = self.store.table(entity).get(request.match["id"])
        if found is None:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        return reply({entity: found})

    def _cdc(self, request: SandboxRequest) -> SandboxResponse:
        entities = [canonical(e.strip()) for e in request.arg("entities").split(",") if e.strip()]
        try:
            since = datetime.fromisoformat(request.arg("changedSince").replace(" ", "+"))
        except ValueError as exc:
            raise ApiFault("2010", "Invalid date", "changedSince is not an ISO date-time") from exc
        if since.tzinfo is None:
            since = since.replace(tzinfo=now().tzinfo)
        if not entities:
            raise ApiFault("2020", "Required param missing", "entities is missing")
        moment = now()
        if since < moment - CDC_LOOKBACK:
            raise ApiFault("4001", "Invalid query", "changedSince must be within the last 30 days")
        parts: list[dict[str, Any]] = []
        left = CDC_CAP
        for entity in entities:
            rows = [r for r in self.store.table(entity).touched()
                    if datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]) >= since]
            rows.sort(key=lambda r: datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]))
            rows = rows[:left]
            left -= len(rows)
            parts.append({entity: rows, "startPosition": 1, "maxResults": len(rows),
                          "totalCount": len(rows)} if rows else {})
        return reply({"CDCResponse": [{"QueryResponse": parts}], "time": stamp(moment)})

    # -- writes ---------------------------------------------------------------------------

    def _write(self, request: SandboxRequest) -> SandboxResponse:
        entity = canonical(request.match["entity"])
        if request.arg("operation"):
            raise ApiFault("500", "Unsupported Operation",
                           f"Operation {request.arg('operation')} is not supported on {entity}")
        body = _parse_body(request)
        allow = "allowduplicatedocnum" in request.arg("include").lower()
        return reply({entity: self.save(entity, body, allow_duplicate=allow)})

    def _batch(self, request: SandboxRequest) -> SandboxResponse:
        body = _parse_body(request)
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise ApiFault("2020", "Required param missing", "BatchItemRequest is missing")
        if len(items) > MAX_BATCH:
            raise ApiFault("1040", "Batch size exceeded",
                           f"A batch may hold at most {MAX_BATCH} items; this one has {len(items)}")
        answers: list[dict[str, Any]] = []
        for item in items:
            bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
            try:
                answers.append({"bId": bid, **self._batch_item(item)})
            except ApiFault as fault:
                answers.append({"bId": bid, "Fault": fault.body()})
            except QueryError as error:
                answers.append({"bId": bid, "Fault": ApiFault(error.code, error.message,
                                                              error.detail).body()})
        return reply({"BatchItemResponse": answers})

    def _batch_item(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise ApiFault("2010", "Request has invalid or unsupported property", "bad batch item")
        if "Query" in item:
            return {"QueryResponse": self.run_query(str(item["Query"]))}
        operation = str(item.get("operation", ""))
        entity = next((e for e in ENTITIES if e in item), "")
        if not entity:
            raise ApiFault("2010", "Request has invalid or unsupported property",
                           "batch item names no entity")
        body = item[entity]
        if operation == "create" and isinstance(body, dict) and body.get("Id"):
            raise ApiFault("2010", "Request has invalid or unsupported property",
                           "Id may not be sent with operation create")
        if operation == "update" and not (isinstance(body, dict) and body.get("Id")):
            raise ApiFault("2020", "Required param missing",
                           "Required parameter Id is missing in the request")
        if operation not in ("create", "update"):
            raise ApiFault("500", "Unsupported Operation",
                           f"Operation {operation} is not supported")
        return {entity: self.save(entity, body)}
