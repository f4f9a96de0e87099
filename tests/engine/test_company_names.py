"""Company names (Xero has no company field): the pure rules of ``engine/company_names``."""

from __future__ import annotations

from loftterm.connector import ConnectorInfo
from loftterm.engine import company_names
from loftterm.models import ContactFields, Link, Profile

XERO = ConnectorInfo("xero", "Xero", company_names=True)
QBO = ConnectorInfo("qbo", "QuickBooks Online", roles=("vendor", "customer"))


def _profile(company: str) -> Profile:
    return Profile(id="P1", kind="contact", fields=ContactFields(name="Tom Baker", company=company))


def _link(source: str = "") -> Link:
    return Link("P1", "xero", "contact", "C1", "email", 1.0, "", {}, source)


def test_a_company_named_link_shows_the_company_as_the_name() -> None:
    assert company_names.local_fields(_link("company"), _profile("Baker Gardens")).name == \
        "Baker Gardens"
    assert company_names.local_fields(_link(), _profile("Baker Gardens")).name == "Tom Baker"
    assert company_names.local_fields(_link("company"), _profile("")).name == "Tom Baker"


def test_a_remote_rename_of_a_company_named_link_is_a_company_change() -> None:
    assert company_names.remote_changes(_link("company"), {"name": "X", "email": "e"}) == \
        {"company": "X", "email": "e"}
    assert company_names.remote_changes(_link(), {"name": "X"}) == {"name": "X"}


def test_only_company_name_connectors_remember_the_company() -> None:
    assert company_names.track(XERO, {"name": "n"}, _profile(" Baker ")) == \
        {"name": "n", "company": "Baker"}
    assert company_names.track(QBO, {"name": "n"}, _profile("Baker")) == {"name": "n"}


def test_links_round_trip_their_name_source() -> None:
    link = _link("company")
    assert Link.from_dict(link.to_dict()).name_source == "company"
    assert "name_source" not in _link().to_dict()
