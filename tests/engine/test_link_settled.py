"""A link remembers what its baseline was settled from (not stored): the same objects skip."""

from __future__ import annotations

from loftterm.models import ContactFields, Link


def test_a_link_is_settled_only_from_the_very_same_objects() -> None:
    mine, theirs = ContactFields(name="Nina Fox"), ContactFields(name="Nina Fox")
    link = Link("P1", "xero", "contact", "C1", "email", 1.0, "", {"name": "Nina Fox"})
    assert not link.settled(mine, theirs, link.baseline)
    link.settled_from = (mine, theirs, link.baseline)
    assert link.settled(mine, theirs, link.baseline)
    assert not link.settled(ContactFields(name="Nina Fox"), theirs, link.baseline)  # equal: not it
    link.baseline = {"name": "Nina Fox"}
    assert not link.settled(mine, theirs, link.baseline)  # a new baseline is settled again
    assert "settled_from" not in link.to_dict()
    assert Link.from_dict(link.to_dict()) == link  # not compared either
