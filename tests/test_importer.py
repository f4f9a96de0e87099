"""Tests of loftterm.importer: CSV and YAML profile files, all-or-nothing, line-numbered errors."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loftterm.errors import ImportFileError
from loftterm.importer import COLUMNS, ImportProblem, check_profiles, parse_profiles
from loftterm.models import Address, Profile


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Write a file in a temp cwd and return its path as given (relative)."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str) -> Path:
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return Path(name)

    return _write


def refused(path: Path, existing: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ImportFileError) as info:
        parse_profiles(path, existing)
    return str(info.value).splitlines()


# --- happy paths ------------------------------------------------------------------------------

CSV_GOOD = """\
id,kind,name,first_name,last_name,email,phone,company,payable_to,billing_line1,billing_city,billing_country,shipping_postal_code
org-1,organization,Acme Realty,,,accounts@acme.test,+61 2 5550 1000,Acme,,1 Main St,Sydney,AU,
,,,,,,,,,,,,
ag-7,Agent,,Jane,Doe, jane@acme.test ,,Acme,org-1,,,,2000
c-3,contact,"Smith, Bob",,,,,,,"Unit 4
Level 2",,,
cust-9,,Old Customer,,,,,,org-0,,,,
"""


def test_csv_happy_path(write: Any) -> None:
    profiles = parse_profiles(write("people.csv", CSV_GOOD), existing_ids={"org-0"})
    assert [p.id for p in profiles] == ["org-1", "ag-7", "c-3", "cust-9"]
    org, agent, contact, customer = profiles
    assert org.kind == "organization"
    assert org.fields.billing == Address(line1="1 Main St", city="Sydney", country="AU")
    assert org.fields.phone == "+61 2 5550 1000"
    assert agent.kind == "agent"
    assert agent.name == "Jane Doe"
    assert (agent.fields.first_name, agent.fields.last_name) == ("Jane", "Doe")
    assert agent.email == "jane@acme.test"
    assert agent.payable_to == "org-1"
    assert agent.fields.shipping == Address(postal_code="2000")
    assert contact.name == "Smith, Bob"
    assert contact.fields.billing.line1 == "Unit 4\nLevel 2"
    assert customer.kind == "contact"  # an empty kind is a contact
    assert customer.payable_to == "org-0"  # already in the book
    assert all(p.origin == "import" for p in profiles)
    assert all(isinstance(p, Profile) for p in profiles)


YAML_GOOD = """
# a list of mappings
- id: org-1
  kind: organization
  name: Acme Realty
  billing: {line1: 1 Main St, city: Sydney, country: AU}
  shipping:
    line2: Dock 3
- id: ag-7
  kind: agent
  first_name: Jane
  last_name: Doe
  email: jane@acme.test
  payable_to: org-1
  billing_postal_code: "2000"
- id: "007"
  name: Bond
  phone:
"""


def test_yaml_happy_path_list(write: Any) -> None:
    profiles = parse_profiles(write("people.yaml", YAML_GOOD))
    org, agent, bond = profiles
    assert org.fields.billing == Address(line1="1 Main St", city="Sydney", country="AU")
    assert org.fields.shipping == Address(line2="Dock 3")
    assert agent.name == "Jane Doe"
    assert agent.payable_to == "org-1"
    assert agent.fields.billing == Address(postal_code="2000")
    assert (bond.id, bond.kind, bond.fields.phone) == ("007", "contact", "")
    assert {p.origin for p in profiles} == {"import"}


def test_yaml_happy_path_profiles_key_and_sniffing(write: Any) -> None:
    text = "profiles:\n  - {id: a, name: A}\n  - {id: b, name: B, kind: supplier}\n"
    for name in ("people.yml", "people.txt"):
        assert [p.id for p in parse_profiles(write(name, text))] == ["a", "b"]
    assert parse_profiles(write("none.yaml", "profiles:\n")) == []
    assert parse_profiles(write("empty-list.yaml", "[]\n")) == []


def test_id_already_in_the_book_is_an_update(write: Any) -> None:
    path = write("p.csv", "id,name\nknown,Known Person\n")
    assert [p.id for p in parse_profiles(path, existing_ids=["known"])] == ["known"]


def test_csv_header_only_and_crlf(write: Any, tmp_path: Path) -> None:
    assert parse_profiles(write("h.csv", "id,name\n")) == []
    (tmp_path / "crlf.csv").write_bytes(b"\xef\xbb\xbfid,name\r\na,A\r\n\r\nb,B\r\n")
    assert [p.id for p in parse_profiles(Path("crlf.csv"))] == ["a", "b"]
    (tmp_path / "crlf-bad.csv").write_bytes(b"\r\n\r\nid,name\r\na,A\r\n\r\nb,\r\n")
    assert refused(Path("crlf-bad.csv"))[1] == (
        "crlf-bad.csv:6: name: required (or first_name and last_name)")


# --- row problems -----------------------------------------------------------------------------

CSV_BAD = """\
id,kind,name,first_name,last_name,email,payable_to
a,organization,Org A,,,,
a,contact,Dup,,,,
,contact,No Id,,,,
b,manager,Bad Kind,,,,
c,contact,,,,,

d,contact,Bad Mail,,,two@@x.test,
e,contact,Spacey,,,e @x.test,
f,agent,Self,,,,f
g,agent,To Contact,,,,h
h,contact,Target,,,,
i,agent,Nowhere,,,,zz
j,agent,Too Many,,,,,extra
"""


def test_csv_every_bad_row_is_reported_with_its_line(write: Any) -> None:
    assert refused(write("bad.csv", CSV_BAD)) == [
        "bad.csv: 10 bad rows; nothing imported",
        "bad.csv:3: id: 'a' is repeated (first at line 2)",
        "bad.csv:4: id: required",
        "bad.csv:5: kind: must be one of agent, organization, contact, customer, supplier; "
        "found 'manager'",
        "bad.csv:6: name: required (or first_name and last_name)",
        "bad.csv:8: email: not an email address: 'two@@x.test'",
        "bad.csv:9: email: not an email address: 'e @x.test'",
        "bad.csv:10: payable_to: a profile cannot be payable to itself",
        "bad.csv:11: payable_to: 'h' is a contact, not an organization",
        "bad.csv:13: payable_to: no profile 'zz' in the file or the book",
        "bad.csv:14: row: 8 values but the header has 7 columns",
    ]


def test_csv_kind_suggestion_and_quoted_multiline_line_numbers(write: Any) -> None:
    text = 'id,name,kind,billing_line1\na,"Two\nLines",contact,x\nb,B,organisation,"1\n2\n3"\n' \
           'c,,contact,\n'
    assert refused(write("m.csv", text)) == [
        "m.csv: 2 bad rows; nothing imported",
        "m.csv:4: kind: must be one of agent, organization, contact, customer, supplier; found "
        "'organisation' (did you mean 'organization'?)",
        "m.csv:7: name: required (or first_name and last_name)",
    ]


YAML_BAD = """
profiles:
  - id: a
    name: A
    emial: a@x.test
  - just a string
  - id: 12
    name: yes
    kind: organization
  - id: c
    name: C
    billing: {line1: x, zip: "2000"}
    billing_city: Sydney
  - id: d
    name: D
    name: D again
    shipping: [x]
  - id: e
    first_name: E
    payable_to: c
    phone: {a: 1}
"""


def test_yaml_every_bad_row_is_reported_with_key_lines(write: Any) -> None:
    assert refused(write("bad.yaml", YAML_BAD)) == [
        "bad.yaml: 6 bad rows; nothing imported",
        "bad.yaml:4: emial: unknown key (did you mean 'email'?)",
        "bad.yaml:5: profile: expected a mapping of profile fields, found text 'just a string'",
        "bad.yaml:6: id: expected text, found number 12 (put it in quotes)",
        "bad.yaml:7: name: expected text, found boolean true (put it in quotes)",
        "bad.yaml:11: billing.zip: unknown key",
        "bad.yaml:11: billing: give the billing address either as billing: {...} or as "
        "billing_* keys, not both",
        "bad.yaml:15: name: repeated key (first at line 14)",
        "bad.yaml:16: shipping: expected a mapping of line1, line2, line3, line4, city, region, "
        "postal_code, country, found a list",
        "bad.yaml:19: payable_to: 'c' is a contact, not an organization",
        "bad.yaml:20: phone: expected text, found a mapping",
    ]


def test_yaml_merges_tags_and_broken_records(write: Any) -> None:
    text = """
        - &base {id: m, name: Merged, kind: organization}
        - <<: *base
          id: n
        - id: !!float x
          name: Tagged
        - <<: 5
        """
    assert refused(write("t.yaml", text)) == [
        "t.yaml: 2 bad rows; nothing imported",
        "t.yaml:4: id: unreadable value: could not convert string to float: 'x'",
        "t.yaml:6: profile: bad merge (<<): expected a mapping or list of mappings for merging, "
        "but found scalar",
    ]
    merged = parse_profiles(write("ok.yaml", text.split("        - id: !!float")[0]))
    assert [(p.id, p.name, p.kind) for p in merged] == [
        ("m", "Merged", "organization"), ("n", "Merged", "organization")]


def test_problems_without_raising(write: Any) -> None:
    profiles, problems = check_profiles(write("p.csv", "id,name\na,A\n,B\n"))
    assert [p.id for p in profiles] == ["a", ""]
    assert problems == [ImportProblem(3, "id", "required", 3)]


def test_nothing_is_returned_on_error(write: Any) -> None:
    path = write("p.csv", "id,name\n" + "".join(f"p{i},P{i}\n" for i in range(50)) + "p0,Again\n")
    with pytest.raises(ImportFileError, match="1 bad row; nothing imported"):
        parse_profiles(path)


# --- file problems ----------------------------------------------------------------------------

FILE_ERRORS = [
    ("empty.csv", "", "empty.csv: the file is empty; nothing imported"),
    ("blank.yaml", "\n  \n", "blank.yaml: the file is empty; nothing imported"),
    ("comments.yaml", "# nothing\n", "comments.yaml: the file is empty; nothing imported"),
    ("unknown.csv", "id,name,emial,fax\n", "unknown.csv:1: unknown columns 'emial' (did you mean "
                                           f"'email'?), 'fax'; expected: {', '.join(COLUMNS)}"),
    ("noid.csv", "name,email\nA,a@x\n", "noid.csv:1: missing column 'id'"),
    ("noname.csv", "id,email\n", "noname.csv:1: missing column 'name' (or 'first_name' and "
                                 "'last_name')"),
    ("dup.csv", "id,name,ID\n", "dup.csv:1: column 'id' appears twice"),
    ("gap.csv", "id,,name\n", "gap.csv:1: column 2 of the header has no name"),
    ("bad.yaml", "- id: a\n  name: [b\n", "bad.yaml:3:1: invalid YAML: while parsing a flow "
                                          "sequence: expected ',' or ']', but got '<stream end>'"),
    ("top.yaml", "people: []\n", "top.yaml:1: people: unknown key; expected a list of profiles, "
                                 "or 'profiles:' and the list"),
    ("scalar.yaml", "hello\n", "scalar.yaml:1: expected a list of profiles, found text 'hello'"),
    ("inner.yaml", "profiles: {id: a}\n",
     "inner.yaml:1: expected a list of profiles, found a mapping"),
    ("twice.yaml", "profiles: []\nprofiles: []\n", "twice.yaml:2: profiles: repeated key; "
                                                   "expected a list of profiles, or 'profiles:' "
                                                   "and the list"),
]


@pytest.mark.parametrize(("name", "text", "expected"), FILE_ERRORS, ids=[e[0] for e in FILE_ERRORS])
def test_file_problems_are_one_line(write: Any, name: str, text: str, expected: str) -> None:
    assert refused(write(name, text)) == [expected]


def test_encoding_and_missing_file(write: Any, tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes(b"id,name\na,Caf\xe9\n")
    assert refused(Path("latin.csv")) == [
        "latin.csv:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]
    assert refused(Path("nope.csv")) == ["nope.csv: cannot read the file: No such file or directory"]


# --- fuzzing ----------------------------------------------------------------------------------

TOKENS = [*"ab,\"\n\r -:[]{}#&*!'@", "id", "name", "kind", "email", "payable_to", "billing",
          "profiles", "organization", "\n- ", "\n  ", "<<", "\x00", "line1"]
TEXT = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, suffix=st.sampled_from([".csv", ".yaml", ".txt"]))
def test_fuzz_only_import_errors_escape(tmp_path: Path, text: str, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        profiles = parse_profiles(path, existing_ids={"a"})
    except ImportFileError as exc:
        assert str(exc).strip()
    else:
        assert all(p.id and p.name and p.origin == "import" for p in profiles)
