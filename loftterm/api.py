"""The host's public API: everything a connector may import from loftterm.

Connectors import from here only (enforced by import-linter), so the core can change its insides
without breaking a plugin.  ``__all__`` is pinned by a test.
"""

from __future__ import annotations

from loftterm.connector import (
    ArchiveRequest,
    BalanceChanges,
    ConnectorContext,
    ConnectorInfo,
    DemoSandbox,
    DocumentLine,
    DocumentOutcome,
    DocumentRequest,
    PullPage,
    PullRequest,
    PushRequest,
    RecordOutcome,
    RemoteItem,
    Setting,
    SyncEvent,
    Tenant,
    TokenStoreProtocol,
)
from loftterm.errors import AuthError, ProtocolError, RateLimitError, RemoteError
from loftterm.hookspecs import hookimpl
from loftterm.http.client import make_http_client
from loftterm.http.oauth import OAuth2Auth, OAuthSettings
from loftterm.http.transport import CallStats, RateLimitVerdict, RetryPolicy
from loftterm.models import Address, Balance, ContactFields, RemoteContact, to_decimal
from loftterm.moments import parse_utc
from loftterm.sandboxkit import (
    Fault,
    SandboxRequest,
    SandboxResponse,
    SandboxServer,
    TokenIssuer,
    json_response,
)

__all__ = [
    "Address",
    "ArchiveRequest",
    "AuthError",
    "Balance",
    "BalanceChanges",
    "CallStats",
    "ConnectorContext",
    "ConnectorInfo",
    "ContactFields",
    "DemoSandbox",
    "DocumentLine",
    "DocumentOutcome",
    "DocumentRequest",
    "Fault",
    "OAuth2Auth",
    "OAuthSettings",
    "ProtocolError",
    "PullPage",
    "PullRequest",
    "PushRequest",
    "RateLimitError",
    "RateLimitVerdict",
    "RecordOutcome",
    "RemoteContact",
    "RemoteError",
    "RemoteItem",
    "RetryPolicy",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxServer",
    "Setting",
    "SyncEvent",
    "Tenant",
    "TokenIssuer",
    "TokenStoreProtocol",
    "hookimpl",
    "json_response",
    "make_http_client",
    "parse_utc",
    "to_decimal",
]
