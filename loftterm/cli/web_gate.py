"""The gate in front of ``loftterm --web``: only whoever holds this launch's secret gets in.

On a shared SSH host any local user can reach 127.0.0.1, so the port alone proves nothing. Each
launch draws a random key; the URL printed to the user carries it (``/?key=...``), the first page
sets it as a cookie (HttpOnly, SameSite=Strict) for the page's websocket and assets, and every
other request gets 403 before textual-serve sees it, so no console process is started for it.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from textual_serve.server import Server

COOKIE = "loftterm_web_key"


def new_key() -> str:
    """A fresh per-launch secret (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def key_middleware(key: str) -> Middleware:
    """An aiohttp middleware that lets in requests carrying ``key`` (query or cookie) only."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("key", "")
        from_query = bool(given) and hmac.compare_digest(given, key)
        cookie = request.cookies.get(COOKIE, "")
        if not from_query and not (cookie and hmac.compare_digest(cookie, key)):
            return web.Response(
                status=403,
                text="403: this loftterm console needs the URL its user was given at launch\n",
            )
        response = await handler(request)
        if from_query and not response.prepared:
            response.set_cookie(COOKIE, key, httponly=True, samesite="Strict", path="/")
        return response

    return gate


class GatedServer(Server):
    """textual-serve's server with the key gate in front of every route."""

    def __init__(self, command: str, *, key: str, host: str, port: int, title: str) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.key = key

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(key_middleware(self.key))
        return app
