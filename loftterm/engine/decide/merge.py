"""Merging two local profiles -- and unmerging them (the product's own merges cannot be reversed).

``merge SURVIVOR OTHER`` moves everything that belongs to ``OTHER`` to ``SURVIVOR``:

* its links (method, score and baseline kept), and so its balances (recomputed from the links
  for the enabled ledgers; copied for the others when the survivor has none);
* its warnings, reviews (proposals), remembered decisions and the sync-history rows naming it;
* profiles paid to it (``payable_to``) are paid to the survivor;
* the survivor's fields win; its empty ones are filled from the other's (and ``payable_to``);
* the other is archived, with ``extra["merged_into"]`` naming the survivor.

Two links of the same connector and role to *different* records are a conflict: the merge is
refused with one line naming both links (unlink one first).  The merge is recorded in
``book.decisions`` under ``merge|OTHER`` with the before-state and what moved, and ``unmerge
OTHER`` reverses it: what still sits where the merge put it goes back; what a later sync or a
person changed since is left alone and reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine.decide import decisions
from loftterm.engine.pipeline.balances import apply_balances
from loftterm.errors import UsageError
from loftterm.matching import normalise
from loftterm.models import SYNCED_FIELDS, Address, Link, Profile, Warning

PAIR_KINDS = ("reject", "accept", "manual", "unlink")


@dataclass
class MergeReport:
    """What a merge (or unmerge) moved, for the CLI and ``--json``."""

    survivor_id: str
    survivor_name: str
    other_id: str
    other_name: str
    links: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    warnings: int = 0
    proposals: int = 0
    decisions: int = 0
    history: int = 0
    payees: list[str] = field(default_factory=list)
    balances: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    undone: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the report as one JSON object."""
        return dataclasses.asdict(self)

    def lines(self) -> list[str]:
        """The report in words."""
        verb = "unmerged" if self.undone else ("would merge" if self.dry_run else "merged")
        head = (
            f"{verb} {self.other_id} {self.other_name} "
            + ("from" if self.undone else "into")
            + f" {self.survivor_id} {self.survivor_name}"
        )
        out = [head]
        if self.links:
            out.append("  links: " + ", ".join(self.links))
        if self.filled:
            done = "emptied again" if self.undone else "filled from the other"
            out.append(f"  fields {done}: " + ", ".join(self.filled))
        counts = [
            f"{n} {what}"
            for n, what in (
                (self.warnings, "warnings"),
                (self.proposals, "reviews"),
                (self.decisions, "decisions"),
                (self.history, "history rows"),
            )
            if n
        ]
        if counts:
            out.append("  moved: " + ", ".join(counts))
        if self.payees:
            out.append("  paid to the survivor now: " + ", ".join(self.payees))
        if self.balances:
            out.append("  balances recomputed: " + ", ".join(self.balances))
        out.extend(f"  note: {note}" for note in self.notes)
        if not self.undone and not self.dry_run:
            out.append(f"  undo: loftterm unmerge {self.other_id}")
        return out


def _empty(value: Any) -> bool:
    if isinstance(value, Address):
        return value.is_empty()
    return not str(value).strip()


def _plain(value: Any) -> Any:
    return value.to_dict() if isinstance(value, Address) else value


def _title(infos: Mapping[str, ConnectorInfo], connector: str) -> str:
    info = infos.get(connector)
    return info.title if info else connector


def check_merge(
    book: Book, survivor_id: str, other_id: str, infos: Mapping[str, ConnectorInfo]
) -> tuple[Profile, Profile]:
    """Return both profiles, or refuse the merge with one line saying why."""
    if survivor_id == other_id:
        raise UsageError(f"cannot merge {survivor_id} into itself")
    survivor, other = book.profile(survivor_id), book.profile(other_id)
    for profile in (survivor, other):
        into = str(profile.extra.get("merged_into") or "")
        if profile.archived:
            raise UsageError(
                f"{profile.id} {profile.name} is archived"
                + (f" (merged into {into})" if into else "")
                + "; merge active profiles only"
            )
    if survivor.payable_to == other.id:
        raise UsageError(
            f"{survivor.id} {survivor.name} is paid to {other.id} {other.name}; clear its "
            "payable_to first or merge the other way round"
        )
    conflicts = []
    for (pid, connector, role), link in book.links.items():
        if pid != other.id:
            continue
        own = book.link_of(survivor.id, connector, role)
        if own is not None and own.remote_id != link.remote_id:
            flag = f" --role {role}" if infos.get(connector, None) and len(
                infos[connector].roles
            ) > 1 else ""
            conflicts.append(
                f"both are linked in {_title(infos, connector)} {role}: {survivor.id} to "
                f"{own.remote_id}, {other.id} to {link.remote_id}; unlink one first (loftterm "
                f"unlink {other.id} --connector {connector}{flag})"
            )
    if conflicts:
        raise UsageError(f"cannot merge {other.id} into {survivor.id}: " + "; ".join(conflicts))
    return survivor, other


def _rebalance(
    book: Book, infos: Mapping[str, ConnectorInfo], rules: Mapping[str, str]
) -> None:
    for name, info in infos.items():
        if info.kind == "ledger":
            apply_balances(book, info, rules.get(name) or "principal")


def merge_profiles(
    book: Book,
    survivor_id: str,
    other_id: str,
    infos: Mapping[str, ConnectorInfo],
    rules: Mapping[str, str] | None = None,
) -> MergeReport:
    """Merge ``other`` into ``survivor`` in the book (see the module doc); return the report.

    :param infos: the enabled connectors' infos, by name (titles, roles; ledgers rebalance).
    :param rules: each ledger's ``balance_rule``.
    """
    survivor, other = check_merge(book, survivor_id, other_id, infos)
    report = MergeReport(survivor.id, survivor.name, other.id, other.name)
    stamp = now_iso()
    record: dict[str, Any] = {
        "survivor": survivor.id,
        "other_name": other.name,
        "before": {"survivor": survivor.to_dict(), "other": other.to_dict()},
    }

    links = []
    for key, link in list(book.links.items()):
        if key[0] != other.id:
            continue
        links.append(link.to_dict())
        book.drop_link(*key)
        if book.link_of(survivor.id, link.connector, link.role) is None:
            book.put_link(dataclasses.replace(link, profile_id=survivor.id))
        report.links.append(f"{link.connector} {link.role} {link.remote_id}")
    record["links"] = links

    filled: dict[str, Any] = {}
    for name in SYNCED_FIELDS:
        mine, theirs = survivor.fields.get(name), other.fields.get(name)
        if _empty(mine) and not _empty(theirs):
            filled[name] = theirs
    survivor.fields = dataclasses.replace(survivor.fields, **filled)
    record["filled"] = {name: _plain(value) for name, value in filled.items()}
    report.filled = list(filled)
    if not survivor.payable_to and other.payable_to and other.payable_to != survivor.id:
        survivor.payable_to = record["filled_payable_to"] = other.payable_to
        report.filled.append("payable_to")

    payees = [p.id for p in book.profiles.values() if p.payable_to == other.id]
    for pid in payees:
        book.profiles[pid].payable_to = survivor.id
        book.touch_profile(book.profiles[pid])
    record["payees"] = report.payees = payees

    moved_warnings = []
    for wkey, warning in list(book.warnings.items()):
        if warning.profile_id != other.id:
            continue
        original = warning.to_dict()
        del book.warnings[wkey]
        moved = Warning.from_dict({**original, "profile_id": survivor.id})
        collided = moved.key in book.warnings
        if not collided:
            book.warnings[moved.key] = moved
        moved_warnings.append({"to": moved.key, "collided": collided, "original": original})
    record["warnings"] = moved_warnings
    report.warnings = len(moved_warnings)

    moved_proposals = []
    for pid, proposal in list(book.proposals.items()):
        if proposal.get("profile_id") != other.id:
            continue
        connector, remote_id = str(proposal.get("connector")), str(proposal.get("remote_id"))
        new_id = (
            f"{connector}:{survivor.id}:{remote_id}"
            if pid == f"{connector}:{other.id}:{remote_id}"
            else pid
        )
        del book.proposals[pid]
        collided = new_id in book.proposals
        if not collided:
            book.proposals[new_id] = {**proposal, "id": new_id, "profile_id": survivor.id}
        moved_proposals.append({"to": new_id, "collided": collided, "original": dict(proposal)})
    record["proposals"] = moved_proposals
    report.proposals = len(moved_proposals)

    moved_decisions = []
    linked_to = {
        (link.connector, link.remote_id)
        for (pid, _c, _r), link in book.links.items()
        if pid == survivor.id
    }
    for dkey, doc in list(book.decisions.items()):
        kind, connector, pid, remote_id = decisions.parse_key(dkey)
        if pid != other.id or kind not in PAIR_KINDS:
            continue
        del book.decisions[dkey]
        new = decisions.pair_key(kind, connector, survivor.id, remote_id)
        contradicts = kind in decisions.EXCLUDING and (connector, remote_id) in linked_to
        collided = contradicts or new in book.decisions
        if not collided:
            book.decisions[new] = {**doc, "key": new}
        moved_decisions.append({"to": "" if contradicts else new, "collided": collided,
                                "original": dict(doc)})
    record["decisions"] = moved_decisions
    report.decisions = len(moved_decisions)

    history = []
    for run in book.runs:
        for number, outcome in enumerate(run.get("outcomes") or []):
            if isinstance(outcome, dict) and outcome.get("profile_id") == other.id:
                outcome["profile_id"] = survivor.id
                history.append([str(run.get("id", "")), number])
    record["history"] = history
    report.history = len(history)

    report.balances = sorted(other.balances)
    for connector, balance in other.balances.items():
        if connector not in infos and connector not in survivor.balances:
            survivor.balances[connector] = dict(balance)
    other.balances = {}
    other.archived = True
    other.extra = {**other.extra, "merged_into": survivor.id, "merged_at": stamp}
    survivor.updated_at = other.updated_at = stamp
    book.put_profile(survivor)
    book.put_profile(other)
    _rebalance(book, infos, rules or {})
    decisions.remember(book, decisions.merge_key(other.id), **record)
    return report


def unmerge(
    book: Book,
    other_id: str,
    infos: Mapping[str, ConnectorInfo],
    rules: Mapping[str, str] | None = None,
) -> MergeReport:
    """Reverse a merge recorded under ``merge|OTHER``; return what went back (and what did not)."""
    key = decisions.merge_key(other_id)
    record = book.decisions.get(key)
    if record is None:
        raise UsageError(
            f"{other_id} was not merged into another profile in this book (no {key} record; "
            "`loftterm decisions` lists merges)"
        )
    survivor = book.profile(str(record["survivor"]))
    if survivor.archived:
        raise UsageError(
            f"{survivor.id} was itself merged into {survivor.extra.get('merged_into', '?')} "
            f"since; unmerge {survivor.id} first"
        )
    before = record["before"]
    other = Profile.from_dict(before["other"])
    report = MergeReport(survivor.id, survivor.name, other.id, other.name, undone=True)

    for doc in record.get("links", []):
        link = Link.from_dict(doc)
        held = book.link_of(survivor.id, link.connector, link.role)
        where = f"{link.connector} {link.role} {link.remote_id}"
        if held is None or held.remote_id != link.remote_id:
            report.notes.append(f"{where} is no longer linked to {survivor.id}: not moved back")
            continue
        holder = book.link_of(other.id, link.connector, link.role)
        if holder is not None:
            report.notes.append(f"{other.id} has a {link.connector} {link.role} link again: "
                                f"{where} stays with {survivor.id}")
            continue
        book.drop_link(survivor.id, link.connector, link.role)
        book.put_link(dataclasses.replace(held, profile_id=other.id))
        report.links.append(where)

    was = Profile.from_dict(before["survivor"])
    changes: dict[str, Any] = {}
    for name, value in (record.get("filled") or {}).items():
        now = _plain(survivor.fields.get(name))
        if now == value:
            changes[name] = was.fields.get(name)
            report.filled.append(name)
        else:
            report.notes.append(f"{survivor.id}'s {name} changed since the merge: kept")
    survivor.fields = dataclasses.replace(survivor.fields, **changes)
    filled_payee = str(record.get("filled_payable_to") or "")
    if filled_payee and survivor.payable_to == filled_payee:
        survivor.payable_to = was.payable_to
        report.filled.append("payable_to")

    for pid in record.get("payees", []):
        payee = book.profiles.get(pid)
        if payee is not None and payee.payable_to == survivor.id:
            payee.payable_to = other.id
            book.touch_profile(payee)
            report.payees.append(pid)

    for moved in record.get("warnings", []):
        if not moved["collided"]:
            book.warnings.pop(moved["to"], None)
        restored = Warning.from_dict(moved["original"])
        book.warnings[restored.key] = restored
        report.warnings += 1

    for moved in record.get("proposals", []):
        current = book.proposals.get(moved["to"])
        original = dict(moved["original"])
        if not moved["collided"] and current is not None:
            del book.proposals[moved["to"]]
            original.update({k: v for k, v in current.items() if k not in ("id", "profile_id")})
        book.proposals[str(original["id"])] = original
        report.proposals += 1

    for moved in record.get("decisions", []):
        if not moved["collided"] and moved["to"]:
            book.decisions.pop(moved["to"], None)
        original = dict(moved["original"])
        book.decisions[str(original["key"])] = original
        report.decisions += 1

    runs = {str(run.get("id", "")): run for run in book.runs}
    for run_id, number in record.get("history", []):
        outcomes = runs.get(run_id, {}).get("outcomes") or []
        if number < len(outcomes) and outcomes[number].get("profile_id") == survivor.id:
            outcomes[number]["profile_id"] = other.id
            report.history += 1

    other.archived = False
    other.extra.pop("merged_into", None)
    other.extra.pop("merged_at", None)
    other.updated_at = survivor.updated_at = now_iso()
    book.put_profile(other)
    book.put_profile(survivor)
    _rebalance(book, infos, rules or {})
    report.balances = sorted(other.balances)
    del book.decisions[key]
    return report


# ----------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class MergeCandidate:
    """A local profile that may be the same person or business as another, and why.

    ``keep`` is True when this candidate should survive the merge rather than the profile it
    duplicates: it holds more links (the copy entered by hand usually holds none), or as many
    and more filled-in fields.
    """

    profile_id: str
    name: str
    kind: str
    reasons: tuple[str, ...]
    keep: bool = False


def merge_candidates(
    book: Book, profile_id: str, infos: Mapping[str, ConnectorInfo]
) -> list[MergeCandidate]:
    """Active profiles that may duplicate ``profile_id``, strongest evidence first.

    Evidence, strongest first: a link to a remote record one of the profile's open warnings
    names (a remote merge or a duplicate pointed there), the same email, the same name.
    """
    profile = book.profile(profile_id)
    reasons: dict[str, list[str]] = {}
    weight: dict[str, int] = {}

    def add(other_id: str, why: str, strength: int) -> None:
        other = book.profiles.get(other_id)
        if other_id == profile_id or other is None or other.archived:
            return
        said = reasons.setdefault(other_id, [])
        if why not in said:
            said.append(why)
            weight[other_id] = weight.get(other_id, 0) + strength

    named = {
        (w.connector, rid)
        for w in book.warnings.values()
        if w.profile_id == profile_id and not w.resolved
        for rid in w.remote_ids
    }
    if named:
        for connector, remote_id in sorted(named):
            for link in book.links_of_connector(connector):
                if link.remote_id == remote_id:
                    add(link.profile_id, f"linked to the {_title(infos, connector)} record "
                        f"{remote_id} that a warning of {profile.name} names", 3)
    if profile.email:
        for other_id in sorted(book.profiles_with_email(profile.email)):
            add(other_id, f"same email {profile.email}", 2)
    wanted = normalise(profile.name)
    if wanted:
        for other in book.profiles.values():
            if normalise(other.name) == wanted:
                add(other.id, f"same name {profile.name}", 1)
    links: dict[str, int] = {}
    for link in book.links.values():
        if link.profile_id == profile_id or link.profile_id in reasons:
            links[link.profile_id] = links.get(link.profile_id, 0) + 1

    def substance(pid: str) -> tuple[int, int]:
        filled = sum(1 for value in book.profiles[pid].fields.to_dict().values() if value)
        return links.get(pid, 0), filled

    found = [
        MergeCandidate(pid, book.profiles[pid].name, book.profiles[pid].kind, tuple(why),
                       substance(pid) > substance(profile_id))
        for pid, why in reasons.items()
    ]
    return sorted(found, key=lambda c: (-weight[c.profile_id], c.name, c.profile_id))
