"""A company that reaches a ledger with no company field: the remote name becomes the company.

Xero has no company name on a contact: its ``Name`` *is* the organisation (a person at a
business is ``Name`` = the business, ``FirstName``/``LastName`` = the person), and
``CompanyNumber`` is a registration number.  SortScape (seed 004) and QBO (``CompanyName``) do
keep a company, and seed 004 promises that a company change updates the Xero contact.  So for a
connector with ``ConnectorInfo.company_names``:

* Each link's baseline remembers the profile's company at the last sync (``company``).
* When the company is set or changed after that, the link's remote name follows the company
  from then on (``Link.name_source = "company"``): the next push renames the remote contact to
  the company, and a later rename in the ledger changes the profile's company, not its name.
  Clearing the company gives the remote contact the profile's name back.
* A company that did not change renames nothing: links made before this rule, and profiles
  whose company was already there when they were linked, keep their names as they are.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from loftterm.connector import ConnectorInfo
from loftterm.engine import derived
from loftterm.models import ContactFields, Link, Profile

if TYPE_CHECKING:
    from loftterm.engine.runs.runstate import RunState

COMPANY = "company"
TRACKED = "company"  # the baseline key: the profile's company at the last sync


def local_fields(link: Link, profile: Profile) -> ContactFields:
    """The profile's fields as the link's remote record should hold them."""
    fields = profile.fields
    if link.name_source == COMPANY and fields.company.strip():
        return dataclasses.replace(fields, name=fields.company)
    return fields


def remote_changes(link: Link, pulled: dict[str, Any]) -> dict[str, Any]:
    """Remote field changes as profile changes: a company-named link's name is the company."""
    if link.name_source == COMPANY and "name" in pulled:
        pulled = {**pulled}
        pulled[COMPANY] = pulled.pop("name")
    return pulled


def track(info: ConnectorInfo, baseline: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Remember the profile's company in a link's baseline (``company_names`` connectors)."""
    if info.company_names:
        baseline[TRACKED] = profile.fields.company.strip()
    return baseline


def follow_company(rs: RunState) -> None:
    """Turn the names of links whose profile's company changed since the last sync.

    Called before the field diff of a ``company_names`` connector, so the change is pushed in
    the same run.  The outcome says which contact is renamed and why.
    """
    key = ("companies", rs.name)
    if not rs.info.company_names or derived.recall(rs.book, key):
        return
    # After a walk every tracked company is the profile's: only pairs changed since can differ.
    kept = derived.kept_pairs(rs.book, key, rs.name, rs.info.roles)
    links = rs.book.links_of_connector(rs.name) if kept is None else [
        link for k, link in rs.book.links.items() if k in kept[1]] if kept[1] else []
    for link in links:
        profile = rs.book.profiles.get(link.profile_id)
        seen = link.baseline.get(TRACKED)
        if profile is None or not isinstance(seen, str):
            continue  # no company remembered yet: nothing changed that anyone could see
        company = profile.fields.company.strip()
        if company == seen:
            continue
        source = COMPANY if company else ""
        link.name_source = source
        link.baseline = {**link.baseline, TRACKED: company}
        rs.book.touch_link(link)
        record = rs.book.remote_record(rs.name, link.role, link.remote_id)
        name = local_fields(link, profile).name
        if record is not None and record.name.strip() != name.strip():
            told = (f"company {company!r}: the {rs.title()} contact {record.name!r} is renamed "
                    "to it (its name is the organisation)" if company else
                    f"company cleared: the {rs.title()} contact {record.name!r} takes the "
                    f"profile's name {name!r} again")
            rs.outcome(profile.id, "company-name", "planned", link.remote_id, told)
    derived.keep(rs.book, ("companies", rs.name), True)
