"""Load and validate the YAML config; every problem is one ``file:line: key: problem`` line.

The file is composed with :func:`yaml.compose` so every key keeps its line, then checked against
the host's keys (:data:`HOST_SETTINGS`, :data:`COMMON_SETTINGS`) and each connector's own keys,
which the host learns through the ``loftterm_connector_settings`` hook (never by importing a
connector).  String values may use ``${VAR}`` and ``${VAR:-default}`` (``$${`` is a literal
``${``); a variable that fills a number or a boolean is read as YAML, so ``${PAGE_SIZE:-100}`` is
an integer.  Secret values never appear in an error message or in the repr of the loaded config.

One module per job:

* ``_model``: the validated :class:`Config` and :class:`ConnectorConfig`;
* ``_files``: finding and loading the file (:func:`find_config_path`, :func:`load_config`),
  in-memory configs (:func:`config_from_mapping`) and :func:`yaml_error_message`;
* ``_settings``: the keys accepted (:data:`HOST_SETTINGS`, :data:`COMMON_SETTINGS`,
  :func:`connector_settings`);
* ``_tree``: the line-aware tree of the document;
* ``_validate``: checking the tree against the settings;
* ``_interpolate``: ``${VAR}`` expansion;
* ``_context``: where errors go and how they are worded.
"""

from loftterm.matching import NAME_RULES

from ._files import config_from_mapping, find_config_path, load_config, yaml_error_message
from ._model import Config, ConnectorConfig
from ._settings import (
    BALANCE_RULES,
    COMMON_SETTINGS,
    HOST_SETTINGS,
    IMPORT_POLICIES,
    connector_settings,
)

__all__ = [
    "BALANCE_RULES",
    "COMMON_SETTINGS",
    "HOST_SETTINGS",
    "IMPORT_POLICIES",
    "NAME_RULES",
    "Config",
    "ConnectorConfig",
    "config_from_mapping",
    "connector_settings",
    "find_config_path",
    "load_config",
    "yaml_error_message",
]
