"""Remembered decisions: what a person said about a profile and a remote record, kept for good.

Every decision is one document in ``book.decisions`` under its key; later syncs respect it:

* ``reject|{connector}|{remote_id}|{profile_id}`` -- "not the same" (a rejected review, or a
  remote record named by a duplicate warning).  The pair is never linked, proposed or warned
  about again; the record is otherwise an ordinary unlinked record.
* ``reject|{connector}|{remote_id}`` -- the remote record is not one of ours at all.
* ``manual|{connector}|{profile_id}|{remote_id}`` -- a link made by hand.  Auto-linking only
  ever fills *blank* links, so a manual link is never replaced by matching.
* ``unlink|{connector}|{profile_id}|{remote_id}`` -- the user pressed Unlink.  Auto-linking (by
  email, by name, or recovering a record loftterm created) never links this pair again; a
  field-service app may still *propose* it for review (a proposal is a question, not a link).
* ``accept|{connector}|{remote_id}|{profile_id}`` -- an accepted review (``engine/decide/review``).
* ``merge|{other_id}`` -- two local profiles merged (``engine/decide/merge``), with what undoes it.

Linking by hand clears the pair's ``reject`` and ``unlink`` decisions; unlinking clears its
``manual`` one.  ``loftterm decisions`` lists them, ``decisions forget KEY`` drops one.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.errors import UsageError
from loftterm.matching import Match, MatchRecord, MatchResult, NameRule, Outbid, Tie, match_records
from loftterm.models import Link

#: Warning kinds a "not the same" answer settles for the pair it names.
PAIR_WARNINGS = ("duplicate", "archived-duplicate", "suggested", "merged")
#: Decision kinds that keep a pair from being linked automatically.
EXCLUDING = ("reject", "unlink")
EXPORT_COLUMNS = (
    "key",
    "kind",
    "connector",
    "profile_id",
    "profile_name",
    "remote_id",
    "remote_name",
    "at",
    "meaning",
)


@dataclass(frozen=True)
class Decision:
    """One remembered decision, as ``loftterm decisions`` shows it."""

    key: str
    kind: str
    connector: str = ""
    profile_id: str = ""
    remote_id: str = ""
    at: str = ""
    profile_name: str = ""
    remote_name: str = ""
    meaning: str = ""

    def to_json(self) -> dict[str, str]:
        """Return the decision for ``--json`` output and exports."""
        return {k: str(v) for k, v in asdict(self).items()}


# -- keys ----------------------------------------------------------------------------------


def reject_key(connector: str, remote_id: str, profile_id: str) -> str:
    """"Not the same": the remote record is not this profile."""
    return f"reject|{connector}|{remote_id}|{profile_id}"


def manual_key(connector: str, profile_id: str, remote_id: str) -> str:
    """A link made by hand."""
    return f"manual|{connector}|{profile_id}|{remote_id}"


def unlink_key(connector: str, profile_id: str, remote_id: str) -> str:
    """A link the user cleared: never recreated automatically."""
    return f"unlink|{connector}|{profile_id}|{remote_id}"


def merge_key(other_id: str) -> str:
    """A merge of two local profiles, under the id of the profile merged away."""
    return f"merge|{other_id}"


def parse_key(key: str) -> tuple[str, str, str, str]:
    """Return ``(kind, connector, profile_id, remote_id)`` of a decision key (blanks if none)."""
    parts = key.split("|")
    kind = parts[0]
    if kind in ("reject", "accept") and len(parts) == 4:
        return kind, parts[1], parts[3], parts[2]
    if kind == "reject" and len(parts) == 3:
        return kind, parts[1], "", parts[2]
    if kind in ("manual", "unlink") and len(parts) == 4:
        return kind, parts[1], parts[2], parts[3]
    if kind == "merge" and len(parts) == 2:
        return kind, "", parts[1], ""
    return kind, parts[1] if len(parts) > 1 else "", "", ""


def pair_key(kind: str, connector: str, profile_id: str, remote_id: str) -> str:
    """The key of a pair decision of any kind (the kinds order the pair differently)."""
    if kind in ("reject", "accept"):
        return f"{kind}|{connector}|{remote_id}|{profile_id}"
    return f"{kind}|{connector}|{profile_id}|{remote_id}"


# -- reading -------------------------------------------------------------------------------


def excluded_pairs(book: Book, connector: str) -> set[tuple[str, str]]:
    """``(profile_id, remote_id)`` pairs auto-linking must never make (rejected or unlinked)."""
    out: set[tuple[str, str]] = set()
    for key in book.decisions:
        kind, conn, profile_id, remote_id = parse_key(key)
        if kind in EXCLUDING and conn == connector and profile_id and remote_id:
            out.add((profile_id, remote_id))
    return out


def unlinked_remote_ids(book: Book, connector: str) -> set[str]:
    """Remote records someone unlinked by hand: known records, never imported as new profiles."""
    out = set()
    for key in book.decisions:
        kind, conn, _profile_id, remote_id = parse_key(key)
        if kind == "unlink" and conn == connector:
            out.add(remote_id)
    return out


def pair_excluded(book: Book, connector: str, profile_id: str, remote_id: str) -> bool:
    """True when the pair was rejected or unlinked by hand."""
    return any(
        pair_key(kind, connector, profile_id, remote_id) in book.decisions for kind in EXCLUDING
    )


def _remote_name(book: Book, connector: str, remote_id: str) -> str:
    for record in book.remote.get(connector, {}).values():
        if record.remote_id == remote_id:
            return record.name
    return ""


def describe(book: Book, key: str, doc: Mapping[str, Any]) -> Decision:
    """Turn a stored decision into its view, with names and what it means."""
    kind, connector, profile_id, remote_id = parse_key(key)
    profile = book.profiles.get(profile_id)
    pname = profile.name if profile else ""
    rname = _remote_name(book, connector, remote_id) if connector and remote_id else ""
    who = pname or profile_id
    what = f"{connector} {rname or remote_id}"
    meaning = {
        "reject": (
            f"{who} is not {what}: never linked, proposed or warned about together"
            if profile_id
            else f"{what} is not one of ours: never linked, proposed or imported"
        ),
        "accept": f"review accepted: {who} is {what}",
        "manual": f"{who} linked to {what} by hand: never replaced by matching",
        "unlink": f"{who} unlinked from {what} by hand: never relinked automatically",
        "merge": (
            f"{profile_id} merged into {doc.get('survivor', '')}: "
            f"`loftterm unmerge {profile_id}` reverses it"
        ),
    }.get(kind, str(doc.get("meaning") or ""))
    if kind == "merge":
        survivor = book.profiles.get(str(doc.get("survivor", "")))
        pname = str(doc.get("other_name") or pname)
        rname = survivor.name if survivor else ""
        remote_id = str(doc.get("survivor", ""))
    return Decision(
        key, kind, connector, profile_id, remote_id, str(doc.get("at", "")), pname, rname, meaning
    )


def list_decisions(book: Book) -> list[Decision]:
    """Every remembered decision, newest first."""
    found = [describe(book, key, doc) for key, doc in book.decisions.items()]
    return sorted(found, key=lambda d: (d.at, d.key), reverse=True)


# -- writing -------------------------------------------------------------------------------


def remember(book: Book, key: str, **extra: Any) -> dict[str, Any]:
    """Store (or refresh) a decision; return its document."""
    doc = {**extra, "key": key, "at": now_iso()}
    book.decisions[key] = doc
    return doc


def _forget_pair(book: Book, kinds: Iterable[str], connector: str, pid: str, rid: str) -> None:
    for kind in kinds:
        book.decisions.pop(pair_key(kind, connector, pid, rid), None)


def record_link(book: Book, connector: str, profile_id: str, remote_id: str) -> None:
    """A link made by hand: remembered as ``manual``; it overrides an earlier reject or unlink."""
    _forget_pair(book, EXCLUDING, connector, profile_id, remote_id)
    remember(book, manual_key(connector, profile_id, remote_id))


def record_unlink(book: Book, link: Link) -> dict[str, Any]:
    """A link cleared by hand: never recreated automatically (its ``manual`` decision goes)."""
    _forget_pair(book, ("manual",), link.connector, link.profile_id, link.remote_id)
    return remember(
        book, unlink_key(link.connector, link.profile_id, link.remote_id), role=link.role
    )


def reject_pair(book: Book, info: ConnectorInfo, profile_id: str, remote_id: str) -> Decision:
    """"Not the same": remember that a remote record is not a profile; settle what named the pair.

    Refused while the two are linked (unlink first).  Open warnings naming the pair are resolved
    and an open review of the pair is closed as rejected.
    """
    profile = book.profile(profile_id)
    roles = [r for r in info.roles if book.remote_record(info.name, r, remote_id) is not None]
    if not roles:
        raise UsageError(
            f"{info.name} record {remote_id!r} is not in the last pull; sync first, or check the "
            f"id (`loftterm search --connector {info.name} ...`)"
        )
    for role in info.roles:
        link = book.link_of(profile_id, info.name, role)
        if link is not None and link.remote_id == remote_id:
            raise UsageError(
                f"{profile_id} {profile.name} is linked to {info.name} {remote_id}; unlink it "
                f"first (loftterm unlink {profile_id} --connector {info.name})"
            )
    key = reject_key(info.name, remote_id, profile_id)
    _forget_pair(book, ("manual", "accept", "unlink"), info.name, profile_id, remote_id)
    remember(book, key, role=roles[0])
    stamp = now_iso()
    for warning in book.warnings.values():
        if (
            warning.connector == info.name
            and warning.profile_id == profile_id
            and warning.kind in PAIR_WARNINGS
            and remote_id in warning.remote_ids
            and not warning.resolved
        ):
            warning.resolved, warning.last_seen = True, stamp
    for proposal in book.proposals.values():
        if (
            proposal.get("connector") == info.name
            and proposal.get("profile_id") == profile_id
            and proposal.get("remote_id") == remote_id
            and proposal.get("status", "open") == "open"
        ):
            proposal.update(status="rejected", decided=stamp, updated=stamp)
            book.touch_document("proposals", str(proposal["id"]))
    return describe(book, key, book.decisions[key])


def duplicate_candidates(book: Book, info: ConnectorInfo, profile_id: str) -> list[str]:
    """The remote records a profile's open duplicate warnings name (its own links excluded)."""
    linked = {
        link.remote_id
        for role in info.roles
        if (link := book.link_of(profile_id, info.name, role)) is not None
    }
    found: list[str] = []
    for warning in book.warnings.values():
        if (
            warning.connector == info.name
            and warning.profile_id == profile_id
            and warning.kind in ("duplicate", "archived-duplicate")
            and not warning.resolved
        ):
            found.extend(r for r in warning.remote_ids if r not in linked and r not in found)
    return found


def reject_candidates(book: Book, info: ConnectorInfo, profile_id: str) -> list[Decision]:
    """"None of these is the profile": reject every candidate of its open duplicate warnings."""
    book.profile(profile_id)
    candidates = duplicate_candidates(book, info, profile_id)
    if not candidates:
        raise UsageError(
            f"{profile_id} has no open duplicate warning in {info.name}; name the record with "
            "--remote REMOTE_ID"
        )
    return [reject_pair(book, info, profile_id, remote_id) for remote_id in candidates]


def forget(book: Book, key: str) -> Decision:
    """Drop one decision (the link itself is untouched); a merge is reversed with unmerge."""
    doc = book.decisions.get(key)
    if doc is None:
        raise UsageError(f"no decision {key!r} in this book; `loftterm decisions` lists them")
    if parse_key(key)[0] == "merge":
        raise UsageError(
            f"{key} records a merge; reverse it with `loftterm unmerge {parse_key(key)[2]}`"
        )
    decision = describe(book, key, doc)
    del book.decisions[key]
    return decision


def export(decisions: Sequence[Decision], path: Path) -> str:
    """Write decisions to ``path``: JSON for ``.json``, CSV otherwise; return the format."""
    rows = [d.to_json() for d in decisions]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return "json"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return "csv"


# -- matching without excluded pairs -------------------------------------------------------


def without_pairs(
    result: MatchResult,
    excluded: set[tuple[str, str]],
    locals_: Sequence[MatchRecord],
    remotes: Sequence[MatchRecord],
    *,
    rule: NameRule,
    threshold: Fraction,
) -> MatchResult:
    """Redo a matching pass so that no excluded ``(profile, remote)`` pair links or ties.

    Profiles whose result named an excluded remote -- and every profile that competed for that
    remote -- are matched again, each against the records left free by the others, without its
    excluded records; remotes several of them claim go to the strictly best (email beats name),
    as in :func:`~loftterm.matching.match_records`.
    """
    refs: dict[str, set[str]] = defaultdict(set)
    for match in result.matches:
        refs[match.local_key].add(match.remote_key)
    for tie in result.ties:
        refs[tie.local_key].update(tie.remote_keys)
    for lost in result.outbid:
        refs[lost.local_key].add(lost.remote_key)
    hot = {remote for local, remote in excluded if remote in refs.get(local, ())}
    if not hot:
        return result
    redo = {local for local, keys in refs.items() if keys & hot}
    kept = MatchResult(
        [m for m in result.matches if m.local_key not in redo],
        [t for t in result.ties if t.local_key not in redo],
        list(result.archived_holders),
        [o for o in result.outbid if o.local_key not in redo],
    )
    taken = {m.remote_key for m in kept.matches} | {k for t in kept.ties for k in t.remote_keys}
    pool = [r for r in remotes if r.key not in taken]
    claims: dict[str, list[Match]] = defaultdict(list)
    for local in locals_:
        if local.key not in redo:
            continue
        own = [r for r in pool if (local.key, r.key) not in excluded]
        alone = match_records([local], own, rule=rule, threshold=threshold)
        kept.ties.extend(alone.ties)
        for match in alone.matches:
            claims[match.remote_key].append(match)
    for remote_key, wanted in claims.items():
        top = max((m.method == "email", m.score) for m in wanted)
        winners = [m for m in wanted if (m.method == "email", m.score) == top]
        for match in wanted:
            if (match.method == "email", match.score) != top:
                names = tuple(w.local_key for w in winners)
                kept.outbid.append(Outbid(match.local_key, remote_key, match.score, names))
            elif len(winners) == 1:
                kept.matches.append(match)
            else:
                rivals = tuple(w.local_key for w in winners if w is not match)
                kept.ties.append(Tie(match.local_key, (remote_key,), match.method, match.score, rivals))
    order = {record.key: n for n, record in enumerate(locals_)}
    kept.matches.sort(key=lambda m: order[m.local_key])
    kept.ties.sort(key=lambda t: order[t.local_key])
    kept.outbid.sort(key=lambda o: order[o.local_key])
    return kept
