"""The Xero sandbox: a loopback server speaking enough of Xero's Accounting API for the connector.

Routes: ``POST /connect/token``, ``GET /identity/connect/authorize`` (consent that redirects at
once), ``GET /connections`` and, under ``/api.xro/2.0``, Contacts, Items, Invoices and
CreditNotes.  Xero's behaviour that matters to a sync is reproduced: the envelope and
``pagination``, ``summarizeErrors``, unique active names and contact numbers, Idempotency-Key
replay, rate-limit headers, ``TokenExpired`` 401s, ``MergedToContactID``, ``where`` and
``order``, JSON or XML write bodies (``PostDataInvalidException`` for one it cannot read).
This module holds the routes; ``behaviour.py`` what wraps them (auth, limits, replay, answers).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from connectors.xero.sandbox import seed as seeds
from connectors.xero.sandbox.behaviour import (
    Handler,
    XeroBehaviour,
    json_answer,
    parse_since,
    problem,
    validation_error,
)
from connectors.xero.sandbox.store import DOC_IDS, WRITABLE_DOCUMENTS, XeroOrg, page_count
from connectors.xero.sandbox.where import WhereError, field_value, parse_where
from loftterm.api import (
    DemoSandbox,
    Fault,
    SandboxRequest,
    SandboxResponse,
    SandboxServer,
    TokenIssuer,
)

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"
API = "/api.xro/2.0"
API_PATH = r"^/api\.xro/2\.0/"
DOCUMENTS_PAGE_SIZE = 100
REFRESH_GRACE_S = 1800.0  # a rotated refresh token stays usable 30 minutes (API notes 1.9)



class XeroSandbox(XeroBehaviour, DemoSandbox):
    """A Xero organisation on 127.0.0.1 for the demo, the tests and the benchmarks.

    :param seed: load the demo organisation (see ``seed.py``).
    :param contacts: add this many generated contacts (benchmarks: 100k).
    :param port: the port, 0 for a free one.
    :param clock: the time source for UpdatedDateUTC and Idempotency-Key expiry.
    :param access_ttl: lifetime of issued access tokens, in seconds.
    :param token_grace_s: how long a rotated refresh token stays usable: Xero's 30 minutes by
        default, 0 for the strict mode (:meth:`strict_tokens`) where it is dead at once.
    """

    def __init__(
        self,
        *,
        seed: bool = True,
        contacts: int = 0,
        port: int = 0,
        clock: Callable[[], float] = time.time,
        access_ttl: float = 1800.0,
        token_grace_s: float = REFRESH_GRACE_S,
    ) -> None:
        self.server = SandboxServer("xero", port=port)
        self.clock = clock  # tests may swap it (Idempotency-Key expiry); reset() restores it
        self._start_clock = clock
        self.access_ttl = access_ttl
        self.tenant_id = seeds.DEMO_TENANT_ID
        self.enforce_minute_limit = False
        self._seed = seed
        self._generated = contacts
        self._limits_lock = threading.Lock()
        self.token_grace_s = token_grace_s
        self.issuer = self._new_issuer()
        self.org = XeroOrg(self._now)
        self.tenants: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, float, SandboxResponse]] = {}
        self._window: tuple[int, int] = (0, 0)
        self._day: tuple[int, int] = (0, 0)
        self._load()
        self._register()

    def _new_issuer(self) -> TokenIssuer:
        return TokenIssuer(CLIENT_ID, CLIENT_SECRET, self.access_ttl, grace_s=self.token_grace_s)

    def strict_tokens(self) -> None:
        """Strict token mode: a rotated refresh token is refused at once (no grace period)."""
        self.token_grace_s = self.issuer.grace_s = 0.0

    def _now(self) -> float:
        return self.clock()

    def _load(self) -> None:
        self.org = XeroOrg(self._now)
        self.tenants = [{
            "id": seeds.DEMO_CONNECTION_ID, "authEventId": "6f0b3b4c-0d47-4a0e-9d4f-1b2f7d0b1c22",
            "tenantId": seeds.DEMO_TENANT_ID, "tenantType": "ORGANISATION",
            "tenantName": seeds.DEMO_TENANT_NAME, "createdDateUtc": "2024-06-30T22:10:00.0000000",
            "updatedDateUtc": "2025-05-01T03:00:00.0000000",
        }]
        if self._seed:
            for record, updated in seeds.seed_contacts():
                self.org.add_contact(record, updated)
            for item in seeds.ITEMS:
                self.org.items[item["ItemID"]] = {**item, "IsSold": True, "IsPurchased": True,
                                                  "UpdatedDateUTC": "/Date(1735689600000+0000)/"}
        if self._generated:
            taken = [r["Name"] for r in self.org.contacts.values()]
            for record, updated in seeds.generated_contacts(self._generated, taken=taken):
                self.org.add_contact(record, updated)

    def reset(self) -> None:
        """Go back to the starting data: faults, request log, tokens and idempotency forgotten."""
        with self.server.lock:
            self.server.faults.clear()
            self.server.log.clear()
            self.server.expired_tokens_pending = 0
            self.issuer = self._new_issuer()
            self.idempotency.clear()
            self.enforce_minute_limit = False
            self.clock = self._start_clock
            self._window = self._day = (0, 0)
            self._load()

    # --------------------------------------------------------------------- DemoSandbox

    def start(self) -> str:
        """Start serving on 127.0.0.1; return the base URL."""
        return self.server.start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def __enter__(self) -> XeroSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL of the running server."""
        return self.server.url

    def connector_settings(self) -> dict[str, Any]:
        """Return the ``connectors.xero`` section pointing at this running sandbox."""
        url = self.server.url
        return {
            "api_url": url + API,
            "token_url": url + "/connect/token",
            "connections_url": url + "/connections",
            "authorize_url": url + "/identity/connect/authorize",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant": "client_credentials",
            "tenant_id": self.tenant_id,
        }

    # ------------------------------------------------------------------ test conveniences

    @property
    def contacts(self) -> dict[str, dict[str, Any]]:
        """The organisation's contacts by ContactID, in wire form (read them, don't edit)."""
        return self.org.contacts

    @property
    def documents(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Stored ``Invoices`` and ``CreditNotes`` by id."""
        return self.org.documents

    @property
    def items(self) -> dict[str, dict[str, Any]]:
        """Stored items by ItemID."""
        return self.org.items

    def calls(self, method: str = "", path: str = "") -> list[SandboxRequest]:
        """Return the logged requests (method, path regular expression)."""
        return self.server.calls(method, path)

    def contact_by_name(self, name: str) -> dict[str, Any] | None:
        """Return the first contact with this exact name."""
        return next((c for c in self.org.contacts.values() if c.get("Name") == name), None)

    def edit_contact(self, contact_id: str, **fields: Any) -> list[str]:
        """Change a contact as a Xero user would (bumps UpdatedDateUTC); return the errors."""
        with self.server.lock:
            _, errors = self.org.save_contacts([{"ContactID": contact_id, **fields}], "upsert")[0]
        return errors

    def merge_contacts(self, loser_id: str, survivor_id: str) -> None:
        """Merge as Xero's UI does: archive the loser and point it at the survivor."""
        with self.server.lock:
            self.org.save_contacts([{"ContactID": loser_id, "ContactStatus": "ARCHIVED"}],
                                   "upsert")
            record = dict(self.org.contacts[loser_id])
            record["MergedToContactID"] = survivor_id
            self.org.contacts[loser_id] = record

    def rate_limit_minute(
        self, times: int = 1, retry_after: int = 1, path: str = API_PATH
    ) -> Fault:
        """Answer the next ``times`` API calls with a minute-limit 429 and ``Retry-After``."""
        return self.server.faults.status(429, path, times, {"Title": "Too Many Requests"},
                                         **{"Retry-After": str(retry_after),
                                            "X-Rate-Limit-Problem": "minute"})

    def rate_limit_day(self, times: int = 1, path: str = API_PATH) -> Fault:
        """Answer the next API calls with a day-limit 429 (the run must stop)."""
        return self.server.faults.status(429, path, times, {"Title": "Too Many Requests"},
                                         **{"Retry-After": "43200",
                                            "X-Rate-Limit-Problem": "day",
                                            "X-DayLimit-Remaining": "0"})

    def server_error(self, status: int = 500, times: int = 1, path: str = API_PATH,
                     method: str = "") -> Fault:
        """Answer the next matching calls with a server error."""
        return self.server.faults.status(status, path, times,
                                         {"Title": "An error occurred", "Status": status},
                                         method)

    def slow(self, delay: float, path: str = API_PATH, times: int = 1) -> Fault:
        """Delay the next matching calls by ``delay`` seconds."""
        return self.server.faults.add(Fault("slow", path, times=times, delay=delay))

    def malformed(self, path: str = API_PATH, times: int = 1) -> Fault:
        """Answer the next matching calls with 200 and broken JSON."""
        return self.server.faults.add(Fault("malformed", path, times=times))

    def truncated(self, path: str = API_PATH, times: int = 1) -> Fault:
        """Cut the next matching answers in half."""
        return self.server.faults.add(Fault("truncated", path, times=times))

    def expire_token(self) -> None:
        """Expire every issued access token: the next call gets 401 TokenExpired."""
        self.issuer.expire_all()

    # -------------------------------------------------------------------------- plumbing

    def _register(self) -> None:
        route = self.server.route
        route("POST", r"/connect/token", lambda request: self.issuer.handle(request))
        route("GET", r"/identity/connect/authorize", self._authorize)
        route("GET", r"/connections", self._authed(self._connections, tenant=False))
        contacts = API + r"/Contacts"
        route("GET", contacts, self._authed(self._get_contacts))
        route("GET", contacts + r"/(?P<id>[^/]+)", self._authed(self._get_contact))
        route("PUT", contacts, self._writes(lambda r: self._save_contacts(r, "create")))
        route("POST", contacts, self._writes(lambda r: self._save_contacts(r, "upsert")))
        route("POST", contacts + r"/(?P<id>[^/]+)",
              self._writes(lambda r: self._save_contacts(r, "upsert")))
        route("GET", API + r"/Items", self._authed(self._get_items))
        route("PUT", API + r"/Items", self._writes(lambda r: self._save_items(r, "create")))
        route("POST", API + r"/Items", self._writes(lambda r: self._save_items(r, "upsert")))
        for collection in DOC_IDS:
            base = API + "/" + collection
            route("GET", base, self._authed(self._lister(collection)))
            route("GET", base + r"/(?P<id>[^/]+)", self._authed(self._getter(collection)))
            if collection in WRITABLE_DOCUMENTS:
                route("PUT", base, self._writes(self._saver(collection, "create")))
                route("POST", base, self._writes(self._saver(collection, "upsert")))

    # ---------------------------------------------------------------------------- routes

    def _authorize(self, request: SandboxRequest) -> SandboxResponse:
        redirect = request.arg("redirect_uri")
        if request.arg("client_id") != CLIENT_ID:
            return json_answer({"error": "invalid_client"}, 400)
        if not redirect or request.arg("response_type", "code") != "code":
            return json_answer({"error": "invalid_request"}, 400)
        query = urllib.parse.urlencode({"code": self.issuer.new_code(),
                                        "state": request.arg("state")})
        joiner = "&" if "?" in redirect else "?"
        return SandboxResponse(302, None, {"Location": f"{redirect}{joiner}{query}"})

    def _connections(self, request: SandboxRequest) -> SandboxResponse:
        return json_answer(list(self.tenants))

    def _get_contacts(self, request: SandboxRequest) -> SandboxResponse:
        size_text = request.arg("pageSize")
        page_text = request.arg("page")
        try:
            size = int(size_text) if size_text else 100
            page = int(page_text) if page_text else 0
        except ValueError:
            return validation_error("page and pageSize must be whole numbers")
        if not 1 <= size <= 1000:
            return validation_error("pageSize must be between 1 and 1000")
        ids = [i for i in request.arg("IDs").split(",") if i.strip()]
        try:
            selected = self.org.query_contacts(
                include_archived=request.arg("includeArchived").lower() == "true",
                where=request.arg("where"), ids=ids,
                since_ms=parse_since(request.header("if-modified-since")),
                search=request.arg("searchTerm"))
            records = [self.org.contacts[c] for c in selected]
            if request.arg("order"):
                records = self._ordered(request, records)
        except WhereError as exc:
            return validation_error(str(exc))
        if not page:
            return json_answer(self._envelope("Contacts", records))
        chunk = records[(page - 1) * size: page * size]
        paging = {"page": page, "pageSize": size, "pageCount": page_count(len(selected), size),
                  "itemCount": len(selected)}
        return json_answer(self._envelope("Contacts", chunk, paging))

    def _get_contact(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.find_contact(request.match["id"])
        if found is None:
            return problem(404, "Not Found", "The resource you're looking for cannot be found")
        return json_answer(self._envelope("Contacts", [found]))

    def _save_contacts(self, request: SandboxRequest, mode: str) -> SandboxResponse:
        elements = self._body_list(request, "Contacts")
        target = request.match.get("id")
        if target:
            if target not in self.org.contacts:
                return problem(404, "Not Found", "The resource you're looking for cannot be found")
            elements = [{**e, "ContactID": target} if isinstance(e, Mapping) else e
                        for e in elements]
        return self._write_answer(request, "Contacts", self.org.save_contacts(elements, mode))

    def _get_items(self, request: SandboxRequest) -> SandboxResponse:
        items = list(self.org.items.values())
        where = request.arg("where")
        try:
            if where:
                predicate = parse_where(where)
                items = [i for i in items if predicate(i)]
            items = self._ordered(request, items)
        except WhereError as exc:
            return validation_error(str(exc))
        return json_answer(self._envelope("Items", items))

    def _save_items(self, request: SandboxRequest, mode: str) -> SandboxResponse:
        elements = self._body_list(request, "Items")
        return self._write_answer(request, "Items", self.org.save_items(elements, mode))

    def _lister(self, collection: str) -> Handler:
        def handler(request: SandboxRequest) -> SandboxResponse:
            try:
                page = max(1, int(request.arg("page") or 1))
                size = int(request.arg("pageSize") or DOCUMENTS_PAGE_SIZE)
            except ValueError:
                return validation_error("page and pageSize must be whole numbers")
            if not 1 <= size <= 1000:
                return validation_error("pageSize must be between 1 and 1000")
            since_ms = parse_since(request.header("if-modified-since"))
            try:
                found = self._ordered(request, self._listed(
                    request, collection, self.org.query_documents(
                        collection, request.arg("where"), since_ms)))
            except WhereError as exc:
                return validation_error(str(exc))
            if not request.arg("page"):
                return json_answer(self._envelope(collection, found))
            paging = {"page": page, "pageSize": size, "pageCount": page_count(len(found), size),
                      "itemCount": len(found)}
            return json_answer(self._envelope(collection,
                                                found[(page - 1) * size: page * size], paging))
        return handler

    def _listed(self, request: SandboxRequest, collection: str,
                found: list[Any]) -> list[Any]:
        """Apply the documents' list parameters: ``IDs``, ``ContactIDs``, ``Statuses``, numbers."""
        id_key, number_key = DOC_IDS[collection]

        def wanted(name: str) -> set[str]:
            return {v.strip().lower().replace("-", "") for v in request.arg(name).split(",")
                    if v.strip()}

        for param, key in (("IDs", id_key), ("ContactIDs", "Contact.ContactID"),
                           ("Statuses", "Status"), (number_key + "s", number_key)):
            values = wanted(param)
            if values:
                found = [d for d in found
                         if field_value(d, key).replace("-", "") in values]
        return found

    def _getter(self, collection: str) -> Handler:
        def handler(request: SandboxRequest) -> SandboxResponse:
            found = self.org.documents[collection].get(request.match["id"])
            if found is None:
                return problem(404, "Not Found", "The resource you're looking for cannot be found")
            return json_answer(self._envelope(collection, [found]))
        return handler

    def _saver(self, collection: str, mode: str) -> Handler:
        def handler(request: SandboxRequest) -> SandboxResponse:
            elements = self._body_list(request, collection)
            return self._write_answer(request, collection,
                                      self.org.save_documents(collection, elements, mode))
        return handler

