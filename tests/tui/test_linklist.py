"""The Links list's index and filters, without an app: facets, lazy search keys, replacements."""

from __future__ import annotations

from dataclasses import replace

from loftterm.models import LinkState
from loftterm.tui.widgets.linklist import LinkList
from loftterm.views import LinkRow


def _rows() -> list[LinkRow]:
    return [
        LinkRow("P1", "Ava Smith", "agent", "xero", "contact", LinkState.LINKED,
                remote_id="X1", remote_name="Ava Smith"),
        LinkRow("P2", "Ben Jones", "agent", "xero", "contact", LinkState.MISSING,
                remote_id="X2", remote_name="Ben Jones"),
        LinkRow("P3", "Cleo Smithers", "organization", "qbo", "vendor", LinkState.BLANK),
        LinkRow("P4", "Dan Brown", "customer", "qbo", "customer", LinkState.MISSING),
    ]


def _names(linklist: LinkList) -> list[str]:
    return [r.name for r in linklist.visible_rows]


def test_text_and_facets_combine() -> None:
    linklist = LinkList(_rows())
    assert linklist.filter("smith") == 2
    assert _names(linklist) == ["Ava Smith", "Cleo Smithers"]
    assert linklist.filter("smith", connector="qbo") == 1
    assert linklist.filter("", state="missing") == 2
    assert _names(linklist) == ["Ben Jones", "Dan Brown"]
    assert linklist.filter("", state="missing", connector="xero") == 1
    assert linklist.filter("nobody") == 0


def test_a_text_filter_before_the_background_keys_builds_them() -> None:
    linklist = LinkList()
    index = linklist.build_index(_rows(), keys=False)
    assert index.keys is None
    linklist.set_index(index)
    assert linklist.match_count == 4
    assert linklist.filter("jones") == 1
    # The background keys arrive late: the list already has keys and keeps them.
    assert not linklist.set_keys(index.rows, linklist.build_keys(index.rows))


def test_background_keys_for_an_older_load_are_dropped() -> None:
    linklist = LinkList()
    old = linklist.build_index(_rows(), keys=False)
    linklist.set_index(old)
    newer = linklist.build_index(_rows()[:2], keys=False)
    linklist.set_index(newer)
    assert not linklist.set_keys(old.rows, linklist.build_keys(old.rows))
    assert linklist.set_keys(newer.rows, linklist.build_keys(newer.rows))
    assert linklist.filter("ben") == 1


def test_a_row_replaced_while_keys_are_built_is_searchable_by_its_new_values() -> None:
    linklist = LinkList()
    index = linklist.build_index(_rows(), keys=False)
    linklist.set_index(index)
    keys = linklist.build_keys(index.rows)  # built from the old rows, as the worker would
    relinked = replace(index.rows[1], state=LinkState.LINKED, remote_name="Benjamin Jones Ltd")
    assert linklist.replace_where(lambda r: r.profile_id == "P2", relinked)
    assert linklist.set_keys(index.rows, keys)
    assert linklist.filter("benjamin") == 1
    assert linklist.filter("", state="linked") == 2


def test_a_growing_filter_narrows_and_a_shorter_one_widens() -> None:
    linklist = LinkList(_rows())
    assert linklist.filter("s") == 3
    assert linklist.filter("sm") == 2
    assert linklist.filter("smithe") == 1
    assert linklist.filter("s") == 3
