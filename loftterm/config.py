"""Load and validate the YAML config; every problem is one ``file:line: key: problem`` line.

The file is composed with :func:`yaml.compose` so every key keeps its line, then checked against
the host's keys (:data:`HOST_SETTINGS`, :data:`COMMON_SETTINGS`) and each connector's own keys,
which the host learns through the ``loftterm_connector_settings`` hook (never by importing a
connector).  String values may use ``${VAR}`` and ``${VAR:-default}`` (``$${`` is a literal
``${``); a variable that fills a number or a boolean is read as YAML, so ``${PAGE_SIZE:-100}`` is
an integer.  Secret values never appear in an error message or in the repr of the loaded config.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TypeAlias

import pluggy
import yaml
from yaml.constructor import SafeConstructor

from loftterm.connector import ConnectorInfo, Setting
from loftterm.errors import ConfigError
from loftterm.plugins import ConnectorHooks, installed_connectors

NAME_RULES = ("jaccard", "overlap", "containment")
BALANCE_RULES = ("principal", "organization_first")
IMPORT_POLICIES = ("all", "customers", "none")

HOST_SETTINGS: tuple[Setting, ...] = (
    Setting("book", str, "~/.local/share/loftterm/book.json",
            help="the TinyDB book; relative to the config file's folder; ~ expanded "
                 "(default: $XDG_DATA_HOME/loftterm/book.json)"),
    Setting("tokens", str, "", help="OAuth token file, mode 0600 (default: <book stem>.tokens.json "
                                    "beside the book)"),
    Setting("sync.every_minutes", int, 0, help="automatic sync in the TUI, in minutes; 0 = off"),
)
"""The top-level keys besides ``keymap`` (binding id -> key) and ``connectors``."""

COMMON_SETTINGS: tuple[Setting, ...] = (
    Setting("enabled", bool, True,
            help="sync this connector; false keeps the section but skips it"),
    Setting("match.name_threshold", float, 0.60,
            help="lowest name score (0..1, inclusive) that links a profile to a remote contact"),
    Setting("match.name_rule", str, "jaccard", choices=NAME_RULES,
            help="trigram name score: jaccard | overlap | containment (default: the connector's)"),
    Setting("balance_rule", str, "principal", choices=BALANCE_RULES,
            help="whose balance an agent paid to an organization shows: principal | "
                 "organization_first"),
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
    "sync_every_minutes": (0, None),
    "sync.every_minutes": (0, None),
}
_TOP_KEYS = ("book", "connectors", "keymap", "sync", "tokens")
_TYPE_NAMES: dict[type, str] = {
    str: "a string", int: "an integer", float: "a number", bool: "true or false",
    list: "a list", dict: "a mapping",
}
_SECRETISH = re.compile(r"secret|token|password|passwd|credential|api_?key", re.IGNORECASE)
_ENV_REF = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MERGE_TAG = "tag:yaml.org,2002:merge"

_Schema: TypeAlias = "dict[str, Setting | _Schema]"


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
        node: Any = self.settings
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

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


def find_config_path(
    explicit: str | None, *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Path:
    """Return the config file to use: ``explicit``, else ``./loftterm.yaml``, else the XDG one.

    :param explicit: a path the user gave (``--config``); it must exist.
    :param env: the environment (default ``os.environ``), for ``XDG_CONFIG_HOME``.
    :param cwd: the folder ``loftterm.yaml`` is looked for in (default: the current one).
    :raises ConfigError: naming every place looked at when none exists.
    """
    if explicit:
        given = Path(explicit).expanduser()
        if not given.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return given
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "")
    config_home = Path(xdg) if xdg and Path(xdg).is_absolute() else Path("~/.config").expanduser()
    places = [Path("loftterm.yaml") if cwd is None else cwd / "loftterm.yaml",
              config_home / "loftterm" / "config.yaml"]
    for place in places:
        if place.is_file():
            return place
    looked = ", ".join(str(place) for place in places)
    raise ConfigError(f"no config file found (looked for {looked}); copy config.example.yaml "
                      "to one of them or give its path")


def load_config(
    path: Path, pm: pluggy.PluginManager, env: Mapping[str, str] | None = None
) -> Config:
    """Read, validate and return the config file at ``path``.

    :param path: the file; errors name it as given.
    :param pm: the plugin manager, which tells the installed connectors and their settings.
    :param env: the environment for ``${VAR}`` (default ``os.environ``).
    :raises ConfigError: one line, ``<file>:<line>: <dotted.key>: <problem>``.
    """
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{source}:{line}: not valid UTF-8 "
                          f"(byte 0x{raw[exc.start]:02x})") from None
    ctx = _Ctx(source, os.environ if env is None else env)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            ctx.fail(1, "top level", "the file has no settings; expected a mapping "
                                     "(see config.example.yaml)")
        tree = _YamlTree(ctx).convert(root, "")
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_error_message(source, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{source}: the YAML is nested too deeply") from None
    return _build(tree, pm, path.absolute().parent, path, ctx)


def config_from_mapping(
    data: Mapping[str, Any],
    pm: pluggy.PluginManager,
    *,
    base_dir: Path,
    source: str = "<demo>",
    env: Mapping[str, str] | None = None,
) -> Config:
    """Validate a config built in memory (the demo) exactly like a file; errors have no line.

    :param data: the same structure the YAML file holds.
    :param pm: the plugin manager.
    :param base_dir: the folder relative ``book`` and ``tokens`` paths are relative to.
    :param source: the name errors are reported under.
    :param env: the environment for ``${VAR}`` (default ``os.environ``).
    """
    ctx = _Ctx(source, os.environ if env is None else env)
    return _build(_from_python(data, "", ctx, set()), pm, base_dir, None, ctx)


def connector_settings(pm: pluggy.PluginManager, name: str) -> tuple[Setting, ...]:
    """Return every key ``connectors.<name>`` accepts: the common ones, then the connector's.

    The common keys carry this connector's defaults (name rule, import policy, sync interval).
    """
    hooks = ConnectorHooks(pm, name)
    return _common_for(hooks.info) + (_own_settings(hooks) or ())


def yaml_error_message(source: str, text: str, exc: yaml.YAMLError) -> str:
    """Return a one-line ``<file>:<line>:<column>: invalid YAML: <problem>`` for a YAML error."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character
        what = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return f"{source}:{line}: invalid YAML: unacceptable character {what}: {exc.reason}"
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = " ".join(str(exc.problem or "syntax error").split())
        if exc.context:
            problem = f"{' '.join(str(exc.context).split())}: {problem}"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}"
        return f"{source}: invalid YAML: {problem}"
    return f"{source}: invalid YAML: {' '.join(str(exc).split())}"


# ---------------------------------------------------------------------------------------------
# A line-aware tree of the document.


@dataclass
class _Node:
    """A YAML node reduced to what validation needs: its kind, line and value."""

    kind: str  # "map", "seq" or "scalar"
    line: int | None
    value: Any = None
    items: list[_Entry] = field(default_factory=list)
    elems: list[_Node] = field(default_factory=list)


@dataclass
class _Entry:
    """One key of a mapping, with the line of the key."""

    key: str
    line: int | None
    node: _Node


_EMPTY = _Node("scalar", None)


class _Unset(Exception):
    """An environment variable without default is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class _Ctx:
    """Where errors go, the environment, and the rules of the section being checked."""

    source: str
    env: Mapping[str, str]
    require: bool = True  # required keys and env variables must be there (enabled section)
    open_keys: bool = False  # unknown keys pass through (connector without a settings hook)

    def fail(self, line: int | None, path: str, problem: str) -> NoReturn:
        where = self.source if line is None else f"{self.source}:{line}"
        raise ConfigError(f"{where}: {path}: {problem}")


class _YamlTree:
    """Turns composed YAML nodes into :class:`_Node`, resolving merges and rejecting cycles."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx
        self.constructor = SafeConstructor()
        self.done: dict[int, _Node] = {}
        self.active: set[int] = set()

    def convert(self, node: yaml.Node, path: str) -> _Node:
        line = node.start_mark.line + 1
        if id(node) in self.done:
            return self.done[id(node)]
        if id(node) in self.active:
            self.ctx.fail(line, path or "top level", "an alias refers to itself")
        self.active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            result = self._mapping(node, path, line)
        elif isinstance(node, yaml.SequenceNode):
            elems = [self.convert(n, f"{path}[{i}]") for i, n in enumerate(node.value)]
            result = _Node("seq", line, elems=elems)
        else:
            result = _Node("scalar", line, value=self._scalar(node, path, line))
        self.active.discard(id(node))
        self.done[id(node)] = result
        return result

    def _scalar(self, node: yaml.Node, path: str, line: int) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # the constructors raise many types on bad tagged values
            problem = getattr(exc, "problem", None) or exc
            self.ctx.fail(line, path or "top level", f"unreadable value: {problem}")

    def _mapping(self, node: yaml.MappingNode, path: str, line: int) -> _Node:
        explicit = {id(key) for key, _ in node.value if key.tag != _MERGE_TAG}
        try:
            self.constructor.flatten_mapping(node)
        except yaml.YAMLError as exc:
            self.ctx.fail(line, path or "top level", f"bad merge: {getattr(exc, 'problem', exc)}")
        items: list[_Entry] = []
        where: dict[str, tuple[int, bool]] = {}  # key -> (index in items, from an explicit key)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                found = "a mapping" if isinstance(key_node, yaml.MappingNode) else "a list"
                self.ctx.fail(key_line, path or "top level", f"keys must be names, found {found}")
            key = self._scalar(key_node, path, key_line)
            if not isinstance(key, str):
                self.ctx.fail(key_line, path or "top level",
                              f"keys must be names, found {_describe(key)}")
            entry = _Entry(key, key_line, self.convert(value_node, _join(path, key)))
            is_explicit = id(key_node) in explicit
            if key not in where:
                where[key] = (len(items), is_explicit)
                items.append(entry)
                continue
            index, was_explicit = where[key]
            if is_explicit and was_explicit:
                self.ctx.fail(key_line, _join(path, key),
                              f"duplicate key (first at line {items[index].line})")
            items[index] = entry  # an explicit key overrides a merged one (<<), as in PyYAML
            where[key] = (index, is_explicit or was_explicit)
        return _Node("map", line, items=items)


def _from_python(value: Any, path: str, ctx: _Ctx, active: set[int]) -> _Node:
    """Turn an in-memory config into :class:`_Node` (no lines)."""
    if isinstance(value, Mapping | list | tuple):
        if id(value) in active:
            ctx.fail(None, path or "top level", "the structure refers to itself")
        active = active | {id(value)}
    if isinstance(value, Mapping):
        items = []
        for key, child in value.items():
            if not isinstance(key, str):
                ctx.fail(None, path or "top level", f"keys must be names, found {_describe(key)}")
            items.append(_Entry(key, None, _from_python(child, _join(path, key), ctx, active)))
        return _Node("map", None, items=items)
    if isinstance(value, list | tuple):
        elems = [_from_python(v, f"{path}[{i}]", ctx, active) for i, v in enumerate(value)]
        return _Node("seq", None, elems=elems)
    if isinstance(value, Path):
        value = str(value)
    return _Node("scalar", None, value=value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ---------------------------------------------------------------------------------------------
# Validation.


def _build(root: _Node, pm: pluggy.PluginManager, base_dir: Path, path: Path | None,
           ctx: _Ctx) -> Config:
    if root.kind != "map":
        ctx.fail(root.line or 1, "top level", f"expected a mapping, found {_node_kind(root)}")
    entries = {entry.key: entry for entry in root.items}
    for entry in root.items:
        if entry.key not in _TOP_KEYS:
            ctx.fail(entry.line, entry.key, _unknown_key(entry.key, _TOP_KEYS))
    host_items = [e for e in root.items if e.key in ("book", "sync", "tokens")]
    values = _check_section(root.line, _Node("map", root.line, items=host_items),
                            _schema(HOST_SETTINGS), "", ctx)
    book = _book_path(values["book"], entries.get("book"), base_dir, ctx)
    tokens = (_resolve_path(values["tokens"], base_dir) if values["tokens"]
              else book.with_name(f"{book.stem}.tokens.json"))
    keymap: dict[str, str] = {}
    if "keymap" in entries:
        keymap_entry = entries["keymap"]
        for item in _entries(keymap_entry.node, "keymap", keymap_entry.line, ctx):
            value = _check_value(item, Setting(item.key, str), f"keymap.{item.key}", ctx)
            keymap[item.key] = "" if value is _ABSENT else value
    connectors: list[ConnectorConfig] = []
    if "connectors" in entries:
        conn_entry = entries["connectors"]
        installed = installed_connectors(pm)
        for item in _entries(conn_entry.node, "connectors", conn_entry.line, ctx):
            if item.key not in installed:
                known = ", ".join(sorted(installed)) or "none"
                ctx.fail(item.line, f"connectors.{item.key}",
                         f"unknown connector; installed: {known}{_suggest(item.key, installed)}")
            connectors.append(_check_connector(item, pm, ctx))
    return Config(path=path, book=book, tokens=tokens,
                  every_minutes=values["sync"]["every_minutes"], keymap=MappingProxyType(keymap),
                  connectors=tuple(connectors), source=ctx.source)


def _book_path(value: str, entry: _Entry | None, base_dir: Path, ctx: _Ctx) -> Path:
    if entry is None or entry.node.value is None:
        data_home = ctx.env.get("XDG_DATA_HOME", "")
        base = Path(data_home) if data_home and Path(data_home).is_absolute() else Path(
            "~/.local/share").expanduser()
        return base / "loftterm" / "book.json"
    if not value.strip():
        ctx.fail(entry.line, "book", "must not be empty")
    return _resolve_path(value, base_dir)


def _resolve_path(value: str, base_dir: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def _check_connector(entry: _Entry, pm: pluggy.PluginManager, ctx: _Ctx) -> ConnectorConfig:
    name, path = entry.key, f"connectors.{entry.key}"
    hooks = ConnectorHooks(pm, name)
    own = _own_settings(hooks)
    settings = _common_for(hooks.info) + (own or ())
    enabled = True
    for item in _entries(entry.node, path, entry.line, ctx):
        if item.key == "enabled":
            value = _check_value(item, COMMON_SETTINGS[0], f"{path}.enabled", ctx)
            enabled = True if value is _ABSENT else bool(value)
    section = replace(ctx, require=enabled, open_keys=own is None)
    values = _check_section(entry.line, entry.node, _schema(settings), path, section)
    values["enabled"] = enabled
    secrets = {s.key for s in settings if s.secret}
    if own is None:
        declared = {s.key.split(".")[0] for s in settings}
        secrets |= {k for k in values if k not in declared and _SECRETISH.search(k)}
    return ConnectorConfig(name, enabled, MappingProxyType(values), frozenset(secrets))


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


def _schema(settings: Iterable[Setting]) -> _Schema:
    root: _Schema = {}
    for setting in settings:
        *parents, last = setting.key.split(".")
        node = root
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = setting
    return root


def _entries(node: _Node, path: str, line: int | None, ctx: _Ctx) -> list[_Entry]:
    if node.kind == "scalar" and node.value is None:
        return []
    if node.kind != "map":
        ctx.fail(line, path, f"expected a mapping, found {_node_kind(node)}")
    return node.items


def _check_section(line: int | None, node: _Node, schema: _Schema, path: str,
                   ctx: _Ctx) -> dict[str, Any]:
    """Check one mapping against its schema; return it with defaults filled in."""
    out: dict[str, Any] = {}
    for entry in _entries(node, path, line, ctx):
        key_path = _join(path, entry.key)
        spec = schema.get(entry.key)
        if spec is None:
            if not ctx.open_keys:
                ctx.fail(entry.line, key_path, _unknown_key(entry.key, schema))
            secretish = bool(_SECRETISH.search(entry.key))
            try:
                out[entry.key] = _plain(entry.node, key_path, ctx, secretish)
            except _Unset:
                pass
        elif isinstance(spec, dict):
            out[entry.key] = _check_section(entry.line, entry.node, spec, key_path,
                                            replace(ctx, open_keys=False))
        else:
            value = _check_value(entry, spec, key_path, ctx)
            if value is not _ABSENT:
                out[entry.key] = value
    for key, spec in schema.items():
        if key in out:
            continue
        if isinstance(spec, dict):
            out[key] = _check_section(line, _EMPTY, spec, _join(path, key), ctx)
        elif spec.required and ctx.require:
            ctx.fail(line, _join(path, key), "required key is missing")
        else:
            out[key] = copy.deepcopy(spec.default)
    return out


class _Absent:
    """Marks a value that is not there (empty, or an unset variable in a disabled section)."""


_ABSENT: Any = _Absent()


def _check_value(entry: _Entry, spec: Setting, path: str, ctx: _Ctx) -> Any:
    """Return the entry's value checked against ``spec``, or ``_ABSENT`` to use the default."""
    node, line, kind = entry.node, entry.line, _base_type(spec.type)
    if node.kind != "scalar":
        found = dict if node.kind == "map" else list
        if kind is not found:
            ctx.fail(line, path, f"expected {_TYPE_NAMES.get(kind, kind.__name__)}, "
                                 f"found {_node_kind(node)}")
        try:
            return _plain(node, path, ctx, spec.secret)
        except _Unset:
            return _ABSENT
    value = node.value
    if isinstance(value, str):
        try:
            value, substituted = _interpolate(value, ctx, line, path, spec.secret)
        except _Unset:
            return _ABSENT
        if substituted and kind is not str:
            value = _read_scalar(value)
    if value is None:
        if spec.required and ctx.require:
            ctx.fail(line, path, "required key has no value")
        return _ABSENT
    value = _coerce(value, kind, line, path, ctx, spec.secret)
    if spec.choices and value not in spec.choices:
        shown = "" if spec.secret else f"; found {value!r}"
        ctx.fail(line, path, f"must be one of {', '.join(map(str, spec.choices))}{shown}")
    bounds = _BOUNDS.get(spec.key)
    if bounds is not None and isinstance(value, int | float):
        low, high = bounds
        if value < low or (high is not None and value > high):
            rule = f"between {low:g} and {high:g}" if high is not None else f"{low:g} or more"
            ctx.fail(line, path, f"must be {rule}; found {value}")
    return value


def _coerce(value: Any, kind: type, line: int | None, path: str, ctx: _Ctx, secret: bool) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    hint = " (put it in quotes)" if kind is str and isinstance(value, int | float | bool) else ""
    expected = _TYPE_NAMES.get(kind, kind.__name__)
    ctx.fail(line, path, f"expected {expected}, found {_describe(value, secret)}{hint}")


def _plain(node: _Node, path: str, ctx: _Ctx, secret: bool,
           memo: dict[int, Any] | None = None) -> Any:
    """Return a node as plain Python data with variables expanded in its strings.

    Aliased nodes become shared objects (as ``yaml.safe_load`` does), so an alias bomb stays small.
    """
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    value: Any = node.value
    if node.kind == "map":
        value = {e.key: _plain(e.node, _join(path, e.key), ctx, secret, memo) for e in node.items}
    elif node.kind == "seq":
        value = [_plain(e, f"{path}[{i}]", ctx, secret, memo) for i, e in enumerate(node.elems)]
    elif isinstance(value, str):
        value = _interpolate(value, ctx, node.line, path, secret)[0]
    memo[id(node)] = value
    return value


def _interpolate(text: str, ctx: _Ctx, line: int | None, path: str,
                 secret: bool) -> tuple[str, bool]:
    """Expand ``${VAR}`` and ``${VAR:-default}``; return the text and whether anything was.

    :raises _Unset: for a variable without default in a disabled section (elsewhere: fails).
    """
    if "${" not in text:
        return text, False
    parts: list[str] = []
    position, substituted = 0, False
    for match in _ENV_REF.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        if match.group(0) == "$${":
            parts.append("${")
            continue
        inner = match.group(1)
        name, has_default, default = (inner or "").partition(":-")
        if inner is None or not _ENV_NAME.match(name):
            shown = "" if secret else f" {match.group(0)!r}"
            ctx.fail(line, path, f"bad environment reference{shown}; write ${{NAME}} or "
                                 "${NAME:-default}")
        value = ctx.env.get(name)
        if has_default and not value:
            value = default
        if value is None:
            if not ctx.require:
                raise _Unset(name)
            ctx.fail(line, path, f"environment variable {name} is not set")
        parts.append(value)
        substituted = True
    parts.append(text[position:])
    return "".join(parts), substituted


def _read_scalar(text: str) -> Any:
    """Read an expanded variable as a YAML scalar (``100`` -> 100, ``true`` -> True)."""
    try:
        value = yaml.safe_load(text)
    except Exception:  # anything unreadable stays text and fails the type check
        return text
    return text if isinstance(value, dict | list) else value


def _base_type(kind: Any) -> type:
    origin = getattr(kind, "__origin__", None)
    return origin if isinstance(origin, type) else kind if isinstance(kind, type) else object


def _node_kind(node: _Node) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    return _describe(node.value)


def _describe(value: Any, secret: bool = False) -> str:
    """Describe a value for an error message; a secret's value is never shown."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean" if secret else f"boolean {str(value).lower()}"
    kinds = {int: "integer", float: "number", str: "string"}
    kind = next((name for cls, name in kinds.items() if isinstance(value, cls)),
                type(value).__name__)
    if secret:
        return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{kind} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _unknown_key(key: str, known: Iterable[str]) -> str:
    names = sorted(known)
    return f"unknown key; expected one of: {', '.join(names)}{_suggest(key, names)}"


def _suggest(key: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
