"""The batch file: YAML and CSV, exact amounts, and every bad document reported by line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from loftterm.batchfile import parse_batch
from loftterm.engine.batch.post import document_key
from loftterm.errors import ImportFileError

KNOWN = {"P001", "P011", "P013"}

YAML = """\
batch: may-settlements
currency: aud
documents:
  - deal: D-1042
    date: 2025-05-01
    kind: bill
    profile: P001
    lines:
      - {description: Commission 12 Pier St, amount: 1500.10, account: "310"}
      - {description: Marketing share, amount: -200.00}
  - {deal: D-1043, date: 2025-05-02, kind: Credit Note, profile: P011, amount: "1,250", currency: NZD}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_documents_lines_defaults_and_exact_amounts(tmp_path: Path) -> None:
    batch = parse_batch(write(tmp_path, "b.yaml", YAML), KNOWN)
    assert batch.name == "may-settlements" and len(batch.documents) == 2
    bill, credit = batch.documents
    assert (bill.line, bill.kind, bill.currency, bill.total) == (
        4,
        "bill",
        "AUD",
        Decimal("1300.10"),
    )
    assert bill.lines[0].amount == Decimal("1500.10") and bill.lines[0].account == "310"
    assert (credit.kind, credit.currency, credit.total) == ("credit_note", "NZD", Decimal("1250"))
    assert credit.lines[0].description == "D-1043"  # the deal when no description is given


def test_csv_rows_sharing_deal_kind_and_profile_are_one_document(tmp_path: Path) -> None:
    text = (
        "deal,date,kind,profile,currency,description,amount,account\n"
        "D-1,2025-05-01,bill,P001,AUD,Commission,1500.00,310\n"
        "D-2,2025-05-01,invoice,P011,AUD,Desk fee,250.00,200\n"
        "D-1,2025-05-01,bill,P001,AUD,Marketing,-100.00,310\n"
    )
    batch = parse_batch(write(tmp_path, "june.csv", text), KNOWN)
    assert batch.name == "june"
    assert [(d.deal, d.line, len(d.lines), d.total) for d in batch.documents] == [
        ("D-1", 2, 2, Decimal("1400.00")),
        ("D-2", 3, 1, Decimal("250.00")),
    ]


def test_every_bad_document_is_reported_with_its_line_and_nothing_is_posted(tmp_path: Path) -> None:
    text = """\
- {deal: D-1, date: 2025-13-01, kind: bill, profile: P001, amount: 10}
- {deal: D-2, date: 2025-05-01, kind: cheque, profile: P001, amount: 10}
- {deal: D-3, date: 2025-05-01, kind: bill, profile: NOPE, amount: 10}
- {deal: D-4, date: 2025-05-01, kind: bill, profile: P001, amount: ten}
- {deal: D-5, date: 2025-05-01, kind: bill, profile: P001, amount: -5}
- {deal: D-5, date: 2025-05-01, kind: bill, profile: P001, amount: 5, colour: red}
- {date: 2025-05-01, kind: invoice, profile: P001}
"""
    with pytest.raises(ImportFileError) as caught:
        parse_batch(write(tmp_path, "bad.yaml", text), KNOWN)
    message = caught.value.message.splitlines()
    assert message[0].endswith("bad.yaml: 7 bad documents; nothing posted")
    joined = "\n".join(message)
    for expected in (
        ":1: date: expected YYYY-MM-DD",
        ":2: kind: must be one of bill, credit_note, invoice",
        ":3: profile: no profile 'NOPE' in the book",
        ":4: amount: expected a decimal",
        ":5: amount: the document's total must be above zero",
        ":6: deal: deal 'D-5' already has a bill for P001 (line 5)",
        ":6: colour: unknown key",
        ":7: deal: required",
        ":7: amount: required",
    ):
        assert expected in joined, expected


def test_csv_lines_of_one_document_must_agree_on_date(tmp_path: Path) -> None:
    text = "deal,date,kind,profile,amount\nD-1,2025-05-01,bill,P001,1\nD-1,2025-05-02,bill,P001,2\n"
    with pytest.raises(ImportFileError, match=r":3: date: '2025-05-02' differs"):
        parse_batch(write(tmp_path, "b.csv", text), KNOWN)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("documents: [\n", "invalid YAML"),
        ("batch: x\nmonth: may\ndocuments: []\n", ":2: unknown key 'month'"),
        ("deal,date,kind,profile\n", "missing column 'amount'"),
        ("batch: x\ndocuments: []\n", "the batch has no documents"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    suffix = ".csv" if text.startswith("deal") else ".yaml"
    with pytest.raises(ImportFileError, match=message):
        parse_batch(write(tmp_path, "f" + suffix, text), KNOWN)


def test_keys_are_stable_and_depend_on_the_batch_name_and_identity_only(tmp_path: Path) -> None:
    first = parse_batch(write(tmp_path, "b.yaml", YAML), KNOWN)
    edited = YAML.replace("1500.10", "1600.00").replace("  - {deal: D-1043", "  - {deal: D-1099")
    second = parse_batch(write(tmp_path, "c.yaml", edited), KNOWN)
    keys = [document_key(first.name, d) for d in first.documents]
    again = [document_key(second.name, d) for d in second.documents]
    assert keys[0] == again[0] and keys[1] != again[1]
    assert keys[0] != document_key("another-batch", first.documents[0])
    assert all(k.startswith("lt-") and len(k) == 35 for k in keys)
