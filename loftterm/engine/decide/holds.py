"""Held writes: creates and imports that wait for a person in the one review queue.

When a profile about to be created remotely, or a remote record about to be imported, has a
plausible candidate on the other side (:mod:`loftterm.engine.plausible`), nothing is written.
Each (profile, remote record) pair is stored as a review in ``book.proposals`` -- the same queue
as SortScape's "link to existing contact" reviews, with the same three columns (the book on the
left, the remote record on the right, the proposed values in the middle) -- and names which
side waits (``holds``: ``create``, ``import`` or both).  The ways out, each remembered:

* **link** (accept): the pair is linked by hand (``engine/review.accept_proposal``);
* **not the same** (reject): ``reject|connector|remote|profile``; the pair never holds again;
* **create anyway**: ``create|connector|role|profile``: the profile is created in spite of its
  candidates (a name clash the ledger would refuse is still reported, never sent);
* **import anyway**: ``import|connector|remote``: the record becomes a new profile.

Every sync stores what it held and withdraws the holds that no longer apply, so the queue is
always what the next sync would hold.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.connector import ConnectorInfo
from loftterm.engine import derived, plausible
from loftterm.engine.decide.reviewqueue import PROPOSAL_FIELDS, proposal_id
from loftterm.engine.plausible import SAME_EMAIL, SAME_PHONE, Candidate
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import UsageError
from loftterm.models import Profile, RemoteContact
from loftterm.views import BulkReview, OutcomeRow
from loftterm.words import counted

CREATE = "create"
IMPORT = "import"
HOLD_KINDS = (CREATE, IMPORT)


def create_anyway_key(connector: str, role: str, profile_id: str) -> str:
    """The decision "create this profile remotely in spite of its candidates"."""
    return f"create|{connector}|{role}|{profile_id}"


def import_anyway_key(connector: str, remote_id: str) -> str:
    """The decision "import this remote record in spite of its candidates"."""
    return f"import|{connector}|{remote_id}"


def create_overridden(book: Book, connector: str, role: str, profile_id: str) -> bool:
    """True when a person said to create the profile anyway."""
    return create_anyway_key(connector, role, profile_id) in book.decisions


def import_overridden(book: Book, connector: str, remote_id: str) -> bool:
    """True when a person said to import the record anyway."""
    return import_anyway_key(connector, remote_id) in book.decisions


def is_hold(proposal: Mapping[str, Any]) -> bool:
    """True for a held create or import (not a field-service link proposal)."""
    return bool(proposal.get("holds"))


def pair_fields(profile: Profile, record: RemoteContact) -> list[dict[str, str]]:
    """The three columns of a held pair: the book (left), proposed, the remote record (right)."""
    rows = []
    for name in PROPOSAL_FIELDS:
        left = str(profile.fields.get(name)).strip()
        right = str(record.fields.get(name)).strip()
        rows.append({"field": name, "left": left, "proposed": left or right, "right": right})
    return rows


def pair_note(book: Book, connector: str, role: str, profile_id: str, remote_id: str) -> str:
    """What a person should know about a held pair now: archived, or either side linked."""
    notes = []
    record = book.remote_record(connector, role, remote_id)
    if record is not None and record.status != "active":
        notes.append(f"the {connector} record is {record.status}")
    holder = book.linked_profile(connector, role, remote_id)
    if holder and holder != profile_id:
        notes.append(f"the {connector} record is linked to {holder}")
    own = book.link_of(profile_id, connector, role)
    if own is not None and own.remote_id != remote_id:
        notes.append(f"{profile_id} is linked to {connector} {own.remote_id}")
    return "; ".join(notes)


# Fingerprints by the identity of both sides' fields (immutable: replaced, never changed) and
# states; each entry holds the two objects, so an id is never reused while it is remembered.
# A routine sync fingerprints every standing hold twice (standing, then _store): ~10k at 100k.
# Kept with the book (Book.memo): a module-wide table outlived it, and the replaced fields it
# held (about 80 MB at 100k, measured after a long-lived console let its book go).
_FINGERPRINTS = "pair-fingerprints"
_FINGERPRINTS_MAX = 100_000


def pair_fingerprint(book: Book, profile: Profile, record: RemoteContact) -> str:
    """What a hold was decided on: both sides' fields and states (a change re-decides it)."""
    known_prints: dict[tuple[int, int, bool, str], tuple[object, object, str]]
    known_prints = book.memo.setdefault(_FINGERPRINTS, {})
    mine, theirs = profile.fields, record.fields
    key = (id(mine), id(theirs), profile.archived, record.status)
    known = known_prints.get(key)
    if known is not None and known[0] is mine and known[1] is theirs:
        return known[2]
    text = repr((mine, profile.archived, theirs, record.status))
    found = hashlib.sha256(text.encode()).hexdigest()[:16]
    if len(known_prints) >= _FINGERPRINTS_MAX:
        known_prints.clear()
    known_prints[key] = (mine, theirs, found)
    return found


@functools.lru_cache(maxsize=4096)
def stored_score(value: object) -> Fraction:
    """A review's stored score (a float) as the exact fraction it was, to a thousandth.

    Remembered: a routine sync reads back thousands of held reviews with a few scores between
    them, and ``limit_denominator`` was a third of that.
    """
    return Fraction(str(value)).limit_denominator(1000)


def standing(
    book: Book, info: ConnectorInfo, kind: str, role: str, subjects: Iterable[str]
) -> dict[str, list[Candidate]]:
    """Subjects whose open holds still stand because neither side of any pair changed.

    ``subjects`` are profile ids (``kind="create"``) or remote ids (``"import"``).  Their
    candidates are read back from the reviews, so a routine sync of a big book does not search
    again for records that wait for a person (a candidate that appeared since is not added
    until either side changes); what a person should know of each (linked, archived) is as
    the search would say it now.
    """
    connector = info.name
    side, other = ("profile_id", "remote_id") if kind == CREATE else ("remote_id", "profile_id")
    wanted = set(subjects)
    pairs: dict[str, list[dict[str, Any]]] = {}
    for proposal in book.proposals.values():
        if (
            proposal.get("connector") == connector
            and proposal.get("role") == role
            and proposal.get("status", "open") == "open"
            and kind in proposal.get("holds", ())
            and proposal[side] in wanted
        ):
            pairs.setdefault(str(proposal[side]), []).append(proposal)
    out: dict[str, list[Candidate]] = {}
    for subject, reviews in pairs.items():
        found = []
        for review in reviews:
            profile = book.profiles.get(str(review["profile_id"]))
            record = book.remote_record(connector, role, str(review["remote_id"]))
            if profile is None or record is None:
                break
            if review.get("fingerprint") != pair_fingerprint(book, profile, record):
                break
            if kind == CREATE:
                name, note = record.name, plausible.record_note(book, connector, record)
            else:
                name, note = profile.name, plausible.profile_note(book, info, profile)
            evidence = tuple(str(e) for e in review.get("evidence", ()))
            score = stored_score(review.get("score", 0.0))
            found.append(Candidate(str(review[other]), name, score, evidence, note))
        else:
            found.sort(key=lambda c: c.key)
            found.sort(key=lambda c: c.strength, reverse=True)  # as the search orders them
            out[subject] = found
    return out


def _store(
    rs: RunState, kind: str, role: str, profile: Profile, record: RemoteContact, cand: Candidate
) -> None:
    """Store (or refresh) the review of one held pair and note it as held by this run."""
    pid = proposal_id(rs.name, profile.id, record.remote_id)
    kinds = rs.held.setdefault(pid, set())
    kinds.add(kind)
    old = rs.book.proposals.get(pid) or {}
    reopened = old.get("status", "open") != "open" or not old
    fingerprint = pair_fingerprint(rs.book, profile, record)
    # the same fingerprint: the same fields on both sides, so the same three columns
    same = not reopened and old.get("fingerprint") == fingerprint and "fields" in old
    fresh: dict[str, Any] = {
        "id": pid,
        "connector": rs.name,
        "role": role,
        "profile_id": profile.id,
        "remote_id": record.remote_id,
        "holds": sorted(kinds),
        "reason": ", ".join(cand.reasons) or "name in the review band",
        "evidence": list(cand.reasons),
        "score": float(cand.score),
        "note": pair_note(rs.book, rs.name, role, profile.id, record.remote_id),
        "fingerprint": fingerprint,
        "fields": old["fields"] if same else pair_fields(profile, record),
        "status": "open",
    }
    if not reopened:
        # The end of the run settles which kinds still wait (withdraw_stale); until then a
        # review held again as it was stays untouched, so a routine sync rewrites no review.
        fresh["holds"] = sorted(kinds | set(old.get("holds", ())))
        if abs(float(old.get("score", 0.0)) - fresh["score"]) < 1e-9:
            fresh["score"] = old.get("score")
        if all(old.get(key) == value for key, value in fresh.items()):
            return
    stamp = now_iso()
    rs.book.proposals[pid] = {
        **old,
        **fresh,
        "created": stamp if reopened else old.get("created", stamp),
        "updated": stamp,
    }


def _listed(candidates: Sequence[Candidate]) -> str:
    shown = "; ".join(c.describe() for c in candidates[:3])
    more = len(candidates) - 3
    return shown + (f"; and {more} more" if more > 0 else "")


def hold_create(rs: RunState, profile: Profile, role: str, candidates: Sequence[Candidate]) -> None:
    """Hold a profile's create for review: one review per candidate record."""
    for cand in candidates:
        record = rs.book.remote_record(rs.name, role, cand.key)
        if record is not None:
            _store(rs, CREATE, role, profile, record, cand)
    rs.counts["held"] += 1
    rs.outcome(
        profile.id,
        "create",
        "held",
        "",
        f"not created: {rs.title()} may already hold this {role}: {_listed(candidates)}; "
        "review it (`loftterm review`)",
    )


def hold_import(rs: RunState, record: RemoteContact, candidates: Sequence[Candidate]) -> None:
    """Hold a remote record's import for review: one review per candidate profile."""
    for cand in candidates:
        profile = rs.book.profiles.get(cand.key)
        if profile is not None:
            _store(rs, IMPORT, record.role, profile, record, cand)
    _held_import(rs, record, candidates)


def hold_import_again(
    rs: RunState, record: RemoteContact, candidates: Sequence[Candidate]
) -> None:
    """Hold an import again whose reviews stand exactly as stored (:func:`hold_import`).

    Only for a record held by the last import phase when neither side of any of its pairs, nor
    their links or reviews, changed since: storing would change nothing, so only this run's
    note of what it held and its outcome row are made (a routine sync holds ~10k at 100k).
    """
    for cand in candidates:
        if cand.key in rs.book.profiles:
            rs.held.setdefault(proposal_id(rs.name, cand.key, record.remote_id), set()).add(IMPORT)
    _held_import(rs, record, candidates)


def _held_import(rs: RunState, record: RemoteContact, candidates: Sequence[Candidate]) -> None:
    rs.counts["held"] += 1
    others = "; ".join(f"{c.key} {c.describe()}" for c in candidates[:3])
    rs.outcomes.append(
        OutcomeRow(
            "",
            record.name,
            "import",
            "held",
            record.remote_id,
            f"not imported: the book may already hold this person: {others}; review it "
            "(`loftterm review`)",
        )
    )


def withdraw_stale(rs: RunState) -> None:
    """Settle this connector's open holds after the run's writes.

    A hold the run did not make again no longer applies; a held import whose record got linked
    later in the run (a name clash settled by the same email), or a held create whose profile
    did, stops holding that side.
    """
    book, stamp = rs.book, now_iso()
    state = tuple(sorted((pid, tuple(sorted(kinds))) for pid, kinds in rs.held.items()))
    if not derived.recall(book, ("withdrawn", rs.name), state):  # else: nothing to withdraw
        _withdraw(rs, book, stamp)
        derived.keep(book, ("withdrawn", rs.name), True, state)
    subjects = {
        (kind, p.get("role"), p["profile_id"] if kind == CREATE else p["remote_id"])
        for pid, p in book.proposals.items()
        if pid in rs.held and p.get("status") == "open"
        for kind in p.get("holds", ())
    }
    rs.counts["held"] = len(subjects) + rs.counts.pop("held_twins", 0)
    if rs.counts["held"]:
        rs.notes.append(
            f"{counted(rs.counts['held'], 'record')} held for review instead of writing a "
            "possible duplicate (`loftterm review`)"
        )


def _withdraw(rs: RunState, book: Book, stamp: str) -> None:
    for proposal in book.proposals.values():
        if (
            proposal.get("connector") != rs.name
            or not is_hold(proposal)
            or proposal.get("status", "open") != "open"
        ):
            continue
        kinds = set(rs.held.get(str(proposal["id"]), ()))
        role = str(proposal.get("role", ""))
        if book.linked_profile(rs.name, role, str(proposal["remote_id"])):
            kinds.discard(IMPORT)
        if book.link_of(str(proposal["profile_id"]), rs.name, role) is not None:
            kinds.discard(CREATE)
        before = (proposal["holds"], proposal.get("note"), proposal.get("status"))
        if kinds != set(proposal["holds"]):
            proposal["holds"] = sorted(kinds)
            proposal["updated"] = stamp
        note = pair_note(book, rs.name, role, str(proposal["profile_id"]), str(proposal["remote_id"]))
        if note != proposal.get("note"):
            proposal["note"] = note
        if not kinds:
            proposal["status"] = "withdrawn"
        if (proposal["holds"], proposal.get("note"), proposal.get("status")) != before:
            book.touch_document("proposals", str(proposal["id"]))


# -- a person's decisions ------------------------------------------------------------------


def open_hold(book: Book, proposal_id_: str) -> dict[str, Any]:
    """Return an open held pair, or a one-line error."""
    proposal = book.proposals.get(proposal_id_)
    if proposal is None:
        raise UsageError(
            f"no review {proposal_id_!r} in this book; `loftterm review` lists the open ones"
        )
    if proposal.get("status", "open") != "open":
        raise UsageError(f"review {proposal_id_} is already {proposal.get('status')}")
    if not is_hold(proposal):
        raise UsageError(
            f"review {proposal_id_} is a link proposal, not a held create or import: accept or "
            "reject it"
        )
    return proposal


def override(book: Book, proposal_id_: str, kind: str) -> list[dict[str, Any]]:
    """Create (``kind="create"``) or import (``"import"``) anyway; return the reviews it closes.

    The decision is remembered; the next sync of the connector carries it out.  Every open
    review holding the same profile's create (or the same record's import) stops holding it.
    """
    proposal = open_hold(book, proposal_id_)
    if kind not in proposal.get("holds", ()):
        waiting = " and ".join(proposal.get("holds", ()))
        raise UsageError(
            f"review {proposal_id_} holds the {waiting} only: "
            + (
                f"{proposal['profile_id']} already exists locally; link it or say not the same"
                if kind == IMPORT
                else "the record is not waiting to be created"
            )
        )
    connector, role = str(proposal["connector"]), str(proposal.get("role", ""))
    if kind == CREATE:
        key = create_anyway_key(connector, role, str(proposal["profile_id"]))
        same = "profile_id"
    else:
        key = import_anyway_key(connector, str(proposal["remote_id"]))
        same = "remote_id"
    stamp = now_iso()
    book.decisions[key] = {"key": key, "at": stamp, "proposal": proposal_id_, "role": role}
    closed = []
    for other in book.proposals.values():
        if (
            other.get("connector") == connector
            and other.get("role", role) == role
            and other.get(same) == proposal[same]
            and other.get("status", "open") == "open"
            and kind in other.get("holds", ())
        ):
            other["holds"] = [k for k in other["holds"] if k != kind]
            other["updated"] = stamp
            if not other["holds"]:
                other["status"] = f"{kind}d anyway"
            book.touch_document("proposals", str(other["id"]))
            closed.append(other)
    return closed


# -- bulk actions --------------------------------------------------------------------------


_SAME = {"email": SAME_EMAIL, "phone": SAME_PHONE, "name": "equal name after folding"}


def _open_holds(book: Book, connector: str) -> list[dict[str, Any]]:
    return [
        p
        for p in book.proposals.values()
        if is_hold(p)
        and p.get("status", "open") == "open"
        and (not connector or p.get("connector") == connector)
    ]


def _grouped(
    proposals: Iterable[dict[str, Any]], kind: str
) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    side = "profile_id" if kind == CREATE else "remote_id"
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for p in proposals:
        if kind in p.get("holds", ()):
            key = (str(p["connector"]), str(p.get("role", "")), str(p[side]))
            out.setdefault(key, []).append(p)
    return out


def bulk_select(book: Book, rule: BulkReview) -> list[dict[str, Any]]:
    """The reviews a bulk action would decide (one per held subject for create/import)."""
    holds = _open_holds(book, rule.connector)
    if rule.action in HOLD_KINDS:
        chosen = []
        for pairs in _grouped(holds, rule.action).values():
            strong = any(
                r in (SAME_EMAIL, SAME_PHONE) for p in pairs for r in p.get("evidence", ())
            )
            best = max(float(p.get("score", 0.0)) for p in pairs)
            if not strong and best < rule.below:
                chosen.append(max(pairs, key=lambda p: float(p.get("score", 0.0))))
        return sorted(chosen, key=lambda p: str(p["id"]))
    if rule.action != "link":
        raise UsageError(f"bulk {rule.action}: choose create, import or link")
    wanted = [_SAME[s] for s in rule.same]
    fits = [
        p
        for p in holds
        if float(p.get("score", 0.0)) >= rule.above
        and all(w in p.get("evidence", ()) for w in wanted)
    ]
    per_profile: dict[tuple[str, str], int] = {}
    per_remote: dict[tuple[str, str], int] = {}
    for p in fits:
        key_p = (str(p["connector"]), str(p["profile_id"]))
        key_r = (str(p["connector"]), str(p["remote_id"]))
        per_profile[key_p] = per_profile.get(key_p, 0) + 1
        per_remote[key_r] = per_remote.get(key_r, 0) + 1
    unique = [
        p
        for p in fits
        if per_profile[(str(p["connector"]), str(p["profile_id"]))] == 1
        and per_remote[(str(p["connector"]), str(p["remote_id"]))] == 1
        and not pair_note(book, str(p["connector"]), str(p.get("role", "")),
                          str(p["profile_id"]), str(p["remote_id"]))
    ]
    return sorted(unique, key=lambda p: str(p["id"]))
