"""Parses and evaluates the subset of the QBO query language the sandbox answers.

``SELECT * [, Field]... | COUNT(*) FROM Entity [WHERE cond [AND cond]...] [ORDERBY field [ASC|DESC]]
[STARTPOSITION n] [MAXRESULTS n]`` where a condition is ``field op literal`` (``= != < > <= >=``),
``field IN (literal, ...)`` or ``field LIKE 'pattern%'``.  Strings are single-quoted with
backslash escapes; an unescaped apostrophe is a parse error, as in QBO (code 4000).  Fields
named after ``*`` (python-quickbooks asks ``SELECT *, Sku FROM Item``) add nothing: every field
is answered anyway, as QBO does from minor version 4 on (every request is served as 75 or later).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_RESULTS = 1000

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
    )""",
    re.VERBOSE,
)


class QueryError(Exception):
    """A query the sandbox refuses: ``code`` 4000 (parse error) or 4001 (invalid query)."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message
        self.detail = detail


def _parse_error(detail: str) -> QueryError:
    return QueryError("4000", "Error parsing query", f"QueryParserError: {detail}")


@dataclass(frozen=True)
class Token:
    """One lexical token."""

    kind: str
    text: str

    @property
    def upper(self) -> str:
        """The text upper-cased (keywords are case-insensitive)."""
        return self.text.upper()


def tokenize(text: str) -> list[Token]:
    """Split a statement into tokens, refusing anything the grammar does not know."""
    tokens: list[Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None or found.end() == pos:
            raise _parse_error(f"Encountered \"{text[pos:pos + 12]}\" at column {pos + 1}")
        kind = found.lastgroup or ""
        tokens.append(Token(kind, found.group(kind)))
        pos = found.end()
    return tokens


def unquote(literal: str) -> str:
    """Return the value of a quoted string literal (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


@dataclass(frozen=True)
class Condition:
    """One WHERE condition."""

    field: str
    op: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed statement."""

    entity: str
    count: bool = False
    conditions: tuple[Condition, ...] = ()
    order: tuple[str, bool] | None = None
    start: int = 1
    max_results: int = 100
    filter_text: str = field(default="", compare=False)
    fields: tuple[str, ...] = ()  # SELECT Id, Balance ...: only these (empty: every field)

    def mentions(self, name: str) -> bool:
        """Return True when a condition is on this field."""
        return any(c.field.lower() == name.lower() for c in self.conditions)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _parse_error("Encountered \"<EOF>\"; the statement ended too early")
        self.pos += 1
        return token

    def expect(self, *words: str) -> Token:
        token = self.take()
        if token.upper not in words:
            raise _parse_error(f"Encountered \"{token.text}\"; expected {' or '.join(words)}")
        return token

    def at(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.upper == word

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return unquote(token.text)
        if token.kind == "number":
            return Decimal(token.text)
        if token.kind == "word" and token.upper in ("TRUE", "FALSE"):
            return token.upper == "TRUE"
        raise _parse_error(f"Encountered \"{token.text}\"; expected a value")

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or "." in token.text:
            raise _parse_error(f"Encountered \"{token.text}\"; expected a number")
        return int(token.text)

    def condition(self) -> Condition:
        name = self.take()
        if name.kind != "word":
            raise _parse_error(f"Encountered \"{name.text}\"; expected a field name")
        token = self.take()
        if token.kind == "op":
            op = "!=" if token.text == "<>" else token.text
            return Condition(name.text, op, (self.literal(),))
        if token.upper == "IN":
            self.expect("(")
            values = [self.literal()]
            while self.at(","):
                self.take()
                values.append(self.literal())
            self.expect(")")
            return Condition(name.text, "IN", tuple(values))
        if token.upper == "LIKE":
            value = self.literal()
            if not isinstance(value, str):
                raise _parse_error("LIKE needs a quoted pattern")
            return Condition(name.text, "LIKE", (value,))
        raise _parse_error(f"Encountered \"{token.text}\"; expected an operator")

    def statement(self) -> ParsedQuery:
        self.expect("SELECT")
        count = False
        fields: list[str] = []
        if self.at("COUNT"):
            self.take()
            self.expect("(")
            self.expect("*")
            self.expect(")")
            count = True
        elif self.at("*"):
            self.take()
            while self.at(","):  # "SELECT *, Field": every field anyway
                self.take()
                self._field_name()
        else:
            fields.append(self._field_name())
            while self.at(","):
                self.take()
                fields.append(self._field_name())
        self.expect("FROM")
        entity = self.take()
        if entity.kind != "word":
            raise _parse_error(f"Encountered \"{entity.text}\"; expected an entity")
        filter_start = self.pos
        conditions: list[Condition] = []
        if self.at("WHERE"):
            self.take()
            conditions.append(self.condition())
            while self.at("AND"):
                self.take()
                conditions.append(self.condition())
        order: tuple[str, bool] | None = None
        if self.at("ORDERBY") or self.at("ORDER"):
            if self.take().upper == "ORDER":
                self.expect("BY")
            name = self.take().text
            descending = False
            if self.at("ASC") or self.at("DESC"):
                descending = self.take().upper == "DESC"
            order = (name, descending)
        filter_text = " ".join(t.text for t in self.tokens[filter_start:self.pos])
        start, max_results = 1, 100
        if self.at("STARTPOSITION"):
            self.take()
            start = self.integer()
        if self.at("MAXRESULTS"):
            self.take()
            max_results = self.integer()
        extra = self.peek()
        if extra is not None:
            raise _parse_error(f"Encountered \"{extra.text}\" after the end of the statement")
        if max_results > MAX_RESULTS:
            raise QueryError("4001", "Invalid query", f"QueryValidationError: value {max_results} "
                             f"is too large. Max allowed value is {MAX_RESULTS}")
        if start < 1 or max_results < 1:
            raise QueryError("4001", "Invalid query",
                             "QueryValidationError: STARTPOSITION and MAXRESULTS start at 1")
        return ParsedQuery(entity.text, count, tuple(conditions), order, start, max_results,
                           filter_text, tuple(fields))

    def _field_name(self) -> str:
        token = self.take()
        if token.kind != "word":
            raise _parse_error(f"Encountered \"{token.text}\"; expected a field name")
        return token.text


def parse(text: str) -> ParsedQuery:
    """Parse a statement or raise :class:`QueryError`."""
    return _Parser(tokenize(text)).statement()


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Return a (dotted, case-insensitive) field of a record; ``Active`` defaults to true."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        key = next((k for k in node if k.lower() == part.lower()), None)
        if key is None:
            return True if path.lower() == "active" else None
        node = node[key]
    return node


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return Decimal(text)
    except InvalidOperation:
        return text.casefold()


def _matches(condition: Condition, record: Mapping[str, Any]) -> bool:
    actual = lookup(record, condition.field)
    if actual is None:
        return False
    if condition.op == "LIKE":
        pattern = "".join(".*" if ch == "%" else re.escape(ch) for ch in condition.values[0])
        return re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    left = _comparable(actual)
    rights = [_comparable(v) for v in condition.values]
    try:
        if condition.op == "IN":
            return left in rights
        right = rights[0]
        if condition.op == "=":
            return bool(left == right)
        if condition.op == "!=":
            return bool(left != right)
        if condition.op == "<":
            return bool(left < right)
        if condition.op == ">":
            return bool(left > right)
        if condition.op == "<=":
            return bool(left <= right)
        return bool(left >= right)
    except TypeError:
        return False


def predicate(query: ParsedQuery, default_active: bool) -> Callable[[Mapping[str, Any]], bool]:
    """Return the record filter of a query; name lists hide inactive records unless asked."""
    conditions = list(query.conditions)
    if default_active and not query.mentions("Active"):
        conditions.append(Condition("Active", "=", (True,)))

    def check(record: Mapping[str, Any]) -> bool:
        return all(_matches(c, record) for c in conditions)

    return check


def sort_key(field_name: str) -> Callable[[Mapping[str, Any]], Any]:
    """Return a sort key for ORDERBY (numbers and Ids numerically, text case-insensitively)."""

    def key(record: Mapping[str, Any]) -> tuple[int, Any]:
        value = lookup(record, field_name)
        if value is None:
            return (0, "")
        text = str(value)
        if text.isdigit():
            return (1, Decimal(text))
        comparable = _comparable(value)
        if isinstance(comparable, Decimal):
            return (1, comparable)
        return (2, text.casefold())

    return key
