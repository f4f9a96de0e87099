"""Profile: fields, payable-to, balances, each 'Linked contact' field with its fix, and rules.

The profile is read in a thread worker (with the remote records a duplicate field lists), so a
big book never blocks the UI.  ``/`` opens the relink search (:class:`RelinkScreen`) for the
focused field: one connector and one role (QuickBooks Online has a vendor and a customer field).
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from loftterm.console import Console
from loftterm.models import LinkState, RemoteContact, to_decimal
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.screens.explain import ExplainScreen
from loftterm.tui.screens.relink import RelinkScreen
from loftterm.tui.widgets.link_field import LinkField, connector_title, field_markup
from loftterm.views import Candidate, LinkRow, ProfileView


def money(value: object) -> str:
    """Format a stored amount with two decimals (amounts are kept exact in the book)."""
    return f"{to_decimal(value):,.2f}"


def summary_markup(view: ProfileView) -> str:
    """Name, kind, id, email, payable-to and the balances per connector."""
    p = view.profile
    lines = [f"[b]{escape(p.name)}[/b]  {escape(p.kind)} [$text-muted]{escape(p.id)}[/]"
             + ("  [$warning]archived[/]" if p.archived else ""),
             f"email {escape(p.email or '-')} · phone {escape(p.fields.phone or '-')}"]
    if view.payable_to_name:
        lines.append(f"payable to [b]{escape(view.payable_to_name)}[/b] (organization)")
    for name, bal in sorted(p.balances.items()):
        via = f" (via {escape(str(bal['via']))})" if bal.get("via") else ""
        lines.append(f"{escape(connector_title(name))}: AR {money(bal.get('ar'))} · "
                     f"AP {money(bal.get('ap'))} {escape(str(bal.get('currency', '')))}{via}")
    if p.sync_disabled:
        lines.append("sync off for: " + ", ".join(escape(c) for c in p.sync_disabled))
    into = str(p.extra.get("merged_into") or "")
    if into:
        lines.append(f"[$warning]merged into {escape(into)}[/]: [b]m[/b] unmerges it "
                     "(links, warnings and history go back)")
    return "\n".join(lines)


def duplicate_records(core: Console, view: ProfileView, row: LinkRow) -> list[RemoteContact]:
    """The remote records a duplicate field lists (looked up by email, then by name)."""
    wanted = set(row.candidates)
    found: dict[str, RemoteContact] = {}
    p = view.profile
    for query in dict.fromkeys(q for q in (p.email, p.name) if q):
        if wanted <= set(found):
            break
        for c in core.search_remote(row.connector, query, row.role, 50):
            if c.remote.remote_id in wanted:
                found.setdefault(c.remote.remote_id, c.remote)
    return [found[r] for r in row.candidates if r in found]


def field_markups(core: Console, view: ProfileView) -> list[str]:
    """Every link field's markup (reads the book: call it in a worker)."""
    out = []
    for row in view.links:
        candidates = (duplicate_records(core, view, row)
                      if row.state == LinkState.DUPLICATE and row.candidates else None)
        out.append(field_markup(row, payable_to=view.payable_to_name, candidates=candidates))
    return out


class ProfileScreen(LofttermScreen):
    """One profile; keys act on the focused link field."""

    TITLE_TEXT = "Profile"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "unlink", "Unlink", id="link.unlink",
                tooltip="Clear the focused Linked contact field"),
        Binding("slash", "search", "Relink", id="link.search",
                tooltip="Search the remote contacts for the focused field (and role) and pick one"),
        Binding("d", "toggle_sync", "Sync on/off", id="link.toggle_sync",
                tooltip="Turn sync off or on for this profile and connector"),
        Binding("e", "explain", "Why", id="link.explain",
                tooltip="The evidence for the focused field's link or its best candidates"),
        Binding("m", "merge", "Merge", id="profile.merge",
                tooltip="Merge a local duplicate into this profile (or this one into it); on a "
                        "merged profile, unmerge it"),
        Binding("r", "reload", "Reload", id="profile.reload", show=False,
                tooltip="Read the profile again"),
        Binding("down,j", "next_field(1)", "Next", show=False, id="profile.next",
                tooltip="Next link field", priority=True),
        Binding("up,k", "next_field(-1)", "Previous", show=False, id="profile.previous",
                tooltip="Previous link field", priority=True),
        Binding("escape", "back", "Back", id="profile.back", tooltip="Go back"),
    ]

    def __init__(self, profile_id: str, connector: str = "", role: str = "") -> None:
        super().__init__()
        self.profile_id = profile_id
        self.focus_key = (connector, role)
        self.view: ProfileView | None = None

    def compose(self) -> ComposeResult:
        """Summary, link fields, warnings, rules."""
        yield Header()
        with VerticalScroll(id="profile-body", can_focus=False):
            yield Static("loading…", id="profile-summary")
            yield Vertical(id="profile-links")
            yield Static(id="profile-warnings")
            yield Static(id="profile-rules")
        yield Footer()

    def reload(self) -> None:
        """Read the profile again (in a worker) and redraw every field."""
        focused = self._focused_row()
        if focused is not None:
            self.focus_key = (focused.connector, focused.role)
        self._load()

    @work(thread=True, exclusive=True, group="profile-load", exit_on_error=False)
    def _load(self) -> None:
        core = self.loft.core
        try:
            view = core.profile(self.profile_id)
            markups = field_markups(core, view)
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            return
        self.app.call_from_thread(self._show, view, markups)

    def _show(self, view: ProfileView, markups: list[str]) -> None:
        if not self.is_attached:
            return
        self.view = view
        self.sub_title = f"Profile · {view.profile.name}"
        self.query_one("#profile-summary", Static).update(summary_markup(view))
        box = self.query_one("#profile-links", Vertical)
        box.remove_children()
        fields = [LinkField(row, markup) for row, markup in zip(view.links, markups, strict=True)]
        box.mount_all(fields)
        target = next((f for f in fields if (f.row.connector, f.row.role) == self.focus_key),
                      next((f for f in fields if f.row.connector == self.focus_key[0]),
                           fields[0] if fields else None))
        if target is not None:
            self.call_after_refresh(target.focus)
        warnings = "\n".join(f"[$warning]{escape(w.kind)}[/] {escape(w.connector)}: "
                             f"{escape(w.message)}" for w in view.warnings)
        self.query_one("#profile-warnings", Static).update(
            f"[b]Warnings[/b]\n{warnings}" if warnings else "")
        rules = "\n".join(f"• {escape(rule)}" for rule in view.rules)
        self.query_one("#profile-rules", Static).update(f"[b]Rules[/b]\n{rules}" if rules else "")

    def _focused_row(self) -> LinkRow | None:
        focused = self.focused
        return focused.row if isinstance(focused, LinkField) else None

    def _current(self) -> LinkRow | None:
        row = self._focused_row()
        if row is None and self.view is not None and self.view.links:
            wanted = [r for r in self.view.links if (r.connector, r.role) == self.focus_key]
            row = (wanted or self.view.links)[0]
        if row is None:
            self.notify("This profile has no link field (still loading?).", severity="warning")
        return row

    # -- actions ------------------------------------------------------------------------------

    def action_unlink(self) -> None:
        """Clear the focused field (the seeds' red Unlink button)."""
        row = self._current()
        if row is None:
            return
        if row.state == LinkState.BLANK:
            self.notify("Already blank: / searches for the contact to link.")
            return
        self.loft.run_write(
            f"Unlinked {row.name} from {connector_title(row.connector)} {row.role}",
            lambda: self.loft.core.unlink(row.profile_id, row.connector, row.role),
            lambda _: self._refresh_after_write())

    def action_toggle_sync(self) -> None:
        """Turn sync off (or back on) for this profile and the focused connector."""
        row = self._current()
        if row is None or self.view is None:
            return
        enable = not self.view.profile.sync_enabled(row.connector)
        word = "on" if enable else "off"
        self.loft.run_write(
            f"{connector_title(row.connector)} sync {word} for {row.name}",
            lambda: self.loft.core.set_sync_enabled(row.profile_id, row.connector, enable),
            lambda _: self._refresh_after_write())

    def action_search(self) -> None:
        """Open the relink search for the focused field (its connector and role)."""
        row = self._current()
        if row is None or self.view is None:
            return
        self.focus_key = (row.connector, row.role)
        name = self.view.profile.name
        self.app.push_screen(RelinkScreen(row.profile_id, name, row.connector, row.role, name),
                             lambda picked: self._link(row, picked))

    def action_explain(self) -> None:
        """Show why the focused field is linked (or not) to each plausible remote record."""
        row = self._current()
        if row is None:
            return
        self.focus_key = (row.connector, row.role)
        self.app.push_screen(ExplainScreen(row.profile_id, row.name, row.connector,
                                           state=str(row.state), why=row.explanation))

    def action_merge(self) -> None:
        """Merge a local duplicate of this profile (previewed first); unmerge a merged one."""
        if self.view is None:
            self.notify("The profile is still loading.", severity="warning")
            return
        profile = self.view.profile
        into = str(profile.extra.get("merged_into") or "")
        if into:
            self.loft.run_write(f"Unmerged {profile.name} ({profile.id}) from {into}",
                                lambda: self.loft.core.unmerge(profile.id),
                                lambda _: self._refresh_after_write())
            return
        self.loft.merge_duplicate(profile.id, profile.name, lambda _: self._refresh_after_write())

    def _link(self, row: LinkRow, picked: Candidate | None) -> None:
        if picked is None:
            return
        rid, name = picked.remote.remote_id, picked.remote.name
        title = f"{connector_title(row.connector)} {row.role}"
        self.loft.run_write(
            f"Linked {row.name} to {name} ({rid}) in {title}",
            lambda: self.loft.core.link(row.profile_id, row.connector, rid, row.role),
            lambda _: self._refresh_after_write())

    def action_next_field(self, step: int) -> None:
        """Focus the next (or previous) link field."""
        fields = list(self.query(LinkField))
        if not fields:
            return
        focused = self.focused
        at = fields.index(focused) if isinstance(focused, LinkField) else -step
        fields[(at + step) % len(fields)].focus()

    def action_reload(self) -> None:
        """Read the profile again."""
        self._loaded_version = self.loft.data_version
        self.reload()

    def action_back(self) -> None:
        """Leave the profile."""
        self.dismiss()

    def _refresh_after_write(self) -> None:
        if self.is_attached:
            self._loaded_version = self.loft.data_version
            self.reload()
