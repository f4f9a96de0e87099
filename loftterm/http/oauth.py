"""OAuth2 as an ``httpx.Auth`` flow: bearer tokens, refresh before expiry, one retry on 401.

Two grants: ``client_credentials`` (Xero custom connections, headless cron) and
``authorization_code`` (consent once with ``loftterm connect``, then refresh tokens, which rotate).
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from loftterm.connector import TokenStoreProtocol
from loftterm.errors import AuthError, ProtocolError
from loftterm.http.transport import RETRY_SAFE

EXPIRY_MARGIN_S = 60


@dataclass(frozen=True)
class OAuthSettings:
    """Where and how to get tokens.

    :param connector: the connector's name, for messages.
    :param token_url: the token endpoint.
    :param client_id: the app's client id.
    :param client_secret: the app's client secret (never logged).
    :param grant: ``client_credentials`` or ``authorization_code``.
    :param scopes: scopes asked for with client credentials.
    :param seed_refresh_token: a refresh token from config that seeds an empty token file once.
    :param refresh_grace_s: how long the remote keeps a used refresh token usable after it
        rotated it (Xero: 30 minutes; 0 when the remote promises nothing).  Within it, a refresh
        whose answer was lost is sent again with the same token instead of asking to reconnect.
    """

    connector: str
    token_url: str
    client_id: str
    client_secret: str
    grant: str = "client_credentials"
    scopes: str = ""
    seed_refresh_token: str = ""
    refresh_grace_s: float = 0.0


def basic_credentials(client_id: str, client_secret: str) -> str:
    """Return the HTTP Basic header value for the client credentials."""
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def parse_token_response(
    settings: OAuthSettings, response: httpx.Response, now: float
) -> dict[str, Any]:
    """Turn a token endpoint answer into a stored token set, or raise a one-line error."""
    if response.status_code in (400, 401):
        try:
            answer = response.json()
        except ValueError:
            answer = None
        # any JSON may come back (issue 7 fuzzing): only an object's string "error" is shown
        error = answer.get("error") if isinstance(answer, dict) else ""
        error = error if isinstance(error, str) else ""
        raise AuthError(
            f"{settings.connector}: the token endpoint refused the credentials "
            f"({error or response.status_code}); run `loftterm connect {settings.connector}` "
            "to reconnect"
        )
    if response.status_code >= 300:
        raise ProtocolError(
            f"{settings.connector}: token endpoint answered HTTP {response.status_code}"
        )
    try:
        body = response.json()
        access = str(body["access_token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(
            f"{settings.connector}: token endpoint answer has no access_token"
        ) from exc
    tokens: dict[str, Any] = {
        "access_token": access,
        "expires_at": now + _seconds(body.get("expires_in"), 1800.0),
        "token_type": str(body.get("token_type") or "Bearer"),
    }
    if body.get("refresh_token"):
        tokens["refresh_token"] = str(body["refresh_token"])
    if body.get("x_refresh_token_expires_in"):
        tokens["refresh_expires_at"] = now + _seconds(body["x_refresh_token_expires_in"], 0.0)
    return tokens


def _seconds(value: Any, default: float) -> float:
    """A lifetime from a token answer; ``default`` when it is not a positive finite number.

    A text, a null or NaN must not escape as a ``ValueError`` nor be stored as a NaN expiry,
    which would make every request refresh (issue 7 fuzzing).
    """
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if math.isfinite(seconds) and seconds > 0 else default


class OAuth2Auth(httpx.Auth):
    """Bearer auth that fetches, refreshes and stores tokens.

    The refresh is done inside the auth flow through the same client, so it is retried and
    counted like any call.  A 401 triggers exactly one refresh and one retry.
    """

    def __init__(
        self,
        settings: OAuthSettings,
        store: TokenStoreProtocol,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self.refreshes = 0

    def _token_request(self) -> httpx.Request:
        stored = self.store.load()
        data = {"grant_type": self.settings.grant}
        if self.settings.grant == "client_credentials":
            if self.settings.scopes:
                data["scope"] = self.settings.scopes
        else:
            refresh = stored.get("refresh_token") or self.settings.seed_refresh_token
            if not refresh:
                raise AuthError(
                    f"{self.settings.connector}: not connected yet; run "
                    f"`loftterm connect {self.settings.connector}`"
                )
            data = {"grant_type": "refresh_token", "refresh_token": str(refresh)}
        headers = {
            "Authorization": basic_credentials(
                self.settings.client_id, self.settings.client_secret
            ),
            "Accept": "application/json",
        }
        # client credentials never rotate; a refresh token the remote keeps for a grace period
        # may be sent twice: either way a lost answer is retried like a read
        safe = self.settings.grant == "client_credentials" or self.settings.refresh_grace_s > 0
        return httpx.Request("POST", self.settings.token_url, data=data, headers=headers,
                             extensions={RETRY_SAFE: True} if safe else {})

    def _refresh_flow(self) -> Generator[httpx.Request, httpx.Response, dict[str, Any]]:
        response = yield self._token_request()
        response.read()
        tokens = parse_token_response(self.settings, response, self.clock())
        kept = self.store.load()
        if "refresh_token" not in tokens and kept.get("refresh_token"):
            tokens["refresh_token"] = kept["refresh_token"]
        for key in ("tenant_id", "tenant_name"):
            if key in kept:
                tokens[key] = kept[key]
        self.store.save(tokens)  # saved before use: a rotated refresh token is never lost
        self.refreshes += 1
        return tokens

    def _valid(self, tokens: dict[str, Any]) -> bool:
        return bool(tokens.get("access_token")) and float(tokens.get("expires_at", 0)) > (
            self.clock() + EXPIRY_MARGIN_S
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the bearer token, refreshing first when it is absent or about to expire."""
        tokens = self.store.load()
        if not self._valid(tokens):
            tokens = yield from self._refresh_flow()
        request.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        response = yield request
        if response.status_code == 401:
            tokens = yield from self._refresh_flow()
            request.headers["Authorization"] = f"Bearer {tokens['access_token']}"
            yield request
