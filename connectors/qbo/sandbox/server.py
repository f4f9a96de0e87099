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
import re
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
    to_decimal,
)

from .parser import ParsedQuery, QueryError, parse, predicate, sort_key
from .seed import COMPANY_INFO, REALM_ID, load_generated, load_seed, name_record
from .store import ENTITIES, LISTS, NAME_LISTS, Record, Store, name_key, now, stamp

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"
ACCESS_TTL = 3600.0
REFRESH_TTL = 8726400
MAX_BATCH = 30
CDC_CAP = 1000
CDC_LOOKBACK = timedelta(days=30)
NAME_MAX = 100
READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "Balance", "BalanceWithJobs",
                       "FullyQualifiedName", "sparse", "domain", "status", "TotalAmt"})
TXN_TARGET = {"Bill": ("VendorRef", "Vendor", 1), "VendorCredit": ("VendorRef", "Vendor", -1),
              "Invoice": ("CustomerRef", "Customer", 1)}
REF_ENTITIES = {"AccountRef": "Account", "APAccountRef": "Account", "ARAccountRef": "Account",
                "DepositToAccountRef": "Account", "ItemRef": "Item", "VendorRef": "Vendor",
                "CustomerRef": "Customer", "EmployeeRef": "Employee"}
"""The references a document may carry and the entity each one names by Id."""
REQUIRED_DETAIL_REFS = {"AccountBasedExpenseLineDetail": "AccountRef",
                        "ItemBasedExpenseLineDetail": "ItemRef"}
"""Expense line details and the reference each one must carry."""
DELETED = re.compile(r"\(deleted(?:-\d+)?\)$")
"""The suffix QBO gives the DisplayName of a Customer, Vendor or Employee made inactive."""
INACTIVE_DETAIL = ("Object Not Found : Something you're trying to use has been made inactive. "
                   "Check the fields with accounts, customers, items, vendors or employees.")


class ApiFault(Exception):
    """A fault the sandbox answers (HTTP 400 ValidationFault unless told otherwise)."""

    def __init__(self, code: str, message: str, detail: str = "", *, element: str = "",
                 kind: str = "ValidationFault", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or message
        self.element = element
        self.kind = kind
        self.status = status

    def body(self) -> dict[str, Any]:
        """Return the ``Fault`` object."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code,
                 "element": self.element}
        return {"Error": [error], "type": self.kind}


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


def _bump(record: Record) -> None:
    record["SyncToken"] = str(int(record.get("SyncToken") or 0) + 1)
    record["MetaData"] = {**record.get("MetaData", {}), "LastUpdatedTime": stamp(now())}


def _parse_body(request: SandboxRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8") or "null", parse_float=Decimal)
    except ValueError as exc:
        raise ApiFault("2010", "Request has invalid or unsupported property",
                       "The request body is not valid JSON") from exc


class QboSandbox(DemoSandbox):
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
            _bump(current)
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

    def save(self, entity: str, body: Any, *, allow_duplicate: bool = False) -> Record:
        """Create (no Id) or update (Id) one record under QBO's rules; return it."""
        if not isinstance(body, dict):
            raise ApiFault("2010", "Request has invalid or unsupported property",
                           f"the body must be a {entity} object")
        if entity in TXN_TARGET:
            if body.get("Id"):
                raise ApiFault("500", "Unsupported Operation", "the sandbox only creates documents")
            return self._create_document(entity, body, allow_duplicate)
        if entity == "Account":
            raise ApiFault("500", "Unsupported Operation",
                           "the sandbox's chart of accounts is read-only")
        if entity == "Item":
            return self._save_item(body)
        if body.get("Id"):
            return self._update_name(entity, body)
        return self._create_name(entity, body)

    def _writable(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in body.items() if k not in READ_ONLY}
        if entity == "Vendor":
            fields.pop("ShipAddr", None)
        return fields

    def _check_name(self, display: str, entity: str, rid: str = "") -> None:
        if not display:
            raise ApiFault("6080", "At least one name field required",
                           "Title, GivenName, MiddleName, FamilyName, DisplayName or Suffix "
                           "must be set", element="DisplayName")
        if ":" in display:
            raise ApiFault("2050", "Invalid String", "DisplayName may not contain a colon (:)",
                           element="DisplayName")
        if len(display) > NAME_MAX:
            raise ApiFault("2050", "String length is too long",
                           f"String length is {len(display)}, but the maximum allowed is "
                           f"{NAME_MAX}", element="DisplayName")
        holder = self.store.name_holder(display)
        if holder is not None and holder != (entity, rid):
            raise ApiFault("6240", "Duplicate Name Exists Error",
                           "The name supplied already exists. : Another customer, vendor or "
                           "employee is already using this name. Please use a different name.")

    def _deleted_name(self, display: str, entity: str, rid: str) -> str:
        """Return QBO's name for a record made inactive: ``Name (deleted)``, then ``(deleted-1)``..."""
        for n in range(100):
            candidate = f"{display} (deleted{'' if n == 0 else f'-{n}'})"
            holder = self.store.name_holder(candidate)
            if holder is None or holder == (entity, rid):
                return candidate
        return display

    def _create_name(self, entity: str, body: dict[str, Any]) -> Record:
        fields = self._writable(entity, body)
        display = " ".join(str(fields.get("DisplayName") or "").split())
        if not display:
            parts = [str(fields.get(k) or "") for k in
                     ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
            display = " ".join(p for p in parts if p)
        self._check_name(display, entity)
        fields["DisplayName"] = display
        record = name_record(int(self.store.new_id(entity)), entity, display, fields,
                             stamp(now()))
        self.store.tables[entity].put(record)
        self.store.index_name(entity, record)
        return record

    def _update_name(self, entity: str, body: dict[str, Any]) -> Record:
        table = self.store.tables[entity]
        rid = str(body["Id"])
        current = table.get(rid)
        if current is None:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        if self._stale_pending:
            self._stale_pending -= 1
            _bump(current)
            table.put(dict(current))
        if body.get("SyncToken") is None:
            raise ApiFault("2020", "Required param missing",
                           "Required parameter SyncToken is missing in the request")
        if str(body["SyncToken"]) != str(current["SyncToken"]):
            raise ApiFault("5010", "Stale Object Error",
                           "Stale Object Error : You and Harbour Demo were working on this at "
                           "the same time. Harbour Demo finished before you did, so your work "
                           "was not saved.")
        fields = self._writable(entity, body)
        if body.get("sparse") in (True, "true"):
            record = {**current, **fields}
        else:
            record = {k: v for k, v in current.items() if k in READ_ONLY or k == "CurrencyRef"}
            record.update(fields)
            record.setdefault("Active", True)
            record.setdefault("DisplayName", current["DisplayName"])
        display = " ".join(str(record.get("DisplayName") or "").split())
        was_active = current.get("Active", True) is not False
        if was_active and record.get("Active") is False and not DELETED.search(display):
            display = self._deleted_name(display, entity, rid)
        record["DisplayName"] = display
        if name_key(display) != name_key(str(current.get("DisplayName") or "")):
            self._check_name(display, entity, rid)
        if was_active and record.get("Active") is False and to_decimal(current.get("Balance")):
            raise ApiFault("6000", "Delete List Has Balance Error",
                           f"The entity you are trying to delete has an open balance. : This "
                           f"{entity.lower()} cannot be deleted because it has a non-zero balance")
        if entity == "Customer":
            record["FullyQualifiedName"] = display
        _bump(record)
        table.put(record)
        self.store.index_name(entity, record, str(current.get("DisplayName") or ""))
        return record

    def _save_item(self, body: dict[str, Any]) -> Record:
        table = self.store.tables["Item"]
        fields = self._writable("Item", body)
        name = str(fields.get("Name") or "").strip()
        rid = str(body.get("Id") or "")
        current = table.get(rid) if rid else None
        if rid and current is None:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        if current is not None and str(body.get("SyncToken")) != str(current["SyncToken"]):
            raise ApiFault("5010", "Stale Object Error", "Stale Object Error : the item changed")
        name = name or str((current or {}).get("Name") or "")
        if not name:
            raise ApiFault("2020", "Required param missing", "Required parameter Name is missing")
        owner = self.store.item_names.get(name.casefold())
        if owner is not None and owner != rid:
            raise ApiFault("6240", "Duplicate Name Exists Error",
                           "The name supplied already exists. : Another product or service is "
                           "already using this name. Please use a different name.")
        if current is None:
            rid = self.store.new_id("Item")
            record = {"Id": rid, "SyncToken": "-1", "Active": True, **fields,
                      "MetaData": {"CreateTime": stamp(now())}}
        else:
            record = {**current, **fields}
            self.store.item_names.pop(str(current.get("Name") or "").casefold(), None)
        record["Name"] = record["FullyQualifiedName"] = name
        _bump(record)
        table.put(record)
        self.store.item_names[name.casefold()] = rid
        return record

    def _check_refs(self, node: Any, where: str) -> None:
        """Refuse a reference to an entity that does not exist (2500) or is inactive (610)."""
        if isinstance(node, list):
            for index, child in enumerate(node):
                self._check_refs(child, f"{where}[{index}]")
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            target_entity = REF_ENTITIES.get(key)
            if target_entity is None:
                self._check_refs(value, f"{where}.{key}" if where else key)
                continue
            ref_id = str(value.get("value") or "") if isinstance(value, dict) else ""
            found = self.store.tables[target_entity].get(ref_id) if ref_id else None
            if found is None:
                raise ApiFault("2500", "Invalid Reference Id",
                               f"Invalid Reference Id : {target_entity}s element id {ref_id} "
                               "not found", element=f"{where}.{key}" if where else key)
            if found.get("Active") is False:
                raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL, element=key)

    def _check_lines(self, lines: list[Any]) -> None:
        for line in lines:
            if not isinstance(line, dict):
                raise ApiFault("2010", "Request has invalid or unsupported property",
                               "a Line must be an object")
            detail_type = str(line.get("DetailType") or "")
            required = REQUIRED_DETAIL_REFS.get(detail_type)
            detail = line.get(detail_type)
            if required and not (isinstance(detail, dict) and isinstance(detail.get(required),
                                                                          dict)
                                 and detail[required].get("value")):
                raise ApiFault("2020", "Required param missing, need to supply the required "
                               "value for the API",
                               f"Required parameter Line.{detail_type}.{required} is missing "
                               "in the request", element=f"Line.{detail_type}.{required}")

    def _check_doc_number(self, entity: str, body: dict[str, Any]) -> None:
        number = str(body.get("DocNumber") or "")
        if number and any(str(r.get("DocNumber") or "") == number
                          for r in self.store.tables[entity]):
            raise ApiFault("6140", "Duplicate Document Number Error",
                           f"Duplicate Document Number Error : You must specify a different "
                           f"number. This number has already been used. DocNumber={number} is "
                           "assigned to an existing transaction", element="DocNumber")

    def _create_document(self, entity: str, body: dict[str, Any],
                         allow_duplicate: bool = False) -> Record:
        ref_field, target_entity, sign = TXN_TARGET[entity]
        ref = body.get(ref_field)
        ref_id = str(ref.get("value") or "") if isinstance(ref, dict) else ""
        if not ref_id:
            raise ApiFault("2020", "Required param missing",
                           f"Required parameter {ref_field} is missing in the request")
        target_table = self.store.tables[target_entity]
        target = target_table.get(ref_id)
        if target is None:
            raise ApiFault("2500", "Invalid Reference Id",
                           f"Invalid Reference Id : {target_entity}s element id {ref_id} not "
                           "found", element=ref_field)
        if target.get("Active") is False:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL, element=ref_field)
        lines = body.get("Line")
        if not isinstance(lines, list) or not lines:
            raise ApiFault("2020", "Required param missing",
                           "Required parameter Line is missing in the request")
        self._check_lines(lines)
        self._check_refs(body, "")
        if self.unique_doc_numbers and not allow_duplicate:
            self._check_doc_number(entity, body)
        total = sum((to_decimal(line.get("Amount")) for line in lines if isinstance(line, dict)),
                    Decimal("0"))
        rid = self.store.new_id(entity)
        when = stamp(now())
        record = {**self._writable(entity, body), "Id": rid, "SyncToken": "0", "TotalAmt": total,
                  "Balance": total, "CurrencyRef": target.get("CurrencyRef"),
                  "MetaData": {"CreateTime": when, "LastUpdatedTime": when}}
        record.setdefault("TxnDate", when[:10])
        if entity == "Invoice":
            record.setdefault("DocNumber", str(1000 + int(rid)))
        self.store.tables[entity].put(record)
        target["Balance"] = to_decimal(target.get("Balance")) + sign * total
        if target_entity == "Customer":
            target["BalanceWithJobs"] = target["Balance"]
        target_table.put(target)
        return record
