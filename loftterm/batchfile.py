"""Parse a batch file for ``loftterm batch``: the bills, credit notes and invoices to post.

YAML (``.yaml``, ``.yml``)::

    batch: 2025-05-settlements        # optional: the batch's name (default: the file's stem)
    currency: AUD                     # optional: the default currency of every document
    documents:
      - deal: D-1042                  # the deal reference
        date: 2025-05-01              # YYYY-MM-DD
        kind: bill                    # bill | credit_note | invoice
        profile: P001                 # the agent to pay, or the customer to invoice
        currency: AUD                 # optional: overrides the default
        lines:
          - {description: Commission 12 Pier St, amount: 1500.00, account: "310"}
          - {description: Marketing share, amount: -200.00, account: "310"}
      - {deal: D-1043, date: 2025-05-02, kind: invoice, profile: P011,
         description: Desk fee, amount: 250}       # one line, written on the document itself

A plain list of documents (without ``batch:``/``documents:``) is read the same way.

CSV (``.csv``): a header row, then one row per *line*; the rows that share ``deal``, ``kind``
and ``profile`` are the lines of one document (they must agree on ``date`` and ``currency``)::

    deal,date,kind,profile,currency,description,amount,account,item
    D-1042,2025-05-01,bill,P001,AUD,Commission 12 Pier St,1500.00,310,
    D-1042,2025-05-01,bill,P001,AUD,Marketing share,-200.00,310,

``amount`` is the line's total (a plain decimal, ``1,500.00`` accepted); a document's total must
be above zero (the kind gives the direction).  ``account`` is the ledger account code, ``item``
the item code; both optional.  A deal, kind and profile appear once per batch: its identity is
what makes a re-run find the document it posted.  Every value is read as text (YAML ``1500.10``
stays ``1500.10``).  Nothing is posted while any document is bad; each problem is reported as
``<file>:<line>: <field>: <message>``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from loftterm.config import yaml_error_message
from loftterm.errors import ImportFileError
from loftterm.importer import ImportProblem, csv_lines
from loftterm.textfile import read_text

KINDS = ("bill", "credit_note", "invoice")
KIND_ALIASES = {
    "credit note": "credit_note",
    "credit-note": "credit_note",
    "creditnote": "credit_note",
}
DOCUMENT_KEYS = ("deal", "date", "kind", "profile", "currency", "lines")
LINE_KEYS = ("description", "amount", "account", "item")
TOP_KEYS = ("batch", "currency", "documents")
CSV_COLUMNS = ("deal", "date", "kind", "profile", "currency", *LINE_KEYS)
CSV_REQUIRED = ("deal", "date", "kind", "profile", "amount")
_AMOUNT = re.compile(r"-?(\d+|\d{1,3}(,\d{3})+)(\.\d{1,4})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NULLS = ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True)
class BatchLine:
    """One line of a document: its total amount, description and optional codes."""

    description: str
    amount: Decimal
    account: str = ""
    item: str = ""
    line: int = 0


@dataclass(frozen=True)
class BatchDocument:
    """One document of a batch, as the file gives it."""

    line: int
    deal: str
    date: str
    kind: str
    profile_id: str
    currency: str
    lines: tuple[BatchLine, ...]

    @property
    def total(self) -> Decimal:
        """The document's total (sum of its lines)."""
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def identity(self) -> tuple[str, str, str]:
        """What identifies the document within its batch: deal, kind and profile."""
        return (self.deal, self.kind, self.profile_id)


@dataclass(frozen=True)
class BatchFile:
    """A parsed batch: its name (part of every idempotency key), source and documents."""

    name: str
    source: str
    documents: tuple[BatchDocument, ...]
    digest: str = ""

    @property
    def profile_ids(self) -> frozenset[str]:
        """Every profile a document names."""
        return frozenset(d.profile_id for d in self.documents)


@dataclass
class _Value:
    text: str
    line: int


@dataclass
class _Record:
    """A document or a line as text values with their lines, before the rules."""

    line: int
    values: dict[str, _Value] = field(default_factory=dict)
    lines: list[_Record] = field(default_factory=list)

    def get(self, key: str) -> str:
        value = self.values.get(key)
        return value.text if value else ""

    def at(self, key: str) -> int:
        value = self.values.get(key)
        return value.line if value else self.line


class _Problems:
    def __init__(self) -> None:
        self.found: list[ImportProblem] = []

    def add(self, line: int, key: str, message: str, row: int = 0) -> None:
        self.found.append(ImportProblem(line, key, message, row or line))


def parse_batch(path: Path, known_profiles: Collection[str] | None = None) -> BatchFile:
    """Read a batch file; every document must be good or :class:`ImportFileError` is raised.

    :param path: a ``.csv`` file, or YAML (``.yaml``/``.yml``; other names are sniffed).
    :param known_profiles: the book's profile ids; a document naming another id is refused.
    :raises ImportFileError: ``<file>: N bad documents; nothing posted`` and one line per problem.
    """
    source = str(path)
    text = read_text(path, ImportFileError, source)
    if not text.strip():
        raise ImportFileError(f"{source}: the file is empty; nothing posted")
    problems = _Problems()
    if _is_csv(path, text):
        name, currency, records = path.stem, "", _csv_records(text, source, problems)
    else:
        name, currency, records = _yaml_records(text, source, problems)
        name = name or path.stem
    documents = _validate(records, currency, known_profiles, problems)
    if problems.found:
        found = sorted(problems.found, key=lambda p: (p.line, p.field))
        bad = len({p.row for p in found})
        head = f"{source}: {bad} bad document{'' if bad == 1 else 's'}; nothing posted"
        raise ImportFileError("\n".join([head, *(p.format(source) for p in found)]))
    if not documents:
        raise ImportFileError(f"{source}: the batch has no documents; nothing posted")
    return BatchFile(name, source, tuple(documents), hashlib.sha256(text.encode()).hexdigest())


def _is_csv(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return True
    if suffix in (".yaml", ".yml", ".json"):
        return False
    first = text.lstrip().split("\n", 1)[0].lower()
    return first.startswith("deal,") or (first.count(",") >= 3 and ":" not in first)


# --- CSV --------------------------------------------------------------------------------------


def _csv_records(text: str, source: str, problems: _Problems) -> list[_Record]:
    header: list[str] | None = None
    groups: dict[tuple[str, str, str], _Record] = {}
    for start, cells in csv_lines(text, source):
        if header is None:
            header = _csv_header(cells, start, source)
            continue
        if len(cells) > len(header):
            problems.add(start, "row", f"{len(cells)} values but the header has {len(header)}")
        row = {
            name: _Value(cell.strip(), start) for name, cell in zip(header, cells, strict=False)
        }
        _csv_row(row, start, groups, problems)
    return list(groups.values())


def _csv_header(cells: list[str], line: int, source: str) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"{source}:{line}: unknown column {', '.join(map(repr, unknown))}; expected: "
            + ", ".join(CSV_COLUMNS)
        )
    if len(set(header)) != len(header):
        raise ImportFileError(f"{source}:{line}: a column appears twice")
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        raise ImportFileError(f"{source}:{line}: missing column {', '.join(map(repr, missing))}")
    return header


def _csv_row(
    row: dict[str, _Value],
    line: int,
    groups: dict[tuple[str, str, str], _Record],
    problems: _Problems,
) -> None:
    def text(key: str) -> str:
        return row[key].text if key in row else ""

    key = (text("deal"), _kind(text("kind")), text("profile"))
    doc = groups.get(key)
    if doc is None:
        doc = groups[key] = _Record(line, {k: v for k, v in row.items() if k in DOCUMENT_KEYS})
    else:
        for name in ("date", "currency"):
            if text(name) != doc.get(name):
                problems.add(
                    line,
                    name,
                    f"{text(name)!r} differs from the document's first line "
                    f"({doc.get(name)!r}, line {doc.line})",
                    doc.line,
                )
    doc.lines.append(_Record(line, {k: v for k, v in row.items() if k in LINE_KEYS}))


# --- YAML -------------------------------------------------------------------------------------


def _scalar(node: yaml.Node) -> str | None:
    """Return a scalar's text as written (None for a mapping or list)."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.style is None and node.value in _NULLS:
        return ""
    return str(node.value).strip()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _what(node: yaml.Node) -> str:
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"


def _yaml_records(text: str, source: str, problems: _Problems) -> tuple[str, str, list[_Record]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ImportFileError(yaml_error_message(source, text, exc)) from None
    except RecursionError:
        raise ImportFileError(f"{source}: the YAML is nested too deeply") from None
    if root is None:
        raise ImportFileError(f"{source}: the file is empty; nothing posted")
    name = currency = ""
    if isinstance(root, yaml.MappingNode):
        documents: yaml.Node | None = None
        for key_node, value in root.value:
            key = _scalar(key_node)
            if key not in TOP_KEYS:
                raise ImportFileError(
                    f"{source}:{_line(key_node)}: unknown key {key!r}; expected "
                    + ", ".join(TOP_KEYS)
                )
            if key == "documents":
                documents = value
                continue
            text_value = _scalar(value)
            if text_value is None:
                raise ImportFileError(f"{source}:{_line(value)}: {key}: expected text")
            if key == "batch":
                name = text_value
            else:
                currency = text_value.upper()
                if currency and not _CURRENCY.fullmatch(currency):
                    raise ImportFileError(
                        f"{source}:{_line(value)}: currency: expected a 3-letter code "
                        f"such as AUD, found {text_value!r}"
                    )
        if documents is None:
            raise ImportFileError(f"{source}:{_line(root)}: missing key 'documents'")
        root = documents
    if not isinstance(root, yaml.SequenceNode):
        raise ImportFileError(f"{source}:{_line(root)}: expected a list of documents")
    return name, currency, [_yaml_document(node, problems) for node in root.value]


def _yaml_mapping(
    node: yaml.Node, allowed: tuple[str, ...], what: str, problems: _Problems, row: int
) -> _Record:
    record = _Record(_line(node))
    if not isinstance(node, yaml.MappingNode):
        problems.add(_line(node), what, f"expected a mapping, found {_scalar(node)!r}", row)
        return record
    for key_node, value in node.value:
        key = _scalar(key_node) or ""
        line = _line(key_node)
        if key not in allowed:
            problems.add(line, key or what, f"unknown key; expected {', '.join(allowed)}", row)
        elif key in record.values:
            first = record.values[key].line
            problems.add(line, key, f"repeated key (first at line {first})", row)
        elif key == "lines":
            record.values[key] = _Value("", line)
            if not isinstance(value, yaml.SequenceNode):
                problems.add(line, "lines", "expected a list of lines", row)
                continue
            for item in value.value:
                record.lines.append(_yaml_mapping(item, LINE_KEYS, "line", problems, row))
        else:
            text_value = _scalar(value)
            if text_value is None:
                problems.add(line, key, f"expected text, found {_what(value)}", row)
            else:
                record.values[key] = _Value(text_value, line)
    return record


def _yaml_document(node: yaml.Node, problems: _Problems) -> _Record:
    row = _line(node)
    record = _yaml_mapping(node, (*DOCUMENT_KEYS, *LINE_KEYS), "document", problems, row)
    inline = {k: v for k, v in record.values.items() if k in LINE_KEYS}
    if inline:
        if "lines" in record.values:
            problems.add(record.at("lines"), "lines", "give either lines: or amount: here", row)
        else:
            record.lines.append(_Record(record.at("amount"), inline))
        for key in inline:
            del record.values[key]
    return record


# --- rules ------------------------------------------------------------------------------------


def _kind(text: str) -> str:
    lowered = text.strip().lower()
    return KIND_ALIASES.get(lowered, lowered)


def _amount(text: str) -> Decimal | None:
    if not _AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None


def _validate(
    records: list[_Record],
    default_currency: str,
    known: Collection[str] | None,
    problems: _Problems,
) -> list[BatchDocument]:
    documents: list[BatchDocument] = []
    first: dict[tuple[str, str, str], int] = {}
    for record in records:
        row = record.line
        for key in ("deal", "date", "kind", "profile"):
            if not record.get(key):
                problems.add(record.at(key), key, "required", row)
        kind = _kind(record.get("kind"))
        if record.get("kind") and kind not in KINDS:
            problems.add(
                record.at("kind"),
                "kind",
                f"must be one of {', '.join(KINDS)}; found {record.get('kind')!r}",
                row,
            )
        when = record.get("date")
        if when:
            try:
                date.fromisoformat(when)
                if len(when) != 10:
                    raise ValueError(when)
            except ValueError:
                problems.add(record.at("date"), "date", f"expected YYYY-MM-DD, found {when!r}", row)
        profile = record.get("profile")
        if profile and known is not None and profile not in known:
            problems.add(
                record.at("profile"), "profile", f"no profile {profile!r} in the book", row
            )
        currency = (record.get("currency") or default_currency).upper()
        if currency and not _CURRENCY.fullmatch(currency):
            problems.add(
                record.at("currency"),
                "currency",
                f"expected a 3-letter code, found {currency!r}",
                row,
            )
        identity = (record.get("deal"), kind, profile)
        if all(identity) and identity in first:
            problems.add(
                row,
                "deal",
                f"deal {identity[0]!r} already has a {kind} for {profile} (line "
                f"{first[identity]}): put every line in one document",
                row,
            )
        first.setdefault(identity, row)
        lines = _lines(record, problems)
        if not record.lines and "lines" not in record.values:
            problems.add(row, "amount", "required (or lines: with amounts)", row)
        elif not record.lines:
            problems.add(record.at("lines"), "lines", "the list is empty", row)
        elif lines and sum((line.amount for line in lines), Decimal("0")) <= 0:
            problems.add(row, "amount", "the document's total must be above zero", row)
        documents.append(
            BatchDocument(row, record.get("deal"), when, kind, profile, currency, tuple(lines))
        )
    return documents


def _lines(record: _Record, problems: _Problems) -> list[BatchLine]:
    lines: list[BatchLine] = []
    for item in record.lines:
        text = item.get("amount")
        amount = _amount(text) if text else None
        if not text:
            problems.add(item.at("amount"), "amount", "required", record.line)
        elif amount is None:
            problems.add(
                item.at("amount"),
                "amount",
                f"expected a decimal such as 1500.00, found {text!r}",
                record.line,
            )
        if amount is not None:
            lines.append(
                BatchLine(
                    item.get("description") or record.get("deal"),
                    amount,
                    item.get("account"),
                    item.get("item"),
                    item.line,
                )
            )
    return lines if len(lines) == len(record.lines) else []
