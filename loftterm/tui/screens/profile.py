"""Profile: fields, payable-to, balances, each 'Linked contact' field with its fix, and rules."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Footer, Header, Input, OptionList, Static

from loftterm.models import LinkState, RemoteContact
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.link_field import LinkField, connector_title, field_markup
from loftterm.tui.widgets.relink import RelinkPanel
from loftterm.views import Candidate, LinkRow, ProfileView


def summary_markup(view: ProfileView) -> str:
    """Name, kind, id, email, payable-to and the balances per connector."""
    p = view.profile
    lines = [f"[b]{escape(p.name)}[/b]  {escape(p.kind)} [$text-muted]{escape(p.id)}[/]"
             + ("  [$warning]archived[/]" if p.archived else ""),
             f"email {escape(p.email or '-')} · phone {escape(p.fields.phone or '-')}"]
    if view.payable_to_name:
        lines.append(f"payable to [b]{escape(view.payable_to_name)}[/b] (organization)")
    for name, bal in sorted(p.balances.items()):
        lines.append(f"{escape(connector_title(name))}: AR {escape(str(bal.get('ar', '0')))} · "
                     f"AP {escape(str(bal.get('ap', '0')))} {escape(str(bal.get('currency', '')))}")
    if p.sync_disabled:
        lines.append("sync off for: " + ", ".join(escape(c) for c in p.sync_disabled))
    return "\n".join(lines)


class ProfileScreen(LofttermScreen):
    """One profile; keys act on the focused link field."""

    TITLE_TEXT = "Profile"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "unlink", "Unlink", id="link.unlink",
                tooltip="Clear the focused Linked contact field"),
        Binding("slash", "search", "Relink", id="link.search",
                tooltip="Search the remote contacts and pick one"),
        Binding("d", "toggle_sync", "Sync on/off", id="link.toggle_sync",
                tooltip="Turn sync off or on for this profile and connector"),
        Binding("down,j", "focus_next", "Next", show=False, id="profile.next"),
        Binding("up,k", "focus_previous", "Previous", show=False, id="profile.previous"),
        Binding("escape", "back", "Back", id="profile.back", tooltip="Close search, or go back"),
    ]

    def __init__(self, profile_id: str, connector: str = "", role: str = "") -> None:
        super().__init__()
        self.profile_id = profile_id
        self.focus_key = (connector, role)
        self.view: ProfileView | None = None

    def compose(self) -> ComposeResult:
        """Summary, link fields, search panel, warnings, rules."""
        yield Header()
        with VerticalScroll(id="profile-body"):
            yield Static(id="profile-summary")
            yield VerticalScroll(id="profile-links")
            yield RelinkPanel()
            yield Static(id="profile-warnings")
            yield Static(id="profile-rules")
        yield Footer()

    def on_mount(self) -> None:
        """Hide the search until asked for."""
        self.query_one(RelinkPanel).display = False
        super().on_mount()

    def reload(self) -> None:
        """Read the profile again and redraw every field."""
        view: ProfileView | None = self.loft.safe(lambda: self.loft.core.profile(self.profile_id),
                                                   None)
        if view is None:
            return
        self.view = view
        self.sub_title = f"Profile · {view.profile.name}"
        self.query_one("#profile-summary", Static).update(summary_markup(view))
        box = self.query_one("#profile-links", VerticalScroll)
        focused = self._focused_row()
        if focused is not None:
            self.focus_key = (focused.connector, focused.role)
        box.remove_children()
        fields = [LinkField(row, self._markup(row, view.payable_to_name)) for row in view.links]
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

    def _markup(self, row: LinkRow, payable_to: str) -> str:
        """Render a field, looking up the remote record(s) it shows (email, candidates)."""
        if not row.remote_name and row.state != LinkState.DUPLICATE:
            return field_markup(row, payable_to=payable_to)
        query = row.remote_name or (self.view.profile.name if self.view else "")
        found: list[Candidate] = self.loft.safe(
            lambda: self.loft.core.search_remote(row.connector, query, row.role, 50), [])
        by_id: dict[str, RemoteContact] = {c.remote.remote_id: c.remote for c in found}
        candidates = [by_id[r] for r in row.candidates if r in by_id]
        return field_markup(row, payable_to=payable_to, remote=by_id.get(row.remote_id),
                            candidates=candidates)

    def _focused_row(self) -> LinkRow | None:
        focused = self.focused
        if isinstance(focused, LinkField):
            return focused.row
        panel = self.query_one(RelinkPanel)
        if panel.display and self.view is not None:
            for row in self.view.links:
                if (row.connector, row.role) == (panel.connector, panel.role):
                    return row
        return None

    def _current(self) -> LinkRow | None:
        row = self._focused_row()
        if row is None and self.view is not None and self.view.links:
            row = self.view.links[0]
        if row is None:
            self.notify("This profile has no link field.", severity="warning")
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
            f"Unlinked {row.name} from {connector_title(row.connector)}",
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
        """Open the relink search for the focused field."""
        row = self._current()
        if row is None or self.view is None:
            return
        self.focus_key = (row.connector, row.role)
        self.query_one(RelinkPanel).open(row.connector, row.role, self.view.profile.name)

    def action_back(self) -> None:
        """Close the search, or leave the profile."""
        panel = self.query_one(RelinkPanel)
        if panel.display:
            panel.display = False
            self._refocus()
        else:
            self.dismiss()

    def _refocus(self) -> None:
        for item in self.query(LinkField):
            if (item.row.connector, item.row.role) == self.focus_key:
                item.focus()
                return

    def _refresh_after_write(self) -> None:
        self._loaded_version = self.loft.data_version
        self.query_one(RelinkPanel).display = False
        self.reload()

    # -- search -------------------------------------------------------------------------------

    @on(Input.Changed, "#relink-query")
    def _query_changed(self, event: Input.Changed) -> None:
        panel = self.query_one(RelinkPanel)
        self._search(panel, event.value)

    @on(Input.Submitted, "#relink-query")
    def _query_submitted(self) -> None:
        results = self.query_one("#relink-results", OptionList)
        results.focus()
        if results.highlighted is None and results.option_count:
            results.highlighted = 0

    @work(thread=True, exclusive=True, group="relink-search", exit_on_error=False)
    def _search(self, panel: RelinkPanel, query: str) -> None:
        try:
            found = self.loft.core.search_remote(panel.connector, query, panel.role)
        except Exception as err:  # shown as a notification
            self.app.call_from_thread(self.loft.show_error, err)
            return
        self.app.call_from_thread(panel.show_results, found)

    @on(OptionList.OptionSelected, "#relink-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        panel = self.query_one(RelinkPanel)
        candidate = panel.chosen(event.option_index)
        if candidate is None:
            return
        rid, name = candidate.remote.remote_id, candidate.remote.name
        pid, connector, role = self.profile_id, panel.connector, panel.role
        self.loft.run_write(
            f"Linked to {name} ({rid}) in {connector_title(connector)}",
            lambda: self.loft.core.link(pid, connector, rid, role),
            lambda _: self._refresh_after_write())
