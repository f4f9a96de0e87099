"""Deciding a review: link the pair, or keep them apart.

The same for SortScape's 'link to existing contact' proposals and for held ledger creates and
imports (``engine/decide/holds``), whose reviews carry the record's role (QBO: vendor or customer).

Accepting links the profile to the field-service contact (method ``manual``: the user decided),
sets the chosen values on the profile, and arranges the link baselines so that the next sync of
the affected connectors pushes them to *both* sides through the ordinary push-changes phase:

* the new field-service link's baseline is the contact's current values, so every field whose
  chosen value differs is a local change and is pushed there;
* on the profile's ledger links, the reviewed fields' baselines are set to the ledger contact's
  last pulled values, so a chosen value that differs is pushed to the ledger too (the user saw
  those values and chose).  A change made in the ledger after that pull still shows up as a
  ``conflict`` warning, never overwritten.

The console then runs the sync of those connectors under the same write lock
(:meth:`loftterm.console.BookConsole.decide_proposal`).  Rejecting stores the decision
``reject|{connector}|{remote_id}|{profile_id}``: the pair is never proposed again, and the
ledger contact is created as a contact of its own on the next sync.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine.decide.reviewqueue import PROPOSAL_FIELDS
from loftterm.engine.pipeline.fieldsync import reject_key
from loftterm.errors import UsageError
from loftterm.models import Link, LinkMethod, comparable

SIDES = ("left", "right")


def open_proposal(book: Book, proposal_id: str) -> dict[str, Any]:
    """Return a proposal waiting for a decision, or a one-line error."""
    proposal = book.proposals.get(proposal_id)
    if proposal is None:
        raise UsageError(
            f"no review {proposal_id!r} in this book; `loftterm review` lists the open ones"
        )
    status = str(proposal.get("status", "open"))
    if status != "open":
        raise UsageError(f"review {proposal_id} is already {status}")
    return proposal


def chosen_values(proposal: Mapping[str, Any], take: Mapping[str, str]) -> dict[str, str]:
    """The middle column after the user's choices (``take``: field -> left or right)."""
    rows = {str(row["field"]): row for row in proposal.get("fields", [])}
    for name, side in take.items():
        if name not in rows:
            raise UsageError(
                f"review {proposal['id']} has no field {name!r} (fields: {', '.join(rows)})"
            )
        if side not in SIDES:
            raise UsageError(f"--take {name}={side}: the side must be left or right")
    out: dict[str, str] = {}
    for name, row in rows.items():
        side = take.get(name, "")
        out[name] = str(row.get(side) if side else row.get("proposed", ""))
    return out


def accept_proposal(
    book: Book,
    info: ConnectorInfo,
    ledgers: Mapping[str, ConnectorInfo],
    proposal_id: str,
    take: Mapping[str, str],
) -> tuple[dict[str, Any], list[str]]:
    """Link the pair and set the chosen values; return the proposal and the connectors to sync.

    :param info: the field-service connector the proposal belongs to.
    :param ledgers: the enabled ledger connectors' infos, by name.
    """
    proposal = open_proposal(book, proposal_id)
    profile = book.profile(str(proposal["profile_id"]))
    remote_id, role = str(proposal["remote_id"]), str(proposal.get("role") or info.roles[0])
    record = book.remote_record(info.name, role, remote_id)
    if record is None:
        raise UsageError(
            f"{info.title} contact {remote_id} is not in the last pull; sync, then review again"
        )
    holder = book.linked_profile(info.name, role, remote_id)
    if holder and holder != profile.id:
        raise UsageError(f"{info.title} contact {remote_id} is already linked to {holder}")
    own = book.link_of(profile.id, info.name, role)
    if own is not None and own.remote_id != remote_id:
        raise UsageError(
            f"{profile.id} is already linked to {info.title} contact {own.remote_id}; unlink it "
            "first"
        )
    chosen = chosen_values(proposal, take)
    changes: dict[str, Any] = {k: v for k, v in chosen.items() if k in PROPOSAL_FIELDS}
    profile.fields = dataclasses.replace(profile.fields, **changes)
    profile.updated_at = now_iso()
    book.put_profile(profile)
    there = comparable(record.fields)
    book.put_link(
        Link(
            profile.id,
            info.name,
            role,
            remote_id,
            LinkMethod.MANUAL,
            1.0,
            now_iso(),
            {k: there[k] for k in info.fields_for(role)},
        )
    )
    affected = [info.name]
    for link in list(book.links.values()):
        ledger = ledgers.get(link.connector)
        if link.profile_id != profile.id or ledger is None:
            continue
        mirrored = book.remote_record(link.connector, link.role, link.remote_id)
        if mirrored is None:
            continue
        values = comparable(mirrored.fields)
        agreed = {n: values[n] for n in PROPOSAL_FIELDS if n in ledger.fields_for(link.role)}
        link.baseline = {**link.baseline, **agreed}  # replaced, never changed in place
        book.touch_link(link)
        affected.append(link.connector)
    stamp = now_iso()
    proposal.update(status="accepted", decided=stamp, updated=stamp, values=chosen)
    book.touch_document("proposals", proposal_id)
    key = f"accept|{info.name}|{remote_id}|{profile.id}"
    book.decisions[key] = {"key": key, "at": stamp, "proposal": proposal_id, "values": chosen}
    for other in book.proposals.values():
        same_pair_side = (
            other.get("profile_id") == profile.id or other.get("remote_id") == remote_id
        )
        if (
            other is not proposal
            and other.get("connector") == info.name
            and str(other.get("role") or role) == role
            and other.get("status", "open") == "open"
            and same_pair_side
        ):
            other.update(status="withdrawn", updated=stamp)
            book.touch_document("proposals", str(other["id"]))
    return proposal, affected


def reject_proposal(book: Book, proposal_id: str) -> dict[str, Any]:
    """Remember that the pair are different contacts; the proposal is closed as rejected."""
    proposal = open_proposal(book, proposal_id)
    connector, remote_id = str(proposal["connector"]), str(proposal["remote_id"])
    profile_id = str(proposal["profile_id"])
    stamp = now_iso()
    key = reject_key(connector, remote_id, profile_id)
    book.decisions[key] = {"key": key, "at": stamp, "proposal": proposal_id}
    proposal.update(status="rejected", decided=stamp, updated=stamp)
    book.touch_document("proposals", proposal_id)
    return proposal
