"""A minimal parser for Xero's ``where`` filter, enough for the sandbox.

Supported: ``Field=="text"``, ``Field!="text"``, ``Field==true``, ``Field==123``,
``Field.Contains("text")``, ``Field.StartsWith("text")``, dotted fields (``Contact.ContactID``),
joined by ``AND``/``&&`` and ``OR``/``||`` (AND binds tighter; no parentheses).  String
comparisons ignore case, as Xero's do for its optimised fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|&&|\|\||\(|\))
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<number>-?\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)


class WhereError(ValueError):
    """The clause is not something this parser understands."""


def _tokens(clause: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    text = clause.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise WhereError(f"cannot parse the where clause near {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return found


def _literal(kind: str, value: str) -> str:
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if kind == "number" or (kind == "word" and value.lower() in ("true", "false", "null")):
        return value.lower()
    raise WhereError(f"expected a value, found {value!r}")


def field_value(record: Mapping[str, Any], path: str) -> str:
    """Return a record's field (dotted path) as comparable text: lower-case, booleans as words."""
    node: Any = record
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node).strip().lower()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise WhereError("the where clause ends too early")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        found = self.take()[1]
        if found != value:
            raise WhereError(f"expected {value!r}, found {found!r}")

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek()[0] != "end":
            raise WhereError(f"unexpected {self.peek()[1]!r} in the where clause")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek()[1] in ("||", "OR", "or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.condition()]
        while self.peek()[1] in ("&&", "AND", "and"):
            self.take()
            parts.append(self.condition())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def condition(self) -> Predicate:
        kind, word = self.take()
        if kind != "word":
            raise WhereError(f"expected a field name, found {word!r}")
        head, _, method = word.rpartition(".")
        if method in ("Contains", "StartsWith") and self.peek()[1] == "(":
            self.take()
            needle = _literal(*self.take()).lower()
            self.expect(")")
            if method == "Contains":
                return lambda r: needle in field_value(r, head)
            return lambda r: field_value(r, head).startswith(needle)
        op = self.take()[1]
        if op not in ("==", "!="):
            raise WhereError(f"unsupported operator {op!r}")
        wanted = _literal(*self.take()).lower()
        if wanted == "null":
            wanted = ""
        if op == "==":
            return lambda r: field_value(r, word) == wanted
        return lambda r: field_value(r, word) != wanted


def parse_where(clause: str) -> Predicate:
    """Compile a ``where`` clause into a predicate over a record.

    :raises WhereError: when the clause uses syntax this parser does not support.
    """
    return _Parser(_tokens(clause)).parse()


def equals_terms(clause: str) -> dict[str, set[str]]:
    """Return ``{field: {values}}`` when the clause is only ``==`` tests joined by OR, else {}.

    Lets the sandbox answer ``ContactNumber=="X" OR ContactNumber=="Y"`` from an index.
    """
    try:
        tokens = _tokens(clause)
    except WhereError:
        return {}
    terms: dict[str, set[str]] = {}
    for start in range(0, len(tokens), 4):
        group = tokens[start:start + 4]
        if len(group) < 3 or group[0][0] != "word" or group[1][1] != "==" or \
                group[2][0] != "string":
            return {}
        if len(group) == 4 and group[3][1] not in ("||", "OR", "or"):
            return {}
        terms.setdefault(group[0][1], set()).add(_literal(*group[2]).lower())
    return terms
