from __future__ import annotations

import pytest

from connectors.xero.sandbox.where import WhereError, equals_terms, parse_where

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
