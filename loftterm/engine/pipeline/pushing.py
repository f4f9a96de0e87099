"""The push phases: create missing remote records, then push local changes.

Before a create the engine predicts a name clash from the mirror (Xero: unique among active
contacts; QBO: one namespace across customers, vendors and employees) instead of letting the API
fail: a holder with the same email is linked.  Then any plausible candidate on the remote side
(``engine/plausible``: same email or phone, equal folded name, a near name, a tie) holds the
create for a person's review (``engine/decide/holds``); only a profile with no candidate, or one a
person said to create anyway, is sent.  A clash left after that stops the record with a reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from loftterm.book.emails import email_key
from loftterm.connector import PushRequest, RecordOutcome
from loftterm.engine import company_names, derived, planner, plausible
from loftterm.engine.baseline import agreed_baseline
from loftterm.engine.decide import decisions, holds
from loftterm.engine.pipeline.linking import make_link
from loftterm.engine.runs import journal
from loftterm.engine.runs.runstate import RunState
from loftterm.models import Link, LinkMethod, Profile, RemoteContact, comparable


def intent_key(rs: RunState, *parts: str) -> str:
    """A stable idempotency key for one intended write (same intent, same key)."""
    book_id = str(rs.book.meta.get("book_id", ""))
    digest = hashlib.sha256("|".join((book_id, rs.name, *parts)).encode()).hexdigest()
    return f"lt-{digest[:32]}"


def remote_name(rs: RunState, role: str, name: str) -> str:
    """The display name a new record of a role gets remotely."""
    answer = rs.hooks.call("loftterm_connector_display_name", ctx=rs.ctx, role=role, name=name)
    return str(answer) if answer else name


def name_holders(rs: RunState) -> dict[str, list[RemoteContact]]:
    """Index the mirror by normalised display name, within the connector's uniqueness scope."""
    scope = rs.info.name_scope
    index: dict[str, list[RemoteContact]] = {}
    if scope == "none":
        return index
    for record in rs.book.remote[rs.name].values():
        if scope == "active" and (record.status != "active" or record.role not in rs.info.roles):
            continue
        display = str(record.extra.get("display_name") or record.name)
        index.setdefault(planner.display_key(display), []).append(record)
    return index


def push_new_phase(rs: RunState, extra_ids: frozenset[str] = frozenset()) -> None:
    """Create remote records for payable profiles (and a batch's) that have none."""
    wanted = planner.plan_creates(rs.book, rs.info, extra_ids)
    if not wanted:
        return
    holders = name_holders(rs)
    candidates = creates_with_candidates(rs, wanted)
    alike = twins_among_creates(rs, wanted, candidates)
    requests: list[PushRequest] = []
    for profile, role in wanted:
        display = remote_name(rs, role, profile.name)
        clash = holders.get(planner.display_key(display), [])
        if clash and link_same_email_holder(rs, profile, role, display, clash):
            continue
        found = candidates.get((profile.id, role))
        if found:
            holds.hold_create(rs, profile, role, found)
            continue
        twins = alike.get((profile.id, role))
        if twins:
            hold_twins(rs, profile, role, twins)
            continue
        if clash:
            refuse_clash(rs, profile, display, clash)
            continue
        requests.append(
            PushRequest(
                "create",
                profile.id,
                role,
                profile.fields,
                idempotency_key=intent_key(rs, role, profile.id, "create"),
            )
        )
    rs.emit("push-new", 0, len(requests), f"creating {len(requests)} records in {rs.title()}")
    journal.plan_pushes(rs, requests)  # a dry run's plan (engine/runs/plan.py); no-op otherwise
    for request in requests:
        if rs.dry_run:
            rs.counts["created_remote"] += 1
            rs.outcome(request.profile_id, "create", "planned", "", f"new {request.role}")
    if rs.dry_run or not requests:
        return
    outcomes = call_push(rs, requests)
    for outcome in outcomes:
        profile = rs.book.profiles[outcome.profile_id]
        if outcome.status == "created" and outcome.remote is not None:
            rs.book.put_remote(rs.name, [outcome.remote])
            make_link(rs, profile, outcome.remote, LinkMethod.CREATED, 1.0)
            rs.book.link_of(profile.id, rs.name, outcome.role).baseline = _agreed(  # type: ignore[union-attr]
                rs, profile, outcome.role)
            rs.counts["created_remote"] += 1
            rs.outcome(
                profile.id, "create", "created", outcome.remote.remote_id, f"new {outcome.role}"
            )
        else:
            record_failure(rs, profile, "create", outcome)
    rs.emit("push-new", len(outcomes), len(requests), f"created {rs.counts['created_remote']}")


def creates_with_candidates(
    rs: RunState, wanted: Sequence[tuple[Profile, str]]
) -> dict[tuple[str, str], list[plausible.Candidate]]:
    """``(profile id, role)`` -> the remote records that could already be that profile.

    Profiles a person said to create anyway are not checked.
    """
    state = (tuple((p.id, r) for p, r in wanted), derived.settings_state(rs.settings))
    known = derived.recall(rs.book, ("creates", rs.name), state)
    if known is not None:  # the same book and the same creates: the same candidates
        return dict(known)
    out: dict[tuple[str, str], list[plausible.Candidate]] = {}
    for role in rs.info.roles:
        profiles = [
            p
            for p, r in wanted
            if r == role and not holds.create_overridden(rs.book, rs.name, role, p.id)
        ]
        found = holds.standing(rs.book, rs.info, holds.CREATE, role, (p.id for p in profiles))
        fresh = [p for p in profiles if p.id not in found]
        found.update(plausible.remote_candidates(rs.book, rs.info, rs.settings, role, fresh))
        out.update({(pid, role): cands for pid, cands in found.items()})
    derived.keep(rs.book, ("creates", rs.name), dict(out), state)
    return out


def twins_among_creates(
    rs: RunState,
    wanted: Sequence[tuple[Profile, str]],
    held: Mapping[tuple[str, str], object],
) -> dict[tuple[str, str], list[plausible.Candidate]]:
    """Creates of this run that share an email, phone or folded name with another create.

    Sending both would make the duplicate in the ledger in one run, so neither is sent.
    """
    out: dict[tuple[str, str], list[plausible.Candidate]] = {}
    for role in rs.info.roles:
        alike = [p for p, r in wanted if r == role]  # held ones too: they may be sent later
        checked = [
            p
            for p in alike
            if (p.id, role) not in held
            and not holds.create_overridden(rs.book, rs.name, role, p.id)
        ]
        found = plausible.alike_among(rs.book, rs.info, rs.settings, alike, checked)
        out.update({(pid, role): twins for pid, twins in found.items()})
    return out


def hold_twins(
    rs: RunState, profile: Profile, role: str, twins: Sequence[plausible.Candidate]
) -> None:
    """Create none of several profiles that look like one person; say how to settle it."""
    others = ", ".join(f"{c.key} {c.name} ({', '.join(c.reasons)})" for c in twins)
    reason = (
        f"{profile.id} {profile.name} and {others} in the book may be one person: none is "
        f"created in {rs.title()}; merge them (loftterm merge {profile.id} {twins[0].key}), or "
        f"create this one anyway (loftterm push {profile.id} --connector {rs.name} --anyway)"
    )
    rs.warn("duplicate", profile.id, reason, [])
    rs.counts["held_twins"] += 1
    rs.outcome(profile.id, "create", "held", "", reason)


def link_same_email_holder(
    rs: RunState, profile: Profile, role: str, display: str, holders: Sequence[RemoteContact]
) -> bool:
    """A predicted name clash whose one holder has the profile's email is that profile: link it."""
    same_person = [
        r
        for r in holders
        if r.role == role
        and profile.email
        and email_key(r.email) == email_key(profile.email)
        and not rs.book.linked_profile(rs.name, r.role, r.remote_id)
        and not decisions.pair_excluded(rs.book, rs.name, profile.id, r.remote_id)  # not-same/unlink
    ]
    if len(same_person) != 1:
        return False
    make_link(rs, profile, same_person[0], LinkMethod.EMAIL, 1.0)
    rs.counts["linked"] += 1
    rs.counts["relink"] += 1  # the email tie it settled may have kept others from linking
    rs.outcome(
        profile.id,
        "link",
        "linked",
        same_person[0].remote_id,
        f"name {display!r} already held by the same email",
    )
    return True


def refuse_clash(
    rs: RunState, profile: Profile, display: str, holders: Sequence[RemoteContact]
) -> None:
    """A create the remote would refuse (its name is taken): reported, never sent."""
    holder = holders[0]
    status = "" if holder.status == "active" else f", {holder.status}"
    owner = rs.book.linked_profile(rs.name, holder.role, holder.remote_id)
    held_by = rs.book.profiles.get(owner) if owner else None
    linked = (
        f", linked to {held_by.id} {held_by.name}"
        if held_by is not None
        else ", not linked to any profile"
    )
    reason = (
        f"name {display!r} is already used by {rs.title()} {holder.role} "
        f"{str(holder.extra.get('display_name') or holder.name)!r} ({holder.remote_id}{status})"
        f"{linked}; rename one of them, or link by hand if it is the same person"
    )
    rs.warn("name-clash", profile.id, reason, [holder.remote_id])
    rs.counts["failed"] += 1
    rs.outcome(profile.id, "create", "failed", "", reason)


def call_push(rs: RunState, requests: Sequence[PushRequest]) -> list[RecordOutcome]:
    """Send writes through the connector; a missing outcome counts as a failure."""
    answer = rs.hooks.call("loftterm_connector_push", ctx=rs.ctx, requests=list(requests))
    outcomes: list[RecordOutcome] = list(answer or [])
    answered = {(o.profile_id, o.role) for o in outcomes}
    for request in requests:
        if (request.profile_id, request.role) not in answered:
            outcomes.append(
                RecordOutcome(
                    request.profile_id,
                    request.role,
                    "failed",
                    reason="the connector gave no outcome",
                )
            )
    journal.record_pushes(rs, requests, outcomes)  # undo journal: before values from the mirror
    return outcomes


def record_failure(rs: RunState, profile: Profile, action: str, outcome: RecordOutcome) -> None:
    """Count and explain a failed write."""
    rs.counts["failed"] += 1
    reason = outcome.reason or outcome.status
    rs.warn("push-failed", profile.id, f"{action} in {rs.title()} failed: {reason}")
    rs.outcome(profile.id, action, "failed", "", reason)


def _agreed(rs: RunState, profile: Profile, role: str) -> dict[str, object]:
    values = comparable(profile.fields)
    return company_names.track(rs.info, {k: values[k] for k in rs.info.fields_for(role)}, profile)


def conflict_message(
    rs: RunState, profile: Profile, link: Link, remote: RemoteContact, name: str
) -> str:
    """The ``conflict`` warning: both values, and how to pick one."""
    mine = company_names.local_fields(link, profile)
    here, there = comparable(mine)[name], comparable(remote.fields)[name]
    shown = [one_line(v) for v in (here, there)]
    return (
        f"{name} changed on both sides since the last sync (here {shown[0]!r}, {rs.title()} "
        f"{shown[1]!r}); nothing is written until you pick one: `loftterm resolve-conflict "
        f"{profile.id} --connector {rs.name} --field {name} --take local|remote`"
    )


def one_line(value: object) -> str:
    """A field value for a message (an address on one line)."""
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)


def pull_changes(rs: RunState) -> None:
    """Take remote-only changes into the profiles first (every role), so pushes see them."""
    for profile, link, remote, diff in list(planner.plan_updates(rs.book, rs.info)):
        if not diff.pull:
            continue
        there = remote.fields.to_dict()
        pulled = company_names.remote_changes(link, {name: there[name] for name in diff.pull})
        journal.record_local_update(rs, profile, remote, pulled, pulled)  # undo journal
        profile.fields = profile.fields.__class__.from_dict({**profile.fields.to_dict(), **pulled})
        rs.book.touch_profile(profile)
        rs.counts["updated_local"] += 1
        rs.outcome(
            profile.id,
            "update-local",
            "updated",
            remote.remote_id,
            f"{', '.join(sorted(pulled))} changed in {rs.title()}",
        )


def push_changes_phase(rs: RunState) -> None:
    """Pull remote changes, push local ones, and report fields changed on both sides.

    Pulls come first for every link, so a change one role brings in (a QBO vendor's phone)
    reaches the other roles in the same run.  A field changed on both sides is a ``conflict``:
    nothing is written for it.  A baseline moves only for fields both sides now agree on.
    """
    company_names.follow_company(rs)
    pull_changes(rs)
    requests: list[PushRequest] = []
    for profile, link, remote, diff in list(planner.plan_updates(rs.book, rs.info)):
        for name in sorted(diff.conflicts):
            rs.warn("conflict", profile.id, conflict_message(rs, profile, link, remote, name),
                    [remote.remote_id])
        if diff.push:
            changed = frozenset(diff.push)
            mine = company_names.local_fields(link, profile)
            values = "|".join(f"{k}={comparable(mine)[k]}" for k in sorted(changed))
            requests.append(
                PushRequest(
                    "update",
                    profile.id,
                    link.role,
                    mine,
                    changed,
                    remote.remote_id,
                    remote.version,
                    intent_key(rs, link.role, profile.id, remote.remote_id, remote.version, values),
                )
            )
    settle_all_agreed(rs)
    if not requests:
        return
    rs.emit("push-changes", 0, len(requests), f"updating {len(requests)} records in {rs.title()}")
    journal.plan_pushes(rs, requests)  # a dry run's plan (engine/runs/plan.py); no-op otherwise
    if rs.dry_run:
        for request in requests:
            rs.counts["updated_remote"] += 1
            rs.outcome(
                request.profile_id,
                "update",
                "planned",
                request.remote_id,
                ", ".join(sorted(request.changed)),
            )
        return
    for outcome in call_push(rs, requests):
        profile = rs.book.profiles[outcome.profile_id]
        if outcome.status == "updated":
            if outcome.remote is not None:
                rs.book.put_remote(rs.name, [outcome.remote])
            updated = rs.book.link_of(profile.id, rs.name, outcome.role)
            if updated is not None:
                settle_agreed(rs, updated)
            rs.counts["updated_remote"] += 1
            rs.outcome(
                profile.id, "update", "updated", outcome.remote.remote_id if outcome.remote else ""
            )
        else:
            record_failure(rs, profile, "update", outcome)
    rs.emit("push-changes", len(requests), len(requests), f"updated {rs.counts['updated_remote']}")


def settle_all_agreed(rs: RunState) -> None:
    """Settle every link's baseline (:func:`settle_agreed`); after a few changes, theirs only."""
    book, key = rs.book, ("settled", rs.name)
    links: Iterable[Link]
    kept = derived.kept_since(book, key, derived.pair_groups(rs.name))
    if kept is not None and derived.few(kept[1], len(book.links)):
        moved = derived.pairs_moved(book, rs.name, rs.info.roles, kept[1])
        links = [link for k in sorted(moved) if (link := book.links.get(k)) is not None]
    else:
        links = book.links_of_connector(rs.name)
    for link in links:
        settle_agreed(rs, link)
    derived.keep(book, key, True)


def settle_agreed(rs: RunState, link: Link) -> None:
    """Move a link's baseline to the values both sides hold now (the mirror after a write)."""
    profile = rs.book.profiles.get(link.profile_id)
    record = rs.book.remote_record(rs.name, link.role, link.remote_id)
    if profile is None or record is None or not link.baseline:
        return
    if link.settled(profile.fields, record.fields, link.baseline):
        return
    agreed = agreed_baseline(link, profile, record, rs.info.fields_for(link.role))
    settled = company_names.track(rs.info, agreed, profile)
    if settled != link.baseline:
        link.baseline = settled
        rs.book.touch_link(link)
    link.settled_from = (profile.fields, record.fields, link.baseline)
