"""Validation of the line-aware tree against the host's and the connectors' :class:`Setting` keys.

:func:`_build` checks the whole document and returns the :class:`Config`; each section is checked
against a nested schema built from its settings, with defaults filled in, variables expanded,
values coerced to their type and every problem reported as one ``file:line: key: problem``.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import pluggy

from loftterm.connector import Setting
from loftterm.plugins import ConnectorHooks, installed_connectors

from ._context import _Ctx, _describe, _join
from ._interpolate import _interpolate, _read_scalar, _Unset
from ._model import Config, ConnectorConfig
from ._settings import (
    _BOUNDS,
    _TOP_KEYS,
    ENABLED,
    HOST_SETTINGS,
    _common_for,
    _own_settings,
)
from ._tree import _EMPTY, _Entry, _Node

_TYPE_NAMES: dict[type, str] = {
    str: "a string", int: "an integer", float: "a number", bool: "true or false",
    list: "a list", dict: "a mapping",
}
_SECRETISH = re.compile(r"secret|token|password|passwd|credential|api_?key", re.IGNORECASE)

_Schema: TypeAlias = "dict[str, Setting | _Schema]"


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
            value = _check_value(item, ENABLED, f"{path}.enabled", ctx)
            enabled = True if value is _ABSENT else bool(value)
    section = replace(ctx, require=enabled, open_keys=own is None)
    values = _check_section(entry.line, entry.node, _schema(settings), path, section)
    values["enabled"] = enabled
    secrets = {s.key for s in settings if s.secret}
    if own is None:
        declared = {s.key.split(".")[0] for s in settings}
        secrets |= {k for k in values if k not in declared and _SECRETISH.search(k)}
    return ConnectorConfig(name, enabled, MappingProxyType(values), frozenset(secrets))


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
    problem = spec.validate(value) if spec.validate is not None else ""
    if problem:
        shown = "" if spec.secret else f"; found {value!r}"
        ctx.fail(line, path, f"{problem}{shown}")
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


def _base_type(kind: Any) -> type:
    origin = getattr(kind, "__origin__", None)
    return origin if isinstance(origin, type) else kind if isinstance(kind, type) else object


def _node_kind(node: _Node) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    return _describe(node.value)


def _unknown_key(key: str, known: Iterable[str]) -> str:
    names = sorted(known)
    return f"unknown key; expected one of: {', '.join(names)}{_suggest(key, names)}"


def _suggest(key: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
