"""The authorization-code consent flow for ``loftterm connect``.

The consent URL is printed (no browser is assumed: users are often on SSH).  The redirect is taken
by a one-shot server on 127.0.0.1, or pasted back by the user when the browser runs on another
machine.  The code is exchanged for tokens, saved before anything else happens.
"""

from __future__ import annotations

import secrets
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx

from loftterm.connector import TokenStoreProtocol
from loftterm.errors import AuthError, UsageError
from loftterm.http.oauth import OAuthSettings, basic_credentials, parse_token_response


@dataclass(frozen=True)
class ConsentRequest:
    """One consent attempt: where to send the user and what comes back."""

    url: str
    redirect_uri: str
    state: str


def consent_request(
    authorize_url: str, client_id: str, scopes: str, redirect_uri: str
) -> ConsentRequest:
    """Build the consent URL with a fresh anti-forgery ``state``."""
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": state,
        }
    )
    return ConsentRequest(f"{authorize_url}?{query}", redirect_uri, state)


def parse_redirect(url: str, state: str) -> dict[str, str]:
    """Read ``code`` (and QBO's ``realmId``) from the redirect URL; check the state."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url.strip()).query))
    if "error" in query:
        raise AuthError(f"consent refused: {query['error']}")
    if query.get("state") != state:
        raise UsageError(
            "the pasted URL does not belong to this consent (state differs); start again"
        )
    if not query.get("code"):
        raise UsageError(
            "the pasted URL has no code; paste the whole address the browser landed on"
        )
    return query


class RedirectCatcher:
    """A one-shot HTTP server on 127.0.0.1 that waits for the consent redirect."""

    def __init__(self, port: int = 0) -> None:
        self.result: str = ""
        self._done = threading.Event()
        catcher = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                catcher.result = f"http://127.0.0.1{self.path}"
                body = b"loftterm: connected. You can close this tab and return to the terminal.\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                catcher._done.set()

        self._server = HTTPServer(("127.0.0.1", port), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        """The URI to register as the app's redirect."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def wait(self, timeout: float) -> str:
        """Return the redirected URL, or '' when nothing came within ``timeout`` seconds."""
        self._done.wait(timeout)
        return self.result

    def close(self) -> None:
        """Stop the server."""
        self._server.shutdown()
        self._server.server_close()


def exchange_code(
    settings: OAuthSettings,
    code: str,
    redirect_uri: str,
    store: TokenStoreProtocol,
    now: float,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Trade the code for tokens and save them (mode 0600) before returning."""
    with httpx.Client(timeout=30.0) as client:
        response = client.post(
            settings.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            },
            headers={
                "Authorization": basic_credentials(settings.client_id, settings.client_secret),
                "Accept": "application/json",
            },
        )
    tokens = parse_token_response(settings, response, now)
    tokens.update(extra or {})
    store.save(tokens)
    return tokens
