"""SortScapeSandbox: a loopback server speaking the REST interface documented in ``API.md``.

Built on :class:`loftterm.api.SandboxServer` (routing, request log, faults).  Adds API-key auth,
list paging with ``updated_since``, ``Idempotency-Key`` replay, fault shortcuts, and helpers that
change data the way a SortScape user would in the web app.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from loftterm.api import (
    DemoSandbox,
    Fault,
    SandboxRequest,
    SandboxResponse,
    SandboxServer,
    json_response,
)

from . import seed
from .store import ApiFault, Store, parse_time

PREFIX = "/api/v1"
DEMO_KEY = "demo-key"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
IDEMPOTENCY_TTL = timedelta(hours=24)
ID = r"(?P<id>[^/]+)"

Route = Callable[[SandboxRequest], tuple[int, Any]]


def _body(request: SandboxRequest) -> dict[str, Any]:
    """Parse a JSON object body (empty body: empty object)."""
    if not request.body.strip():
        return {}
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiFault(400, "bad_request", "body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ApiFault(422, "validation_failed", "body must be a JSON object")
    return data


def _int_arg(request: SandboxRequest, name: str, default: int, low: int, high: int) -> int:
    text = request.arg(name, str(default))
    try:
        value = int(text)
    except ValueError as exc:
        raise ApiFault(422, "validation_failed", f"{name} must be a whole number", name) from exc
    if not low <= value <= high:
        raise ApiFault(422, "validation_failed", f"{name} must be {low}-{high}", name)
    return value


class SortScapeSandbox(DemoSandbox):
    """One SortScape account served on 127.0.0.1.

    :param seed: load the Green Thumb Gardens demo data.
    :param contacts: extra generated contacts (benchmarks).
    :param api_key: the key the server accepts.
    :param port: 0 picks a free port.
    :param now: the server's clock (timestamps, ``server_time``, idempotency expiry).
    """

    def __init__(self, *, seed: bool = True, contacts: int = 0, api_key: str = DEMO_KEY,
                 port: int = 0, now: Callable[[], datetime] | None = None) -> None:
        self.server = SandboxServer("sortscape", port=port)
        self.api_key = api_key
        self.now = now or (lambda: datetime.now(UTC))
        self._seed, self._generated = seed, contacts
        self.store = self._new_store()
        self._replays: dict[str, tuple[str, datetime, SandboxResponse]] = {}
        self._lost: list[list[Any]] = []
        self._add_routes()

    # -- lifecycle (DemoSandbox) --------------------------------------------------------

    def _new_store(self) -> Store:
        store = Store(seed.ACCOUNT, self.now)
        if self._seed:
            seed.load_demo(store)
        seed.add_generated(store, self._generated)
        return store

    def start(self) -> str:
        """Start serving; return the base URL (the API root is ``url + "/api/v1"``)."""
        return self.server.start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    def connector_settings(self) -> dict[str, Any]:
        """Return the ``connectors.sortscape`` section that points at this sandbox."""
        return {"api_url": self.url + PREFIX, "api_key": self.api_key,
                "account_id": str(self.store.account["id"])}

    def reset(self) -> None:
        """Reload the data and forget faults, the request log and idempotency keys."""
        with self.server.lock:
            self.store = self._new_store()
            self.server.faults.clear()
            self.server.log.clear()
            self._replays.clear()
            self._lost.clear()

    # -- plumbing -----------------------------------------------------------------------

    def _add_routes(self) -> None:
        s = self
        table: list[tuple[str, str, Route, bool]] = [
            ("GET", "/account", lambda r: (200, dict(s.store.account)), False),
            ("GET", "/contacts", s._list_contacts, False),
            ("POST", "/contacts", lambda r: (201, s.store.create_contact(_body(r))), True),
            ("GET", f"/contacts/{ID}", lambda r: (200, s.store.contact_view(r.match["id"])), False),
            ("PATCH", f"/contacts/{ID}", s._patch_contact, True),
            ("POST", f"/contacts/{ID}/archive",
             lambda r: (200, s.store.set_status(r.match["id"], "archived")), True),
            ("POST", f"/contacts/{ID}/restore",
             lambda r: (200, s.store.set_status(r.match["id"], "active")), True),
            ("GET", f"/contacts/{ID}/properties", s._list_properties, False),
            ("POST", f"/contacts/{ID}/properties",
             lambda r: (201, s.store.add_property(r.match["id"], _body(r))), True),
            ("GET", "/jobs", s._list_jobs, False),
            ("GET", "/materials", s._list_materials, False),
            ("POST", "/materials", lambda r: (201, s.store.create_material(_body(r))), True),
            ("GET", f"/materials/{ID}",
             lambda r: (200, copy.deepcopy(s.store.material(r.match["id"]))), False),
            ("PATCH", f"/materials/{ID}",
             lambda r: (200, s.store.update_material(r.match["id"], _body(r))), True),
        ]
        for method, path, route, write in table:
            self.server.route(method, PREFIX + path, self._api(route, write))

    def _api(self, route: Route, write: bool) -> Callable[[SandboxRequest], SandboxResponse]:
        """Wrap a route with auth, error bodies, idempotency replay and lost answers."""
        def serve(request: SandboxRequest) -> SandboxResponse:
            if request.header("authorization") != f"Bearer {self.api_key}":
                return json_response({"error": {"code": "unauthorized",
                                                "message": "missing or invalid API key"}},
                                     401, **{"WWW-Authenticate": "Bearer"})
            with self.server.lock:
                key = request.header("idempotency-key") if write else ""
                fingerprint = hashlib.sha256(
                    f"{request.method} {request.path} ".encode() + request.body).hexdigest()
                if len(key) > 255:
                    return json_response({"error": {"code": "validation_failed", "message":
                                                    "Idempotency-Key is longer than 255",
                                                    "field": "Idempotency-Key"}}, 422)
                if key:
                    replay = self._replay(key, fingerprint)
                    if replay is not None:
                        return replay
                try:
                    status, body = route(request)
                    response = json_response(body, status)
                except ApiFault as fault:
                    response = json_response(fault.body(), fault.status)
                if key and response.status < 300:
                    self._replays[key] = (fingerprint, self.now(), response)
                if write and response.status < 300 and self._take_lost(request):
                    return json_response({"error": {"code": "unavailable",
                                                    "message": "try again"}}, 503)
                return response
        return serve

    def _replay(self, key: str, fingerprint: str) -> SandboxResponse | None:
        """Return the stored answer of a repeated write, refuse a reused key, else None."""
        stored = self._replays.get(key)
        if stored is None or self.now() - stored[1] > IDEMPOTENCY_TTL:
            return None
        if stored[0] != fingerprint:
            return json_response({"error": {"code": "idempotency_key_reused", "message":
                                            "Idempotency-Key was used for another request"}}, 422)
        old = stored[2]
        return SandboxResponse(old.status, copy.deepcopy(old.body),
                               {**old.headers, "Idempotent-Replayed": "true"})

    def _take_lost(self, request: SandboxRequest) -> bool:
        for entry in self._lost:
            if re.search(entry[0], request.path):
                entry[1] -= 1
                if entry[1] <= 0:
                    self._lost.remove(entry)
                return True
        return False

    def _paged(self, request: SandboxRequest, rows: list[dict[str, Any]]) -> tuple[int, Any]:
        page = _int_arg(request, "page", 1, 1, 10**9)
        per_page = _int_arg(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        start = (page - 1) * per_page
        more = start + per_page < len(rows)
        meta = {"page": page, "per_page": per_page, "total": len(rows),
                "next_page": page + 1 if more else None, "server_time": self.store.stamp()}
        return 200, {"data": rows[start:start + per_page], "meta": meta}

    @staticmethod
    def _since(request: SandboxRequest) -> str:
        text = request.arg("updated_since")
        return parse_time(text, "updated_since") if text else ""

    def _list_contacts(self, request: SandboxRequest) -> tuple[int, Any]:
        since = self._since(request)
        archived = request.arg("include_archived").lower() == "true"
        ref = request.arg("external_ref")
        rows = [self.store.contact_view(cid) for cid, c in self.store.contacts.items()
                if (archived or c["status"] == "active") and c["updated_at"] >= since
                and (not ref or c["external_ref"] == ref)]
        return self._paged(request, rows)

    def _patch_contact(self, request: SandboxRequest) -> tuple[int, Any]:
        return 200, self.store.update_contact(request.match["id"], _body(request),
                                              request.header("if-match"))

    def _list_properties(self, request: SandboxRequest) -> tuple[int, Any]:
        cid = request.match["id"]
        self.store.contact(cid)
        rows = [copy.deepcopy(p) for p in self.store.properties.values()
                if p["contact_id"] == cid]
        return self._paged(request, rows)

    def _list_jobs(self, request: SandboxRequest) -> tuple[int, Any]:
        cid, status = request.arg("contact_id"), request.arg("status")
        rows = [copy.deepcopy(j) for j in self.store.jobs.values()
                if (not cid or j["contact_id"] == cid) and (not status or j["status"] == status)]
        return self._paged(request, rows)

    def _list_materials(self, request: SandboxRequest) -> tuple[int, Any]:
        since = self._since(request)
        archived = request.arg("include_archived").lower() == "true"
        rows = [copy.deepcopy(m) for m in self.store.materials.values()
                if (archived or m["status"] == "active") and m["updated_at"] >= since]
        return self._paged(request, rows)

    # -- faults -------------------------------------------------------------------------

    def rate_limit(self, times: int = 1, retry_after: int = 1, path: str = "") -> Fault:
        """Answer the next ``times`` matching requests with 429 and ``Retry-After``."""
        body = {"error": {"code": "rate_limited",
                          "message": f"too many requests; retry after {retry_after} s"}}
        return self.server.faults.add(Fault("status", path, "", times, 429, body, None,
                                            {"Retry-After": str(retry_after)}))

    def server_error(self, status: int = 500, times: int = 1, path: str = "",
                     method: str = "") -> Fault:
        """Answer the next ``times`` matching requests with a 5xx (nothing is processed)."""
        body = {"error": {"code": "server_error", "message": "internal error"}}
        return self.server.faults.status(status, path, times, body, method)

    def slow(self, delay: float, times: int = 1, path: str = "") -> Fault:
        """Delay the next ``times`` matching answers by ``delay`` seconds."""
        return self.server.faults.add(Fault("slow", path, times=times, delay=delay))

    def malformed(self, path: str = "", times: int = 1) -> Fault:
        """Answer the next ``times`` matching requests with 200 and broken JSON."""
        return self.server.faults.add(Fault("malformed", path, times=times))

    def drop(self, path: str = "", times: int = 1) -> Fault:
        """Close the connection without answering the next matching requests."""
        return self.server.faults.add(Fault("drop", path, times=times))

    def lose_answer(self, path: str = "", times: int = 1) -> None:
        """Process the next writes whose path matches (regex), then answer 503 as if lost."""
        with self.server.lock:
            self._lost.append([path, times])

    def calls(self, method: str = "", path: str = "") -> list[SandboxRequest]:
        """Return logged requests filtered by method and a path regular expression."""
        return self.server.calls(method, path)

    # -- what a SortScape user does in the web app -----------------------------------------

    def contact(self, contact_id: str) -> dict[str, Any]:
        """Return a contact as the API shows it."""
        with self.server.lock:
            return self.store.contact_view(contact_id)

    def contacts(self) -> list[dict[str, Any]]:
        """Return every contact as the API shows it."""
        with self.server.lock:
            return [self.store.contact_view(cid) for cid in self.store.contacts]

    def material(self, material_id: str) -> dict[str, Any]:
        """Return a material as the API shows it."""
        with self.server.lock:
            return copy.deepcopy(self.store.material(material_id))

    def materials(self) -> list[dict[str, Any]]:
        """Return every material as the API shows it."""
        with self.server.lock:
            return [copy.deepcopy(m) for m in self.store.materials.values()]

    def jobs(self, contact_id: str = "") -> list[dict[str, Any]]:
        """Return the jobs, of one contact or of all."""
        with self.server.lock:
            return [copy.deepcopy(j) for j in self.store.jobs.values()
                    if not contact_id or j["contact_id"] == contact_id]

    def add_contact(self, **fields: Any) -> dict[str, Any]:
        """Create a contact (fields as on the wire, ``properties`` allowed)."""
        with self.server.lock:
            return self.store.create_contact(fields)

    def edit_contact(self, contact_id: str, **changes: str) -> dict[str, Any]:
        """Change a contact's fields (bumps version and ``updated_at``)."""
        with self.server.lock:
            return self.store.update_contact(contact_id, changes)

    def archive_contact(self, contact_id: str) -> dict[str, Any]:
        """Archive a contact (refused with :class:`ApiFault` 409 while work is open)."""
        with self.server.lock:
            return self.store.set_status(contact_id, "archived")

    def add_job(self, contact_id: str, status: str = "pending", *, issue_open: bool = False,
                title: str = "Site visit") -> dict[str, Any]:
        """Book a job at the contact's first property."""
        with self.server.lock:
            props = [p["id"] for p in self.store.properties.values()
                     if p["contact_id"] == contact_id]
            job = self.store.insert_job(contact_id, props[0] if props else "", title, status,
                                        issue_open=issue_open)
            self.store.touch(contact_id)
            return copy.deepcopy(job)

    def complete_job(self, job_id: str, *, resolve_issue: bool = True) -> dict[str, Any]:
        """Mark a job completed (and its issue resolved)."""
        changes: dict[str, Any] = {"status": "completed"}
        if resolve_issue:
            changes["issue_open"] = False
        with self.server.lock:
            return self.store.update_job(job_id, **changes)

    def resolve_issue(self, job_id: str) -> dict[str, Any]:
        """Close a job's open issue."""
        with self.server.lock:
            return self.store.update_job(job_id, issue_open=False)

    def clear_blockers(self, contact_id: str) -> None:
        """Complete every pending job and resolve every open issue of a contact."""
        with self.server.lock:
            pending, issues = self.store.blockers(contact_id)
            for job_id in dict.fromkeys([*pending, *issues]):
                self.store.update_job(job_id, status="completed" if job_id in pending else
                                      self.store.jobs[job_id]["status"], issue_open=False)

    def edit_material(self, material_id: str, *, as_user: bool = True,
                      **changes: Any) -> dict[str, Any]:
        """Edit a material; as a user, a linked (read-only) one is refused like in the web app.

        :raises PermissionError: ``as_user`` and the material is linked to a ledger product.
        """
        with self.server.lock:
            if as_user and self.store.material(material_id)["read_only"]:
                raise PermissionError(f"material {material_id} is linked to a ledger product "
                                      "and read-only in SortScape")
            return self.store.update_material(material_id, changes)
