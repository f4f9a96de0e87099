"""Building blocks for connector sandboxes: loopback HTTP servers that speak a remote's protocol.

A sandbox is a real HTTP server on 127.0.0.1 (port 0 by default) in a daemon thread, so tests and
the demo drive connectors over real sockets.  This module gives every sandbox the same routing,
request log, fault switches (429 bursts, 5xx, slow or malformed answers, expired tokens, refused
refresh tokens) and an OAuth2 token endpoint with rotating refresh tokens.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class SandboxRequest:
    """One request as a route handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """Return a query parameter (case-insensitive name), or the default."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return default

    def header(self, name: str, default: str = "") -> str:
        """Return a header (case-insensitive), or the default."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """Parse the body as JSON (raises ValueError on bad JSON)."""
        return json.loads(self.body.decode("utf-8") or "null")

    def form(self) -> dict[str, str]:
        """Parse a form-encoded body."""
        pairs = urllib.parse.parse_qsl(self.body.decode("utf-8"))
        return dict(pairs)


@dataclass
class SandboxResponse:
    """What a route handler answers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def encode(self) -> bytes:
        """Return the body bytes (JSON unless ``raw`` is set)."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body).encode("utf-8")


def json_response(body: Any, status: int = 200, **headers: str) -> SandboxResponse:
    """Return a JSON response."""
    return SandboxResponse(status, body, {"Content-Type": "application/json", **headers})


Handler = Callable[[SandboxRequest], SandboxResponse]


@dataclass
class Fault:
    """A one-shot (or n-shot) misbehaviour applied to matching requests before routing.

    :param kind: ``status`` (answer ``status`` with ``body`` and ``headers``), ``slow`` (sleep
        ``delay`` then answer normally), ``malformed`` (answer 200 with broken JSON),
        ``truncated`` (cut the real answer in half), ``expire_token`` (treat the bearer token as
        expired), ``drop`` (close the connection without answering), ``lose_answer`` (process
        the request, then close the connection without answering: done remotely, never heard of).
    :param path: a regular expression the request path must match (search, not full match).
    :param method: the HTTP method to match, empty for any.
    :param times: how many requests it affects.
    """

    kind: str
    path: str = ""
    method: str = ""
    times: int = 1
    status: int = 500
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def matches(self, request: SandboxRequest) -> bool:
        """Return True when the fault applies to this request."""
        if self.method and self.method != request.method:
            return False
        return not self.path or re.search(self.path, request.path) is not None


class FaultSwitches:
    """Faults queued by tests; each fires for ``times`` matching requests, then disappears."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def status(
        self,
        status: int,
        path: str = "",
        times: int = 1,
        body: Any = None,
        method: str = "",
        **headers: str,
    ) -> Fault:
        """Queue an error answer (e.g. 500, or 429 with Retry-After headers)."""
        return self.add(Fault("status", path, method, times, status, body, None, dict(headers)))

    def take(self, request: SandboxRequest) -> Fault | None:
        """Return and consume the first fault matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()


class TokenIssuer:
    """An OAuth2 token endpoint: client credentials, authorization codes, rotating refresh tokens.

    Like Xero and Intuit, a used refresh token is replaced by a new one; the old one is refused
    (``invalid_grant``) once ``grace_s`` has passed since it was first used.  Xero keeps it for
    30 minutes; 0 (the default) is strict: a rotated token is dead at once.

    :param grace_s: how long a used refresh token stays usable (Xero: 1800).
    :param clock: the time source of the grace period.
    """

    def __init__(self, client_id: str, client_secret: str, access_ttl: float = 1800.0,
                 grace_s: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.grace_s = grace_s
        self.clock = clock
        self.retired: dict[str, float] = {}  # used refresh token -> when it was first used
        self.access: dict[str, float] = {}
        self.refresh: set[str] = set()
        self.codes: dict[str, str] = {}
        self.issued = 0
        self._lock = threading.Lock()

    def _client_ok(self, request: SandboxRequest, form: dict[str, str]) -> bool:
        header = request.header("authorization")
        if header.startswith("Basic "):
            try:
                raw = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            cid, _, secret = raw.partition(":")
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secret == self.client_secret

    def new_code(self) -> str:
        """Mint an authorization code (what the consent page would redirect with)."""
        code = secrets.token_urlsafe(12)
        with self._lock:
            self.codes[code] = "ok"
        return code

    def new_refresh_token(self) -> str:
        """Mint a refresh token directly (tests seeding a token file)."""
        token = "rt-" + secrets.token_urlsafe(16)
        with self._lock:
            self.refresh.add(token)
        return token

    def _issue(self, with_refresh: bool) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(16)
        self.access[token] = time.time() + self.access_ttl
        self.issued += 1
        body: dict[str, Any] = {
            "access_token": token,
            "expires_in": int(self.access_ttl),
            "token_type": "Bearer",
        }
        if with_refresh:
            refresh = "rt-" + secrets.token_urlsafe(16)
            self.refresh.add(refresh)
            body["refresh_token"] = refresh
        return body

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer a token request."""
        form = request.form()
        if not self._client_ok(request, form):
            return json_response({"error": "invalid_client"}, 401)
        grant = form.get("grant_type", "")
        with self._lock:
            if grant == "client_credentials":
                return json_response(self._issue(with_refresh=False))
            if grant == "authorization_code" and self.codes.pop(form.get("code", ""), ""):
                return json_response(self._issue(with_refresh=True))
            if grant == "refresh_token" and self._refreshable(form.get("refresh_token", "")):
                return json_response(self._issue(with_refresh=True))
        return json_response({"error": "invalid_grant"}, 400)

    def _refreshable(self, token: str) -> bool:
        """Retire a live refresh token (it stays usable for the grace period), or refuse it."""
        if token in self.refresh:
            self.refresh.discard(token)
            self.retired[token] = self.clock()
            return True
        used = self.retired.get(token)
        return used is not None and self.clock() - used < self.grace_s

    def valid(self, request: SandboxRequest) -> bool:
        """Return True when the request carries a live bearer token."""
        header = request.header("authorization")
        if not header.startswith("Bearer "):
            return False
        expires = self.access.get(header[7:])
        return expires is not None and expires > time.time()

    def expire_all(self) -> None:
        """Expire every access token (the next call gets 401 and must refresh)."""
        with self._lock:
            for token in self.access:
                self.access[token] = 0.0


class SandboxServer:
    """A threaded HTTP server on loopback with routes, a request log and fault switches."""

    def __init__(self, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.name = name
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults = FaultSwitches()
        self.log: list[SandboxRequest] = []
        self.lock = threading.RLock()
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.expired_tokens_pending = 0

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register a handler for a method and a full-match path pattern with named groups."""
        self.routes.append((method, re.compile(pattern), handler))

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        if self._httpd is None:
            raise RuntimeError(f"{self.name} sandbox is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Start serving in a daemon thread; return the base URL."""
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                server._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=f"{self.name}-sandbox", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def refuse_connections(self) -> None:
        """Stop listening but keep the port: connects are refused until :meth:`accept_connections`.

        The remote is down before the request leaves the client (what a restarting server or a
        full accept queue looks like): a client may retry any request, a write too.
        """
        if self._httpd is not None:
            self._port = int(self._httpd.server_address[1])
            self.stop()

    def accept_connections(self) -> None:
        """Listen again on the port :meth:`refuse_connections` kept."""
        if self._httpd is None:
            self.start()

    def calls(self, method: str = "", path: str = "") -> list[SandboxRequest]:
        """Return logged requests filtered by method and a path regular expression."""
        with self.lock:
            return [
                r
                for r in self.log
                if (not method or r.method == method) and (not path or re.search(path, r.path))
            ]

    def _read(self, handler: BaseHTTPRequestHandler) -> SandboxRequest:
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        return SandboxRequest(handler.command, parsed.path, query, headers, body)

    def _route(self, request: SandboxRequest) -> SandboxResponse:
        for method, pattern, handler in self.routes:
            found = pattern.fullmatch(request.path)
            if found and method == request.method:
                request.match = {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
                try:
                    return handler(request)
                except (ValueError, KeyError, TypeError) as exc:
                    return json_response({"error": "bad request", "detail": str(exc)}, 400)
        return json_response({"error": "not found", "path": request.path}, 404)

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        with self.lock:
            self.log.append(request)
        fault = self.faults.take(request)
        if fault is not None and fault.kind == "drop":
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            response = SandboxResponse(fault.status, fault.body, dict(fault.headers), fault.raw)
        elif fault is not None and fault.kind == "malformed":
            response = SandboxResponse(
                200, None, {"Content-Type": "application/json"}, b'{"Contacts": ['
            )
        else:
            if fault is not None and fault.kind == "expire_token":
                self.expired_tokens_pending += 1
            response = self._route(request)
            if fault is not None and fault.kind == "lose_answer":
                handler.close_connection = True
                return
            if fault is not None and fault.kind == "truncated":
                data = response.encode()
                response = SandboxResponse(
                    response.status, None, response.headers, data[: len(data) // 2]
                )
        self._write(handler, response)

    def _write(self, handler: BaseHTTPRequestHandler, response: SandboxResponse) -> None:
        data = response.encode()
        handler.send_response(response.status)
        headers = {"Content-Type": "application/json", **response.headers}
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        try:
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client went away (killed in a chaos test)

    def consume_expired_token(self) -> bool:
        """Return True once per queued ``expire_token`` fault (the handler then answers 401)."""
        with self.lock:
            if self.expired_tokens_pending:
                self.expired_tokens_pending -= 1
                return True
        return False
