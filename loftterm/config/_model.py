"""The validated config: :class:`Config` and one :class:`ConnectorConfig` per connector."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loftterm.connector import setting_at
from loftterm.errors import ConfigError


@dataclass(frozen=True, repr=False)
class ConnectorConfig:
    """One ``connectors.<name>`` section, validated.

    :param name: the connector's name (its entry-point name).
    :param enabled: whether syncs run it.
    :param settings: every key (common and the connector's own) with defaults filled in and the
        environment expanded; ``match`` is a nested dict.
    :param secret_keys: dotted keys whose values are masked in ``repr`` and :meth:`redacted`.
    """

    name: str
    enabled: bool
    settings: Mapping[str, Any]
    secret_keys: frozenset[str] = frozenset()

    def setting(self, key: str, default: Any = None) -> Any:
        """Return a setting by dotted key (``match.name_rule``), or ``default``."""
        return setting_at(self.settings, key, default)

    def redacted(self) -> dict[str, Any]:
        """Return the settings with every non-empty secret replaced by ``***`` (safe to show)."""
        out = copy.deepcopy(dict(self.settings))
        for key in self.secret_keys:
            *parents, last = key.split(".")
            node: Any = out
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and node.get(last) not in (None, ""):
                node[last] = "***"
        return out

    def __repr__(self) -> str:
        return (f"ConnectorConfig(name={self.name!r}, enabled={self.enabled!r}, "
                f"settings={self.redacted()!r})")


@dataclass(frozen=True)
class Config:
    """The validated config.

    :param path: the file it was read from (as given), None when built in memory.
    :param book: absolute path of the book.
    :param tokens: absolute path of the OAuth token file.
    :param every_minutes: automatic sync interval of the TUI, 0 for none.
    :param keymap: binding id -> key, for the TUI.
    :param connectors: the configured connectors, in config order.
    :param source: the name errors are reported under.
    """

    path: Path | None
    book: Path
    tokens: Path
    every_minutes: int
    keymap: Mapping[str, str]
    connectors: tuple[ConnectorConfig, ...]
    source: str = ""

    def connector(self, name: str) -> ConnectorConfig:
        """Return one configured connector (enabled or not); ConfigError if it is not configured."""
        for conn in self.connectors:
            if conn.name == name:
                return conn
        known = ", ".join(c.name for c in self.connectors) or "none"
        raise ConfigError(f"{self.source}: connector {name!r} is not configured "
                          f"(configured: {known})")

    def enabled(self) -> list[ConnectorConfig]:
        """Return the enabled connectors, in config order."""
        return [conn for conn in self.connectors if conn.enabled]
