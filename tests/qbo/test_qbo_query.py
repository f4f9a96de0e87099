"""The QBO query builder: rendering, escaping, paging limits (checked against the sandbox parser)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.qbo.query import ANY_ACTIVE, count, eq, in_, like, literal, quote, select
from connectors.qbo.sandbox.parser import QueryError, parse


def test_full_page_query_renders_exactly() -> None:
    text = select("Customer").where(ANY_ACTIVE).page(1, 1000).render()
    assert text == "SELECT * FROM Customer WHERE Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"


def test_apostrophe_and_backslash_are_escaped() -> None:
    assert quote("Siobhan O'Leary") == "'Siobhan O\\'Leary'"
    assert quote("a\\b") == "'a\\\\b'"
    assert eq("DisplayName", "*Siobhan O'Leary") == "DisplayName = '*Siobhan O\\'Leary'"


def test_literals_conditions_and_order() -> None:
    assert literal(True) == "true" and literal(7) == "7"
    assert in_("Id", ["1", "2"]) == "Id IN ('1', '2')"
    assert like("DisplayName", "Tho%") == "DisplayName LIKE 'Tho%'"
    text = count("Vendor").where(ANY_ACTIVE, eq("DisplayName", "x")).orderby("Id", True).render()
    assert text == ("SELECT COUNT(*) FROM Vendor WHERE Active IN (true, false) AND DisplayName = 'x' "
                    "ORDERBY Id DESC")


def test_page_limits_are_enforced() -> None:
    with pytest.raises(ValueError):
        select("Customer").page(1, 1001)
    with pytest.raises(ValueError):
        select("Customer").page(0, 10)
    with pytest.raises(ValueError):
        in_("Id", [])


def test_unescaped_apostrophe_is_a_parse_error_in_the_sandbox() -> None:
    with pytest.raises(QueryError) as caught:
        parse("SELECT * FROM Vendor WHERE DisplayName = 'Siobhan O'Leary'")
    assert caught.value.code == "4000"


def test_sandbox_refuses_more_than_1000_rows() -> None:
    with pytest.raises(QueryError) as caught:
        parse("SELECT * FROM Vendor STARTPOSITION 1 MAXRESULTS 1001")
    assert caught.value.code == "4001"


@given(st.text(min_size=1, max_size=40))
def test_any_string_round_trips_through_the_parser(value: str) -> None:
    parsed = parse(select("Vendor").where(eq("DisplayName", value), ANY_ACTIVE).page(3, 50).render())
    assert parsed.conditions[0].values == (value,)
    assert (parsed.start, parsed.max_results) == (3, 50)
