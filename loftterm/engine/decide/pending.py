"""The pending counter: what the next sync (or batch) will touch, and why, from the book alone.

It answers the seeds' support question "why is the pending number so high when I batch only two
deals": a batch first syncs every contact, so every blank payable profile, every local change and
every unlinked remote contact counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner
from loftterm.engine.pipeline.archiving import archive_candidates_in
from loftterm.engine.pipeline.fieldsync import pending_field
from loftterm.views import PendingCounter
from loftterm.words import counted


def _names(profiles: list[str], limit: int = 3) -> str:
    shown = ", ".join(profiles[:limit])
    return shown + (f" and {len(profiles) - limit} more" if len(profiles) > limit else "")


def held_subjects(book: Book, connector: str) -> tuple[set[tuple[str, str]], set[str]]:
    """The ``(profile id, role)`` creates and the remote ids whose import wait in review."""
    creates: set[tuple[str, str]] = set()
    imports: set[str] = set()
    for proposal in book.proposals.values():
        if proposal.get("connector") != connector or proposal.get("status", "open") != "open":
            continue
        kinds = proposal.get("holds") or ()
        if "create" in kinds:
            creates.add((str(proposal["profile_id"]), str(proposal.get("role", ""))))
        if "import" in kinds:
            imports.add(str(proposal["remote_id"]))
    return creates, imports


def pending_counter(book: Book, info: ConnectorInfo, settings: Mapping[str, Any]) -> PendingCounter:
    """Count what the next sync of one connector will pull, create, link, import, update, archive."""
    counter = PendingCounter()
    meta = book.connector_meta(info.name)
    title = info.title
    mirrored = len(book.remote[info.name])
    if not meta.get("last_full_pull"):
        counter.first_pull = True
        counter.to_pull = mirrored
        counter.reasons.append(
            f"first sync: every {title} contact is pulled"
            + (f" (last seen {mirrored})" if mirrored else "")
        )
    else:
        counter.reasons.append(
            f"only {title} contacts changed since {meta.get('watermark')} are pulled"
        )
    held_creates, held_imports = held_subjects(book, info.name)
    creates = [(p, r) for p, r in planner.plan_creates(book, info) if (p.id, r) not in held_creates]
    counter.to_create_remote = len(creates)
    if creates:
        people = list({p.id: p.name for p, _ in creates}.values())
        records = (f"{counted(len(creates), 'record')} ({' and '.join(info.roles)}) for "
                   f"{counted(len(people), 'profile')}"
                   if len(info.roles) > 1 else counted(len(people), "profile"))
        have = "has" if len(creates) == 1 else "have"
        if meta.get("last_full_pull"):
            counter.reasons.append(f"{records} payable in {title} {have} no {title} record yet "
                                   "and will be created: " + _names(people))
        else:
            counter.reasons.append(f"{records} payable in {title} {have} no link yet: after the pull "
                                   "each is matched by email, then name, and created only if not "
                                   "found: " + _names(people))
    if info.kind == "field":
        field_creates, field_reasons = pending_field(book, info)
        counter.to_create_remote += field_creates
        counter.reasons.extend(field_reasons)
    for role in info.roles:
        result = planner.plan_links(book, info, settings, role)
        planner.penalised_matches(book, info, result)
        counter.to_link += len(result.matches) + len(list(planner.recoverable(book, info, role)))
        counter.to_create_local += sum(
            r.remote_id not in held_imports for r in planner.plan_imports(book, info, settings, role)
        )
    if counter.to_link:
        counter.reasons.append(
            f"{counted(counter.to_link, 'blank profile')} to link: each matches an unlinked {title} "
            "contact"
        )
    if counter.to_create_local:
        counter.reasons.append(
            f"{counted(counter.to_create_local, f'unlinked {title} contact')} to import as new "
            "profiles"
        )
    counter.held = len(held_creates) + len(held_imports)
    if counter.held:
        counter.reasons.append(
            f"{counted(counter.held, 'possible duplicate')} held for review: nothing is created or "
            f"imported for {'it' if counter.held == 1 else 'them'} until a person decides "
            "(`loftterm review`)"
        )
    updates = [
        p.name for p, _l, _r, diff in planner.plan_updates(book, info) if diff.push or diff.pull
    ]
    counter.to_update = len(updates)
    if updates:
        counter.reasons.append(
            f"{counted(len(updates), 'linked profile')} to update: each differs from {title} "
            f"(name, email or addresses): {_names(updates)}"
        )
    if info.archives:
        counter.to_archive = len(archive_candidates_in(book, info))
        if counter.to_archive:
            counter.reasons.append(
                f"{counted(counter.to_archive, 'contact')} to archive: each follows an archived "
                "ledger contact"
            )
    return counter
