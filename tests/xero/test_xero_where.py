from __future__ import annotations

import pytest

from connectors.xero.sandbox.where import WhereError, equals_terms, order_records, parse_where

RECORD = {"Name": "Harbour Realty Ltd", "ContactNumber": "P-1", "IsCustomer": True,
          "EmailAddress": "accounts@harbourrealty.example", "Contact": {"ContactID": "abc"},
          "Note": 'say "hi"'}


@pytest.mark.parametrize(("clause", "expected"), [
    ('Name=="Harbour Realty Ltd"', True),
    ('Name=="harbour realty ltd"', True),
    ('Name=="Harbour"', False),
    ('Name!="Harbour"', True),
    ('ContactNumber=="P-1" AND IsCustomer==true', True),
    ('ContactNumber=="P-2" && IsCustomer==true', False),
    ('ContactNumber=="P-2" OR EmailAddress=="accounts@harbourrealty.example"', True),
    ('ContactNumber=="P-2" || ContactNumber=="P-3"', False),
    ('ContactNumber=="P-2" OR ContactNumber=="P-1" AND IsCustomer==false', False),
    ('ContactNumber=="P-1" OR ContactNumber=="P-2" AND IsCustomer==false', True),
    ('Name.Contains("realty")', True),
    ('Name.StartsWith("Realty")', False),
    ('Contact.ContactID=="ABC"', True),
    ('Note=="say \\"hi\\""', True),
    ('Missing==null', True),
])
def test_where(clause: str, expected: bool) -> None:
    assert parse_where(clause)(RECORD) is expected


@pytest.mark.parametrize("clause", ['Name=="x', 'Name>"x"', 'Name=="x" AND', '=="x"', "Name"])
def test_where_refuses_what_it_cannot_parse(clause: str) -> None:
    with pytest.raises(WhereError):
        parse_where(clause)


def test_equals_terms() -> None:
    assert equals_terms('ContactNumber=="A" OR ContactNumber=="b"') == {"ContactNumber": {"a", "b"}}
    assert equals_terms('ContactNumber=="A" AND Name=="b"') == {}
    assert equals_terms('Name.Contains("x")') == {}


DOC = {"InvoiceID": "0975DEC2-0cf6-498d-9c9f-c6775b45c61d", "Date": "/Date(1746057600000+0000)/",
       "DueDate": "2025-05-31T00:00:00", "Total": 1500.0, "Name": "Harbour Realty Ltd"}


@pytest.mark.parametrize(("clause", "expected"), [
    ('InvoiceID==Guid("0975dec2-0cf6-498d-9c9f-c6775b45c61d")', True),
    ('InvoiceID==Guid("0975dec20cf6498d9c9fc6775b45c61d")', True),
    ('InvoiceID!=Guid("0975dec2-0cf6-498d-9c9f-c6775b45c61d")', False),
    ("Date==DateTime(2025,5,1)", True),
    ("Date>=DateTime(2025,05,01) && Date<DateTime(2025,5,2)", True),
    ("Date>DateTime(2025,5,1,0,0,1)", False),
    ("DueDate<=DateTime(2025,5,31)", True),
    ("Total>1000", True),
    ("Total<=1499.99", False),
    ('Name.EndsWith("ltd")', True),
    ('Name.endswith("realty")', False),
    ('Name.contains("REALTY")', True),
    ('(Total<10 OR Name.StartsWith("harb")) AND Total>=1500', True),
])
def test_where_guids_dates_comparisons(clause: str, expected: bool) -> None:
    assert parse_where(clause)(DOC) is expected


@pytest.mark.parametrize("clause", ['Name<"x"', "Date>DateTime(2025,13,1)", "Date>DateTime(2025)",
                                    'Guid("x")==Name', "(Total>1"])
def test_where_refuses_bad_guids_dates_and_text_comparisons(clause: str) -> None:
    with pytest.raises(WhereError):
        parse_where(clause)


def test_order_by_one_or_more_fields() -> None:
    rows = [{"Name": "b", "Total": 2}, {"Name": "A", "Total": 1}, {"Name": "c", "Total": 2}]
    assert [r["Name"] for r in order_records(rows, "Name")] == ["A", "b", "c"]
    assert [r["Name"] for r in order_records(rows, "Total DESC, Name DESC")] == ["c", "b", "A"]
    with pytest.raises(WhereError):
        order_records(rows, "Name SIDEWAYS")
