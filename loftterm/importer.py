"""Parse a CSV or YAML file of profiles for ``loftterm import``, all or nothing.

CSV files have a header row; YAML files hold a list of mappings or ``{profiles: [...]}``.  The
keys are :data:`COLUMNS`; in YAML an address may also be nested (``billing: {line1: ..}``).
Every bad row is reported with its line (CSV: the physical line, the header is line 1; YAML: the
line of the key at fault), and nothing is imported while any row is bad.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from loftterm.config import yaml_error_message
from loftterm.errors import ImportFileError
from loftterm.models import PROFILE_KINDS, Address, ContactFields, Profile
from loftterm.textfile import read_text

FIELDS = ("id", "kind", "name", "first_name", "last_name", "email", "phone", "company",
          "payable_to")
ADDRESSES = ("billing", "shipping")
ADDRESS_PARTS = ("line1", "line2", "line3", "line4", "city", "region", "postal_code", "country")
ADDRESS_COLUMNS = tuple(f"{kind}_{part}" for kind in ADDRESSES for part in ADDRESS_PARTS)
COLUMNS = FIELDS + ADDRESS_COLUMNS
"""Every column (CSV) or key (YAML) an import file may have."""

YAML_SUFFIXES = (".yaml", ".yml", ".json")
ORIGIN = "import"


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with one row: the line, the column or key, and what is wrong."""

    line: int
    field: str
    message: str
    row: int = 0  # the line the row starts on (0: same as ``line``)

    def format(self, source: str) -> str:
        """Return ``<file>:<line>: <field>: <message>``."""
        return f"{source}:{self.line}: {self.field}: {self.message}"


@dataclass
class _Row:
    """One record as flat text columns, with the line of the record and of each field."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    broken: bool = False  # not a record at all: the rules are not applied

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def flagged(self, key: str) -> bool:
        """Return True when ``key`` already has a problem (so "required" is not added)."""
        return any(p.field == key for p in self.problems)

    def problem(self, key: str, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.lines.get(key, self.line)
        self.problems.append(ImportProblem(where, key, message, self.line))


def parse_profiles(path: Path, existing_ids: Collection[str] = ()) -> list[Profile]:
    """Read the profiles of an import file; every row must be good or nothing is returned.

    :param path: a ``.csv`` file, or a ``.yaml`` / ``.yml`` / ``.json`` file (other names are
        sniffed); errors name it as given.
    :param existing_ids: ids already in the book (an id in both is an update; ``payable_to`` may
        point at them).
    :returns: the profiles in file order, with origin ``import``.
    :raises ImportFileError: ``<file>: N bad rows; nothing imported`` and one line per problem,
        ``<file>:<line>: <field>: <message>``; or one line when the file itself is unreadable,
        not UTF-8, not valid YAML, empty, or has a bad CSV header.
    """
    profiles, problems = check_profiles(path, existing_ids)
    if problems:
        raise ImportFileError(problem_report(str(path), problems))
    return profiles


def check_profiles(
    path: Path, existing_ids: Collection[str] = ()
) -> tuple[list[Profile], list[ImportProblem]]:
    """Return the profiles and every row problem, sorted by line (for a preview table).

    The profiles are only meaningful when there is no problem.  File-level failures raise
    :class:`ImportFileError` as :func:`parse_profiles` does.
    """
    source = str(path)
    text = read_text(path, ImportFileError, source)
    if not text.strip():
        raise ImportFileError(f"{source}: the file is empty; nothing imported")
    rows = _yaml_rows(text, source) if _is_yaml(path, text) else _csv_rows(text, source)
    profiles = _validate(rows, set(existing_ids))
    problems = sorted((p for row in rows for p in row.problems), key=lambda p: p.line)
    return profiles, problems


def problem_report(source: str, problems: Iterable[ImportProblem]) -> str:
    """Return the message of an import refused for ``problems``."""
    problems = list(problems)
    bad = len({p.row or p.line for p in problems})
    head = f"{source}: {bad} bad row{'' if bad == 1 else 's'}; nothing imported"
    return "\n".join([head, *(p.format(source) for p in problems)])


def _is_yaml(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return False
    if suffix in YAML_SUFFIXES:
        return True
    start = text.lstrip()
    return start[:1] in ("-", "[", "{") or start.startswith("profiles:")


# --- CSV --------------------------------------------------------------------------------------


def csv_lines(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(physical line, cells)`` for every non-blank CSV row (the header included).

    Line numbers count physical lines, so a quoted value spanning lines keeps the numbers
    people see in an editor; an unreadable file is a one-line error naming the line.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as exc:
        raise ImportFileError(f"{source}:{line}: unreadable CSV: {exc}") from None


def _csv_rows(text: str, source: str) -> list[_Row]:
    header: list[str] | None = None
    rows: list[_Row] = []
    for start, cells in csv_lines(text, source):
        if header is None:
            header = _csv_header(cells, start, source)
            continue
        rows.append(_csv_row(header, cells, start))
    return rows


def _csv_header(cells: list[str], line: int, source: str) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name:
            raise ImportFileError(f"{source}:{line}: column {number} of the header has no name")
        if name in seen:
            raise ImportFileError(f"{source}:{line}: column {name!r} appears twice")
        seen.add(name)
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        names = ", ".join(f"{name!r}{_suggest(name, COLUMNS)}" for name in unknown)
        label = "column" if len(unknown) == 1 else "columns"
        raise ImportFileError(f"{source}:{line}: unknown {label} {names}; expected: "
                              f"{', '.join(COLUMNS)}")
    if "id" not in seen:
        raise ImportFileError(f"{source}:{line}: missing column 'id'")
    if not seen & {"name", "first_name", "last_name"}:
        raise ImportFileError(f"{source}:{line}: missing column 'name' "
                              "(or 'first_name' and 'last_name')")
    return header


def _csv_row(header: list[str], cells: list[str], line: int) -> _Row:
    row = _Row(line)
    if len(cells) > len(header):
        row.problem("row", f"{len(cells)} values but the header has {len(header)} columns")
    for name, cell in zip(header, cells, strict=False):
        row.values[name] = cell.strip()
    return row


# --- YAML -------------------------------------------------------------------------------------


def _yaml_rows(text: str, source: str) -> list[_Row]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ImportFileError(yaml_error_message(source, text, exc)) from None
    except RecursionError:
        raise ImportFileError(f"{source}: the YAML is nested too deeply") from None
    if root is None:
        raise ImportFileError(f"{source}: the file is empty; nothing imported")
    reader = _YamlRecords(source)
    return [reader.record(node) for node in reader.record_nodes(root)]


class _YamlRecords:
    """Turns the composed document into rows, one per profile mapping."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.constructor = SafeConstructor()

    def record_nodes(self, root: yaml.Node) -> list[yaml.Node]:
        line = root.start_mark.line + 1
        if isinstance(root, yaml.MappingNode):
            self._flatten(root, line)
            for number, (key_node, _) in enumerate(root.value):
                key, key_line = self._scalar(key_node), key_node.start_mark.line + 1
                if key != "profiles" or number:
                    what = "repeated key" if key == "profiles" else "unknown key"
                    shown = f"{key}: " if isinstance(key, str) else ""
                    raise ImportFileError(f"{self.source}:{key_line}: {shown}{what}; expected a "
                                          "list of profiles, or 'profiles:' and the list")
            if not root.value:
                return []
            root = root.value[0][1]
            line = root.start_mark.line + 1
            if isinstance(root, yaml.ScalarNode) and self._scalar(root) is None:
                return []
        if not isinstance(root, yaml.SequenceNode):
            raise ImportFileError(f"{self.source}:{line}: expected a list of profiles, found "
                                  f"{self._kind(root)}")
        return list(root.value)

    def record(self, node: yaml.Node) -> _Row:
        row = _Row(node.start_mark.line + 1)
        if not isinstance(node, yaml.MappingNode):
            row.problem("profile", "expected a mapping of profile fields, found "
                                   f"{self._kind(node)}")
            row.broken = True
            return row
        nested: set[str] = set()
        flat: set[str] = set()
        for key, value, line in self._items(node, row, ""):
            if key in ADDRESSES:
                self._address(row, key, value, line)
                nested.add(key)
            elif key in COLUMNS:
                self._value(row, key, value, line)
                flat.add(key)
            else:
                row.problem(key, f"unknown key{_suggest(key, (*COLUMNS, *ADDRESSES))}", line)
        for kind in sorted(nested):
            if any(column.startswith(f"{kind}_") for column in flat):
                row.problem(kind, f"give the {kind} address either as {kind}: {{...}} or as "
                                  f"{kind}_* keys, not both", row.lines.get(kind))
        return row

    def _address(self, row: _Row, kind: str, node: yaml.Node, line: int) -> None:
        row.lines[kind] = line
        if isinstance(node, yaml.ScalarNode) and self._scalar(node) is None:
            return
        if not isinstance(node, yaml.MappingNode):
            row.problem(kind, f"expected a mapping of {', '.join(ADDRESS_PARTS)}, found "
                              f"{self._kind(node)}", line)
            return
        for part, value, part_line in self._items(node, row, f"{kind}."):
            if part in ADDRESS_PARTS:
                self._value(row, f"{kind}_{part}", value, part_line, label=f"{kind}.{part}")
            else:
                row.problem(f"{kind}.{part}", f"unknown key{_suggest(part, ADDRESS_PARTS)}",
                            part_line)

    def _items(self, node: yaml.MappingNode, row: _Row,
               prefix: str) -> list[tuple[str, yaml.Node, int]]:
        """Return the mapping's (key, value node, line), reporting bad and repeated keys.

        Keys merged in with ``<<`` may be overridden by explicit keys, as in PyYAML.
        """
        explicit = {id(key) for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"}
        if not self._flatten(node, row.line, row):
            return []
        items: dict[str, tuple[yaml.Node, int, bool]] = {}
        for key_node, value in node.value:
            line = key_node.start_mark.line + 1
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else key_node
            is_explicit = id(key_node) in explicit
            if not isinstance(key, str):
                row.problem(prefix.rstrip(".") or "profile",
                            f"keys must be names, found {self._kind(key_node)}", line)
            elif key in items and is_explicit and items[key][2]:
                row.problem(prefix + key, f"repeated key (first at line {items[key][1]})", line)
            else:
                items[key] = (value, line, is_explicit)
        return [(key, value, line) for key, (value, line, _) in items.items()]

    def _value(self, row: _Row, column: str, node: yaml.Node, line: int,
               label: str | None = None) -> None:
        label = label or column
        row.lines[column] = line
        value: Any = node
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self.constructor.construct_object(node, deep=True)
            except Exception as exc:  # a bad tag or tagged value (!!float x, !custom)
                problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
                row.problem(label, f"unreadable value: {problem}", line)
                return
        if value is None:
            row.values[column] = ""
        elif isinstance(value, str):
            row.values[column] = value.strip()
        else:
            hint = " (put it in quotes)" if isinstance(value, int | float | bool) else ""
            row.problem(label, f"expected text, found {self._kind(node)}{hint}", line)

    def _flatten(self, node: yaml.MappingNode, line: int, row: _Row | None = None) -> bool:
        try:
            self.constructor.flatten_mapping(node)
        except yaml.YAMLError as exc:
            problem = f"bad merge (<<): {getattr(exc, 'problem', None) or exc}"
            if row is None:
                raise ImportFileError(f"{self.source}:{line}: {problem}") from None
            row.problem("profile", problem, line)
            row.broken = True
            return False
        return True

    def _scalar(self, node: yaml.Node) -> Any:
        """Return a scalar's value; an unreadable tagged value comes back as its text."""
        if not isinstance(node, yaml.ScalarNode):
            return node
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception:  # a bad tag or tagged value: keep the text, the checks report it
            return f"{node.tag} {node.value}" if node.tag.startswith("!") else node.value

    def _kind(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self._scalar(node)
        if value is None:
            return "an empty value"
        if isinstance(value, bool):
            return f"boolean {str(value).lower()}"
        names = {int: "number", float: "number", str: "text"}
        kind = next((n for cls, n in names.items() if isinstance(value, cls)),
                    type(value).__name__)
        shown = repr(value) if isinstance(value, str) else str(value)
        return f"{kind} {shown if len(shown) <= 40 else shown[:37] + '...'}"


# --- rules ------------------------------------------------------------------------------------


def _validate(rows: list[_Row], existing_ids: set[str]) -> list[Profile]:
    """Apply the row rules (reporting on each row) and build the profiles."""
    first_line: dict[str, int] = {}
    kinds: dict[str, str] = {}
    profiles: list[Profile] = []
    for row in rows:
        if row.broken:
            continue
        profile_id = row.get("id")
        if not profile_id:
            if not row.flagged("id"):
                row.problem("id", "required")
        elif profile_id in first_line:
            first = first_line[profile_id]
            row.problem("id", f"{profile_id!r} is repeated (first at line {first})")
        else:
            first_line[profile_id] = row.line
            kinds[profile_id] = _kind_of(row)
        profiles.append(_profile(row))
    for row in rows:
        if not row.broken:
            _check_payable_to(row, kinds, existing_ids)
    return profiles


def _kind_of(row: _Row) -> str:
    return row.get("kind").lower() or "contact"


def _profile(row: _Row) -> Profile:
    kind = _kind_of(row)
    if kind not in PROFILE_KINDS:
        row.problem("kind", f"must be one of {', '.join(PROFILE_KINDS)}; found "
                            f"{row.get('kind')!r}{_suggest(kind, PROFILE_KINDS)}")
    first, last = row.get("first_name"), row.get("last_name")
    name = row.get("name") or " ".join(part for part in (first, last) if part)
    if not name and not any(row.flagged(k) for k in ("name", "first_name", "last_name")):
        row.problem("name", "required (or first_name and last_name)")
    email = row.get("email")
    if email and (email.count("@") != 1 or any(c.isspace() for c in email)
                  or email.startswith("@") or email.endswith("@")):
        row.problem("email", f"not an email address: {email!r}")
    addresses = {kind: Address(**{p: row.get(f"{kind}_{p}") for p in ADDRESS_PARTS})
                 for kind in ADDRESSES}
    fields = ContactFields(name=name, first_name=first, last_name=last, email=email,
                           phone=row.get("phone"), company=row.get("company"),
                           billing=addresses["billing"], shipping=addresses["shipping"])
    return Profile(id=row.get("id"), kind=kind, fields=fields, payable_to=row.get("payable_to"),
                   origin=ORIGIN)


def _check_payable_to(row: _Row, kinds: dict[str, str], existing_ids: set[str]) -> None:
    target = row.get("payable_to")
    if not target:
        return
    if target == row.get("id"):
        row.problem("payable_to", "a profile cannot be payable to itself")
    elif target in kinds:
        kind = kinds[target]
        if kind in PROFILE_KINDS and kind != "organization":
            row.problem("payable_to", f"{target!r} is a {kind}, not an organization")
    elif target not in existing_ids:
        row.problem("payable_to", f"no profile {target!r} in the file or the book")


def _suggest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
