"""Independent clients (python-quickbooks, pyxero) against the sandboxes on 127.0.0.1.

Each client is pointed at a sandbox through its own settings: a discovery URL and API base for
python-quickbooks, the credentials' base URL for pyxero.  Their OAuth libraries refuse plain
http unless ``OAUTHLIB_INSECURE_TRANSPORT`` is set, which these tests do (loopback only).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def insecure_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let oauthlib send tokens over http to 127.0.0.1 (the sandboxes have no TLS)."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    yield
