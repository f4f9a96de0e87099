"""The plugin host: builds a plugin manager and calls one connector's hooks.

There is no global manager: callers build one with :func:`make_plugin_manager` (tests build a
clean one).  Built-in connectors load through the ``loftterm.connectors`` entry points like any
third-party connector would.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from loftterm import hookspecs
from loftterm.connector import ConnectorInfo
from loftterm.errors import ConfigError

ENTRY_POINT_GROUP = "loftterm.connectors"


def make_plugin_manager(
    load_entry_points: bool = True, plugins: Iterable[tuple[str, object]] = ()
) -> pluggy.PluginManager:
    """Build a plugin manager with loftterm's hook specs.

    :param load_entry_points: load every installed connector from the entry points.
    :param plugins: extra ``(name, plugin)`` pairs to register (tests, observers).
    :returns: a manager whose hook implementations have all been checked against the specs.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is None:
                pm.register(ep.load(), name=ep.name)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def installed_connectors(pm: pluggy.PluginManager) -> dict[str, ConnectorInfo]:
    """Return the info of every registered connector, by name."""
    found: dict[str, ConnectorInfo] = {}
    for name, plugin in pm.list_name_plugin():
        impl = getattr(plugin, "loftterm_connector_info", None)
        if impl is None:
            continue
        info = impl()
        found[info.name if name is None else name] = info
    return found


class ConnectorHooks:
    """The hooks of exactly one connector: every other plugin is removed from the callers."""

    def __init__(self, pm: pluggy.PluginManager, name: str) -> None:
        plugin = pm.get_plugin(name)
        if plugin is None or not hasattr(plugin, "loftterm_connector_info"):
            known = ", ".join(sorted(installed_connectors(pm))) or "none"
            raise ConfigError(f"connector {name!r} is not installed (installed: {known})")
        self.name = name
        self._pm = pm
        self._others = [p for p in pm.get_plugins() if p is not plugin]
        self.info: ConnectorInfo = plugin.loftterm_connector_info()

    def call(self, hook: str, **kwargs: Any) -> Any:
        """Call one ``loftterm_connector_*`` hook on this connector only.

        :returns: the connector's answer, or None when it does not implement the hook.
        """
        caller = self._pm.subset_hook_caller(hook, remove_plugins=self._others)
        return caller(**kwargs)

    def implements(self, hook: str) -> bool:
        """Return True when this connector implements the hook."""
        plugin = self._pm.get_plugin(self.name)
        return hasattr(plugin, hook)
