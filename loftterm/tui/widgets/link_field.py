"""A profile's 'Linked contact' field for one connector and role, with what to do about it."""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from loftterm.models import LinkState, RemoteContact
from loftterm.tui.widgets.states import STATE_HELP, state_markup, status_markup
from loftterm.views import LinkRow

TITLES = {"xero": "Xero", "qbo": "QuickBooks Online", "sortscape": "SortScape"}

DUPLICATE_ADVICE = (
    "In {title}, search the contact in both the All and the Archived tabs. Restore any archived "
    "duplicate that still has an email, remove its email, merge the duplicates, then sync "
    "{title} here (S). Or pick the right one now with /."
)


def connector_title(name: str) -> str:
    """Return the product name of a connector ("Xero")."""
    return TITLES.get(name, name)


def _remote_line(row: LinkRow) -> str:
    if row.state == LinkState.MISSING and not row.remote_name:
        how = f" · linked by {escape(row.method)}" if row.method else ""
        return (f"[$error]{escape(row.remote_id)}[/] [$text-muted]not in the last pull"
                f"{how}[/]")
    name = escape(row.remote_name or "?")
    email = f" <{escape(row.remote_email)}>" if row.remote_email else ""
    status = status_markup(row.remote_status)
    how = f" · by {escape(row.method)} {row.score:.0%}" if row.method else ""
    rid = row.remote_id if len(row.remote_id) <= 13 else row.remote_id[:12] + "…"
    return f"{name}{email} {status}{how} [$text-muted]{escape(rid)}[/]"


def _advice(row: LinkRow, payable_to: str, title: str) -> list[str]:
    state = row.state
    record = "contact" if row.role == "contact" else row.role
    if state == LinkState.LINKED:
        return ["[dim]u[/] unlink · [dim]/[/] relink · [dim]d[/] turn sync off"]
    if state == LinkState.BLANK:
        return [f"[dim]/[/] search and pick the {title} {record} to relink. Not in the list? "
                f"Changes made in {title} need a sync first (S)."]
    if state == LinkState.MISSING:
        return [f"[b $error]u Unlink[/] clears the stuck field, then [dim]/[/] relink. If Unlink "
                f"sticks, sync {title} (S) and let it run fully."]
    if state == LinkState.ARCHIVED:
        return [f"Restore the contact in {title} and sync, or [dim]/[/] relink to the active one."]
    if state == LinkState.DUPLICATE:
        return [DUPLICATE_ADVICE.format(title=title)]
    if state == LinkState.DISABLED:
        return ["No matching while sync is off; if linked, AR/AP balances still update. "
                "[dim]d[/] turns sync back on."]
    if state == LinkState.MISPLACED:
        org = escape(payable_to or "the organization")
        return [f"[b $error]u[/] fixes it: unlink this profile's own link; bills and credit "
                f"notes post to {org}, whose Linked contact must be set."]
    return []


def field_markup(row: LinkRow, *, payable_to: str = "",
                 candidates: list[RemoteContact] | None = None) -> str:
    """Return the field's markup: heading with the state word, the value, and the advice."""
    title = connector_title(row.connector)
    lines = [f"[b]{escape(title)}[/b] · {escape(row.role)}  {state_markup(str(row.state))}"]
    if not row.explanation and row.state != LinkState.LINKED:
        lines.append(f"  {escape(STATE_HELP.get(str(row.state), ''))}")
    if row.remote_id or row.remote_name:
        lines.append("  " + _remote_line(row))
    if row.state == LinkState.DUPLICATE:
        by_id = {c.remote_id: c for c in candidates or []}
        for rid in row.candidates:
            c = by_id.get(rid)
            detail = (f"{escape(c.name)} <{escape(c.email)}> {status_markup(c.status)}"
                      if c is not None else "")
            lines.append(f"  • [$text-muted]{escape(rid)}[/] {detail}")
    if row.explanation:
        lines.append(f"  {escape(row.explanation)}")
    lines += [f"  → {text}" for text in _advice(row, payable_to, title)]
    return "\n".join(lines)


class LinkField(Static, can_focus=True):
    """One focusable 'Linked contact' field; the profile screen's keys act on the focused one."""

    def __init__(self, row: LinkRow, markup: str) -> None:
        super().__init__(markup, classes=f"link-field state-{row.state}")
        self.row = row
