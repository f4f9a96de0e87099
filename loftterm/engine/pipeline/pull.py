"""The pull phase: page through every remote contact into the mirror, resumably.

Each page's cursor is stored with the records it brought (one atomic save every few pages), so a
pull that dies resumes where it stopped.  A full pull marks every record it sees with its token;
when it completes, mirrored records it did not see are gone remotely (their links become
``missing``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from loftterm.book.book import now_iso
from loftterm.connector import PullPage, PullRequest
from loftterm.engine.runs.runstate import RunState
from loftterm.errors import ProtocolError, TenantMismatchError

SAVE_EVERY_PAGES = 10
# Some remote changes do not bump the record's modified time (Xero: balances, IsCustomer), so an
# incremental pull never sees them; a full pull at least once a day brings them in.
FULL_PULL_EVERY = timedelta(hours=24)


def _older_than(stamp: str, age: timedelta) -> bool:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return datetime.now(UTC) - when > age


def pull_phase(rs: RunState) -> bool:
    """Pull remote contacts into the book's mirror (incremental when a watermark exists).

    Return True when the pull was a complete full one (it brought every balance too).
    """
    meta = rs.book.connector_meta(rs.name)
    full = (rs.full_pull or not meta.get("watermark") or not meta.get("last_full_pull")
            or _older_than(str(meta["last_full_pull"]), FULL_PULL_EVERY))
    since = "" if full else str(meta["watermark"])
    resume = meta.get("resume") or {}
    if resume and meta.get("resume_since", "") != since:
        resume = {}
    token = str(meta.get("pull_token") or "") if resume else ""
    token = token or uuid.uuid4().hex[:10]
    meta["pull_token"] = token
    rs.emit("pull", 0, None, f"{'full' if full else 'incremental'} pull from {rs.title()}")
    pages = rs.hooks.call("loftterm_connector_pull", ctx=rs.ctx, request=PullRequest(since, resume))
    if pages is None:
        raise ProtocolError(f"{rs.name}: the connector does not implement the pull hook")
    last: PullPage | None = None
    done = 0
    for number, page in enumerate(pages, start=1):
        if number == 1 and check_tenant(rs):
            # Repointed (issue 7): this pull started from the old organisation's watermark or
            # resume cursor and would skip records of the new one; start over, a full pull.
            return pull_phase(rs)
        rs.book.put_remote(rs.name, page.contacts)
        if full:  # only a full pull's marks are read (drop_unseen); others would dirty the mirror
            seen = rs.book.seen[rs.name]
            for record in page.contacts:
                seen[record.key] = token
        done += len(page.contacts)
        rs.counts["pulled"] += len(page.contacts)
        meta["resume"], meta["resume_since"] = page.cursor, since
        if not rs.dry_run and number % SAVE_EVERY_PAGES == 0:
            rs.book.save()
        last = page
        rs.emit("pull", done, page.total, f"pulled {done} records")
    if last is None:
        raise ProtocolError(f"{rs.name}: the pull returned no pages")
    if last.full and full:
        drop_unseen(rs, token)
        meta["last_full_pull"] = now_iso()
    meta["watermark"] = last.watermark or now_iso()
    meta.pop("resume", None)
    meta.pop("resume_since", None)
    return bool(last.full and full)


def drop_unseen(rs: RunState, token: str) -> None:
    """After a complete full pull, forget mirrored records the pull did not see."""
    seen = rs.book.seen[rs.name]
    gone = [key for key in rs.book.remote[rs.name] if seen.get(key) != token]
    for key in gone:
        rs.book.drop_remote(rs.name, key)
    if gone:
        rs.notes.append(f"{len(gone)} records no longer exist in {rs.title()}")


def check_tenant(rs: RunState) -> bool:
    """Pin the book to the organisation it first synced with; refuse another one.

    Return True when the book was just repointed (its mirror and cursors were dropped).
    """
    tenant = str(rs.ctx.state.get("tenant_id") or "")
    if not tenant:
        return False
    meta = rs.book.connector_meta(rs.name)
    pinned = str(meta.get("tenant_id") or "")
    name = str(rs.ctx.state.get("tenant_name") or "")
    if not name and pinned == tenant:
        name = str(meta.get("tenant_name") or "")
    if not name:  # once per book: ask for the organisation's name so people see it, not an id
        found = rs.hooks.call("loftterm_connector_tenants", ctx=rs.ctx) or []
        name = next((t.name for t in found if t.id == tenant), "") or tenant
    if pinned and pinned != tenant:
        if not rs.repoint:
            raise TenantMismatchError(
                f"{rs.name}: this book is pinned to {meta.get('tenant_name') or pinned} ({pinned}) "
                f"but the config reaches {name} ({tenant}); pass --repoint to move the book "
                "(its links to the old organisation are dropped)"
            )
        forget_connector(rs)
        rs.notes.append(f"repointed from {meta.get('tenant_name') or pinned} to {name}")
        meta["tenant_id"], meta["tenant_name"] = tenant, name
        return True
    meta["tenant_id"], meta["tenant_name"] = tenant, name
    return False


def forget_connector(rs: RunState) -> None:
    """Drop a connector's links, mirror and cursors (after an explicit repoint)."""
    book = rs.book
    for link in list(book.links_of_connector(rs.name)):
        book.drop_link(link.profile_id, link.connector, link.role)
    book.remote[rs.name].clear()
    book.seen[rs.name].clear()
    book.touch_remote(rs.name)
    meta = book.connector_meta(rs.name)
    for key in ("watermark", "last_full_pull", "resume", "resume_since"):
        meta.pop(key, None)
