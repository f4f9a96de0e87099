"""The command palette: namespaced commands ("sync: all", "go: links", "link: unlink current")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from loftterm.models import LinkState

if TYPE_CHECKING:
    from loftterm.tui.app import LofttermApp

Command = tuple[str, Callable[[], object], str]


class LofttermCommands(Provider):
    """Syncs, navigation, link actions on the current profile, and link-list filters."""

    def _commands(self) -> list[Command]:
        from loftterm.tui.screens.profile import ProfileScreen

        app = cast("LofttermApp", self.app)
        names = app.connector_names
        cmds: list[Command] = [("sync: all", partial(app.action_sync, ""),
                                "Sync every enabled connector")]
        cmds += [(f"sync: {n}", partial(app.action_sync, n), f"Sync {n} only") for n in names]
        cmds.append(("sync: cancel", app.action_cancel_sync, "Stop the running sync"))
        cmds.append(("plan: all", partial(app.action_plan, ""),
                     "Show what a sync of every connector would do, then apply it"))
        cmds += [(f"plan: {n}", partial(app.action_plan, n),
                  f"Show what a sync of {n} would do, then apply it") for n in names]
        for mode in ("dashboard", "links", "warnings", "runs"):
            cmds.append((f"go: {mode}", partial(app.action_go, mode), f"Show the {mode} screen"))
        cmds.append(("go: review", app.action_review, "Link to existing contacts (SortScape)"))
        cmds.append(("go: help", app.action_help, "Every key binding"))
        for state in LinkState:
            cmds.append((f"links: show {state}", partial(app.filter_links, state=str(state)),
                         f"Links in state {state}"))
        cmds += [(f"links: connector {n}", partial(app.filter_links, connector=n),
                  f"Links of {n}") for n in names]
        screen = self.screen
        if isinstance(screen, ProfileScreen):
            cmds += [("link: unlink current", screen.action_unlink, "Clear the focused link field"),
                     ("link: relink current", screen.action_search,
                      "Search and pick the contact for the focused field (and role)"),
                     ("link: toggle sync current", screen.action_toggle_sync,
                      "Turn sync off or on for this profile")]
        return cmds

    async def discover(self) -> Hits:
        """Offer every command before anything is typed."""
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the commands."""
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
