"""Setting up a connection: ``connect`` (OAuth consent) and ``doctor`` (is everything reachable)."""

from __future__ import annotations

import argparse
import sys
import time

from loftterm.cli.output import print_json
from loftterm.cli.session import Handler, Session
from loftterm.errors import EXIT_OK, EXIT_REMOTE, UsageError
from loftterm.http.consent import RedirectCatcher, consent_request, exchange_code, parse_redirect
from loftterm.http.oauth import OAuthSettings


def cmd_connect(session: Session, args: argparse.Namespace) -> int:
    """``connect``: OAuth consent (authorization code), tokens saved, organisations listed."""
    console = session.console
    conn = console.config.connector(args.connector)
    settings = conn.settings
    for key in ("authorize_url", "token_url", "client_id", "client_secret"):
        if not settings.get(key):
            raise UsageError(
                f"connectors.{args.connector}.{key} is not set; {args.connector} has no consent flow"
            )
    oauth = OAuthSettings(
        args.connector,
        str(settings["token_url"]),
        str(settings["client_id"]),
        str(settings["client_secret"]),
        "authorization_code",
        str(settings.get("scopes") or ""),
    )
    store = console.tokens.for_connector(args.connector)
    catcher = None if args.paste else RedirectCatcher(args.port)
    redirect_uri = (
        catcher.redirect_uri if catcher else f"http://127.0.0.1:{args.port or 8765}/callback"
    )
    consent = consent_request(
        str(settings["authorize_url"]), oauth.client_id, oauth.scopes, redirect_uri
    )
    print(
        f"Open this address in a browser and approve loftterm:\n\n  {consent.url}\n",
        file=sys.stderr,
    )
    try:
        if catcher is not None:
            print(
                f"Waiting for the redirect to {redirect_uri} (Ctrl-C to stop)...", file=sys.stderr
            )
            landed = catcher.wait(args.timeout)
            if not landed:
                raise UsageError(
                    f"no redirect within {args.timeout:.0f} s; run again with --paste over SSH"
                )
        else:
            landed = input("Paste the address the browser landed on: ")
    finally:
        if catcher is not None:
            catcher.close()
    query = parse_redirect(landed, consent.state)
    extra = {"tenant_id": query["realmId"]} if query.get("realmId") else {}
    exchange_code(oauth, query["code"], redirect_uri, store, time.time(), extra)
    tenants = console.tenants(args.connector)
    if session.json:
        print_json(
            {
                "connector": args.connector,
                "connected": True,
                "organisations": [{"id": t.id, "name": t.name} for t in tenants],
            }
        )
    else:
        print(f"connected {args.connector}; tokens saved to {console.config.tokens} (mode 0600)")
        for tenant in tenants:
            print(f"  organisation {tenant.name}: {tenant.id}")
        if len(tenants) > 1:
            print(
                f"several organisations: set connectors.{args.connector}.tenant_id to one of them"
            )
    return EXIT_OK


def cmd_doctor(session: Session, args: argparse.Namespace) -> int:
    """``doctor``: config, book, tokens and reachability, one line each."""
    console = session.console
    checks: list[tuple[str, bool, str]] = []
    book = console.book()
    checks.append(
        (
            "book",
            True,
            f"{console.config.book}: {len(book.profiles)} profiles, {len(book.links)} links",
        )
    )
    for name in console.connectors():
        try:
            tenants = console.tenants(name)
            checks.append(
                (name, True, "reachable; organisations: " + ", ".join(t.name for t in tenants))
            )
        except Exception as exc:
            checks.append((name, False, str(exc)))
    if session.json:
        print_json(
            {
                "ok": all(ok for _, ok, _ in checks),
                "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in checks],
            }
        )
    else:
        for check, ok, detail in checks:
            print(f"{'ok ' if ok else 'FAIL'} {check}: {detail}")
    return EXIT_OK if all(ok for _, ok, _ in checks) else EXIT_REMOTE


SETUP_COMMANDS: dict[str, Handler] = {"connect": cmd_connect, "doctor": cmd_doctor}
