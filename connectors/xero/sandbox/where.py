"""A parser for Xero's ``where`` filter and ``order`` parameter, enough for the sandbox.

Supported: ``Field=="text"``, ``Field!="text"``, ``Field==true``, ``Field==123``,
``Field==null``, ``ContactID==Guid("...")``, ``Date>=DateTime(2025,5,1)`` (also with hours,
minutes and seconds), ``Total>100`` and the other comparisons (``< > <= >=``) on numbers and
dates, ``Field.Contains("text")``, ``Field.StartsWith("text")``, ``Field.EndsWith("text")``
(method names in any case, as pyxero sends them lower-case), dotted fields
(``Contact.ContactID``), parentheses, joined by ``AND``/``&&`` and ``OR``/``||`` (AND binds
tighter).  String comparisons ignore case, as Xero's do for its optimised fields; ``<`` and the
like on text are refused, as Xero refuses them.  Dates compare whether the record holds them as
``/Date(ms+0000)/`` or as ISO text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|<|>|&&|\|\||\(|\)|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<number>-?\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)
_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")
_METHODS = ("contains", "startswith", "endswith")
_COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")


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


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def _literal(kind: str, value: str) -> str:
    if kind == "string":
        return _unquote(value)
    if kind == "number" or (kind == "word" and value.lower() in ("true", "false", "null")):
        return value.lower()
    raise WhereError(f"expected a value, found {value!r}")


def raw_value(record: Mapping[str, Any], path: str) -> Any:
    """Return a record's field at a dotted path, or None."""
    node: Any = record
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def field_value(record: Mapping[str, Any], path: str) -> str:
    """Return a record's field (dotted path) as comparable text: lower-case, booleans as words."""
    node = raw_value(record, path)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node).strip().lower()


def as_datetime(value: Any) -> datetime | None:
    """Return a ``/Date(ms)/`` or ISO date(-time) value as an aware UTC datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value or "").strip()
    found = _MS_DATE.fullmatch(text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_number(value: Any) -> Decimal | None:
    """Return a numeric value as a Decimal, or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _ordered(op: str, left: Any, right: Any) -> bool:
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    return bool(left >= right)


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

    def _numbers(self) -> list[int]:
        self.expect("(")
        values = [self.take()]
        while self.peek()[1] == ",":
            self.take()
            values.append(self.take())
        self.expect(")")
        if any(kind != "number" or "." in text for kind, text in values):
            raise WhereError("DateTime(...) takes whole numbers")
        return [int(text) for _, text in values]

    def value(self) -> tuple[str, Any]:
        """Return a typed literal: text, number, bool, null, guid or date."""
        kind, text = self.take()
        if kind == "word" and text.lower() == "guid":
            self.expect("(")
            guid_kind, guid = self.take()
            self.expect(")")
            if guid_kind != "string":
                raise WhereError("Guid(...) takes a quoted id")
            return "guid", _unquote(guid).lower().replace("-", "")
        if kind == "word" and text.lower() == "datetime":
            parts = self._numbers()
            if not 3 <= len(parts) <= 6:
                raise WhereError("DateTime(...) takes a year, month and day, then optionally "
                                 "hours, minutes and seconds")
            year, month, day, *clock = parts
            hour, minute, second = (*clock, 0, 0, 0)[:3]
            try:
                return "date", datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except ValueError as exc:
                raise WhereError(f"DateTime(...) is not a date: {exc}") from exc
        if kind == "number":
            return "number", Decimal(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return "bool", text.lower()
        if kind == "word" and text.lower() == "null":
            return "null", ""
        if kind == "string":
            return "text", _unquote(text).lower()
        raise WhereError(f"expected a value, found {text!r}")

    def condition(self) -> Predicate:
        if self.peek()[1] == "(":
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        kind, word = self.take()
        if kind != "word":
            raise WhereError(f"expected a field name, found {word!r}")
        head, _, method = word.rpartition(".")
        if head and method.lower() in _METHODS and self.peek()[1] == "(":
            self.take()
            needle = _literal(*self.take()).lower()
            self.expect(")")
            name = method.lower()
            if name == "contains":
                return lambda r: needle in field_value(r, head)
            if name == "startswith":
                return lambda r: field_value(r, head).startswith(needle)
            return lambda r: field_value(r, head).endswith(needle)
        op = self.take()[1]
        if op not in _COMPARISONS:
            raise WhereError(f"unsupported operator {op!r}")
        return self._comparison(word, op, *self.value())

    def _comparison(self, word: str, op: str, kind: str, wanted: Any) -> Predicate:
        if op not in ("==", "!=") and kind not in ("number", "date"):
            raise WhereError(f"operator {op!r} compares numbers and dates, not {kind}")
        if kind == "date":
            def check_date(r: Mapping[str, Any]) -> bool:
                have = as_datetime(raw_value(r, word))
                if have is None:
                    return op == "!="
                if op in ("==", "!="):
                    return bool(have == wanted) == (op == "==")
                return _ordered(op, have, wanted)
            return check_date
        if kind == "number":
            def check_number(r: Mapping[str, Any]) -> bool:
                have = as_number(raw_value(r, word))
                if have is None:
                    return op == "!="
                if op in ("==", "!="):
                    return bool(have == wanted) == (op == "==")
                return _ordered(op, have, wanted)
            return check_number
        if kind == "guid":
            if op == "==":
                return lambda r: field_value(r, word).replace("-", "") == wanted
            return lambda r: field_value(r, word).replace("-", "") != wanted
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


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (0, "")
    if isinstance(value, bool):
        return (1, Decimal(int(value)))
    number = as_number(value)
    if number is not None and not isinstance(value, str):
        return (1, number)
    moment = as_datetime(value) if isinstance(value, str) and value.startswith(("/Date(",)) \
        else None
    if moment is not None:
        return (2, moment.timestamp())
    return (3, str(value).casefold())


def order_records(records: Sequence[Mapping[str, Any]], order: str) -> list[Any]:
    """Sort records by an ``order`` parameter: ``Name``, ``Name DESC``, ``Date ASC, Total``.

    :raises WhereError: when a key is not ``Field [ASC|DESC]``.
    """
    out = list(records)
    keys: list[tuple[str, bool]] = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", words[0]):
            raise WhereError(f"cannot order by {part.strip()!r}")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise WhereError(f"cannot order by {part.strip()!r}: use ASC or DESC")
        keys.append((words[0], direction == "DESC"))
    for field_name, descending in reversed(keys):

        def key(record: Mapping[str, Any], name: str = field_name) -> tuple[int, Any]:
            return _sort_value(raw_value(record, name))

        out.sort(key=key, reverse=descending)
    return out
