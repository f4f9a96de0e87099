"""The connector's config keys and their parsed, clamped values for one run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loftterm.api import AuthError, ConnectorContext, Setting

MIN_MINOR_VERSION = 75
MAX_PAGE = 1000
MAX_BATCH = 30

ACCOUNT_NAME_MAX = 100


def check_account_code(value: object) -> str:
    """Return why a value cannot be an account number or name, or empty when it can."""
    text = str(value)
    if not text.strip():
        return ""
    if len(text) > ACCOUNT_NAME_MAX:
        return f"an account number or name has at most {ACCOUNT_NAME_MAX} characters"
    if any(ch in text for ch in '":') or any(ord(ch) < 32 for ch in text):
        return 'an account number or name has no colon, double quote or control character'
    return ""


SETTINGS: tuple[Setting, ...] = (
    Setting("api_url", str, "https://quickbooks.api.intuit.com",
            help="QBO API root (sandbox companies: https://sandbox-quickbooks.api.intuit.com)"),
    Setting("token_url", str, "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            help="Intuit OAuth2 token endpoint"),
    Setting("authorize_url", str, "https://appcenter.intuit.com/connect/oauth2",
            help="Intuit consent page used by `loftterm connect qbo`"),
    Setting("grant", str, "authorization_code", choices=("authorization_code",),
            help="OAuth2 grant; QBO only offers authorization_code (consent once, then refresh)"),
    Setting("client_id", str, required=True, help="the Intuit app's client id"),
    Setting("client_secret", str, required=True, secret=True,
            help="the Intuit app's client secret"),
    Setting("scopes", str, "com.intuit.quickbooks.accounting", help="OAuth2 scopes asked for"),
    Setting("realm_id", str, required=True, help="the QBO company id (realmId)"),
    Setting("refresh_token", str, "", secret=True,
            help="a refresh token that seeds the token file once (later ones rotate there)"),
    Setting("customer_prefix", str, "*",
            help="prefix of a profile's Customer DisplayName (its Vendor carries the plain name)"),
    Setting("minorversion", int, MIN_MINOR_VERSION,
            help="API minor version sent on every call; below 75 is treated as 75"),
    Setting("page_size", int, MAX_PAGE, help="records per query page (1-1000)"),
    Setting("batch_size", int, MAX_BATCH, help="writes per batch request (1-30)"),
    Setting("default_expense_account", str, "", validate=check_account_code,
            help="account number or name for bill and credit-note lines that give no account "
                 "(empty: such a line fails its document)"),
    Setting("retry_after_cap", float, 60.0,
            help="longest wait in seconds after a throttle (QBO asks for 60)"),
)


@dataclass(frozen=True)
class QboSettings:
    """The settings of one run, defaults filled in and limits applied."""

    api_url: str
    token_url: str
    client_id: str
    client_secret: str
    grant: str
    scopes: str
    realm_id: str
    refresh_token: str
    customer_prefix: str
    minorversion: int
    page_size: int
    batch_size: int
    retry_after_cap: float
    default_expense_account: str = ""

    @classmethod
    def from_context(cls, ctx: ConnectorContext) -> QboSettings:
        """Read the settings from a context (missing keys take their defaults)."""
        defaults = {s.key: s.default for s in SETTINGS}

        def get(key: str) -> Any:
            value = ctx.setting(key, defaults.get(key))
            return defaults.get(key) if value is None else value

        realm = str(get("realm_id") or "").strip()
        if not realm:
            raise AuthError(f"{ctx.name}: realm_id is not set; run `loftterm connect {ctx.name}` "
                            "and copy the company id into the config")
        return cls(
            api_url=str(get("api_url")).rstrip("/"),
            token_url=str(get("token_url")),
            client_id=str(get("client_id") or ""),
            client_secret=str(get("client_secret") or ""),
            grant=str(get("grant")),
            scopes=str(get("scopes") or ""),
            realm_id=realm,
            refresh_token=str(get("refresh_token") or ""),
            customer_prefix=str(get("customer_prefix")),
            minorversion=max(MIN_MINOR_VERSION, int(get("minorversion"))),
            page_size=min(MAX_PAGE, max(1, int(get("page_size")))),
            batch_size=min(MAX_BATCH, max(1, int(get("batch_size")))),
            retry_after_cap=max(0.0, float(get("retry_after_cap"))),
            default_expense_account=str(get("default_expense_account") or "").strip(),
        )
