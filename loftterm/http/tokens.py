"""OAuth token storage: one file beside the book, mode 0600, written atomically.

Refresh tokens rotate (Xero, QBO): the new one is saved with fsync and rename before the access
token it came with is used, so a crash between refresh and save never loses both.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loftterm.connector import TokenStoreProtocol
from loftterm.durable import fsync_directory
from loftterm.errors import ConfigError

_LOCK = threading.Lock()


def write_private_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON to ``path`` atomically (temp file, fsync, rename) with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_directory(path.parent)


class TokenFile:
    """All connectors' tokens in one JSON file keyed by connector name."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read_all(self) -> dict[str, dict[str, Any]]:
        """Return every connector's token set; an absent file is empty."""
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{self.path}: token file unreadable ({exc}); delete it and run "
                "`loftterm connect NAME` again"
            ) from exc
        return data if isinstance(data, dict) else {}

    def for_connector(self, name: str) -> ConnectorTokens:
        """Return the token store of one connector."""
        return ConnectorTokens(self, name)


class ConnectorTokens(TokenStoreProtocol):
    """One connector's tokens inside a :class:`TokenFile`."""

    def __init__(self, file: TokenFile, name: str) -> None:
        self.file = file
        self.name = name

    def load(self) -> dict[str, Any]:
        """Return the stored token set, empty when none."""
        with _LOCK:
            return dict(self.file.read_all().get(self.name, {}))

    def save(self, tokens: Mapping[str, Any]) -> None:
        """Persist the token set atomically (fsync, rename, 0600) before it is used."""
        with _LOCK:
            data = self.file.read_all()
            data[self.name] = dict(tokens)
            write_private_json(self.file.path, data)


class MemoryTokens(TokenStoreProtocol):
    """A token store that lives in memory (dry runs of a demo, unit tests of the auth flow)."""

    def __init__(self, tokens: Mapping[str, Any] | None = None) -> None:
        self.tokens: dict[str, Any] = dict(tokens or {})

    def load(self) -> dict[str, Any]:
        """Return the stored token set."""
        return dict(self.tokens)

    def save(self, tokens: Mapping[str, Any]) -> None:
        """Replace the stored token set."""
        self.tokens = dict(tokens)
