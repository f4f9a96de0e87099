"""A line-aware tree of the config: YAML nodes (or in-memory data) reduced to :class:`_Node`.

Every key keeps the line it was written on, so validation can report ``file:line``.  Merges
(``<<``) are resolved as PyYAML does, aliases stay shared, and cycles are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from ._context import _Ctx, _describe, _join

_MERGE_TAG = "tag:yaml.org,2002:merge"


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
