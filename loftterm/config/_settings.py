"""The keys the config accepts: the host's, the common ones of every connector, each connector's.

A connector's own keys come from its ``loftterm_connector_settings`` hook, through the plugin
manager (the host never imports a connector).
"""

from __future__ import annotations

from dataclasses import replace

import pluggy

from loftterm.connector import ConnectorInfo, Setting
from loftterm.errors import ConfigError
from loftterm.matching import NAME_RULES
from loftterm.plugins import ConnectorHooks

BALANCE_RULES = ("principal", "organization_first")
IMPORT_POLICIES = ("all", "customers", "none")
FIRST_LINK_NAMES = ("book", "ledger")

HOST_SETTINGS: tuple[Setting, ...] = (
    Setting("book", str, "~/.local/share/loftterm/book.json",
            help="the TinyDB book; relative to the config file's folder; ~ expanded "
                 "(default: $XDG_DATA_HOME/loftterm/book.json)"),
    Setting("tokens", str, "", help="OAuth token file, mode 0600 (default: <book stem>.tokens.json "
                                    "beside the book)"),
    Setting("sync.every_minutes", int, 0, help="automatic sync in the TUI, in minutes; 0 = off"),
)
"""The top-level keys besides ``keymap`` (binding id -> key) and ``connectors``."""

ENABLED = Setting("enabled", bool, True,
                  help="sync this connector; false keeps the section but skips it")
"""Read before the rest of a connector's section: a disabled section need not be complete."""

COMMON_SETTINGS: tuple[Setting, ...] = (
    ENABLED,
    Setting("match.name_threshold", float, 0.60,
            help="lowest name score (0..1, inclusive) that links a profile to a remote contact"),
    Setting("match.name_rule", str, "jaccard", choices=NAME_RULES,
            help="trigram name score: jaccard | overlap | containment (default: the connector's)"),
    Setting("match.review_band", float, 0.15,
            help="a create or import is held for review when a record on the other side scores "
                 "within this much below the threshold (folded names; 0..1)"),
    Setting("balance_rule", str, "principal", choices=BALANCE_RULES,
            help="whose balance an agent paid to an organization shows: principal | "
                 "organization_first"),
    Setting("first_link_names", str, "book", choices=FIRST_LINK_NAMES,
            help="when a first link finds different names on both sides: book (the book's "
                 "name is pushed) | ledger (the remote record's name is kept)"),
    Setting("import", str, "all", choices=IMPORT_POLICIES,
            help="unlinked remote contacts that become local profiles: all | customers | none "
                 "(default: the connector's)"),
    Setting("sync_every_minutes", int, 0,
            help="automatic sync of this connector in the TUI, in minutes; 0 = off "
                 "(default: the connector's)"),
)
"""The keys the host adds to every ``connectors.<name>`` section, before the connector's own."""

_BOUNDS: dict[str, tuple[float, float | None]] = {
    "match.name_threshold": (0.0, 1.0),
    "match.review_band": (0.0, 1.0),
    "sync_every_minutes": (0, None),
    "sync.every_minutes": (0, None),
}
_TOP_KEYS = ("book", "connectors", "keymap", "sync", "tokens")


def connector_settings(pm: pluggy.PluginManager, name: str) -> tuple[Setting, ...]:
    """Return every key ``connectors.<name>`` accepts: the common ones, then the connector's.

    The common keys carry this connector's defaults (name rule, import policy, sync interval).
    """
    hooks = ConnectorHooks(pm, name)
    return _common_for(hooks.info) + (_own_settings(hooks) or ())


def _common_for(info: ConnectorInfo) -> tuple[Setting, ...]:
    defaults = {"match.name_rule": info.default_name_rule, "import": info.imports_remote,
                "sync_every_minutes": info.sync_every_minutes}
    return tuple(replace(s, default=defaults[s.key]) if s.key in defaults else s
                 for s in COMMON_SETTINGS)


def _own_settings(hooks: ConnectorHooks) -> tuple[Setting, ...] | None:
    """Return the connector's own settings, or None when it has no settings hook (yet)."""
    if not hooks.implements("loftterm_connector_settings"):
        return None
    answer = hooks.call("loftterm_connector_settings")
    if answer is None:
        return None
    own = tuple(answer)
    for item in own:
        if not isinstance(item, Setting):
            raise ConfigError(f"connector {hooks.name!r}: its settings hook returned "
                              f"{type(item).__name__} instead of Setting")
    return own
