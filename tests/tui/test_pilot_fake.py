"""Pilot tests driving the TUI over the in-memory FakeConsole at 80x24."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.widgets import Label

from loftterm.connector import SyncEvent
from loftterm.errors import RemoteError
from loftterm.models import LinkState
from loftterm.tui.commands import LofttermCommands
from loftterm.tui.messages import ActionDone, SyncFinished, SyncProgress, SyncStarted
from loftterm.tui.screens.links import FIRST_ROWS as LINKS_FIRST_ROWS
from loftterm.tui.screens.links import LinksScreen
from loftterm.tui.screens.merge import MergeScreen
from loftterm.tui.screens.plan import PlanList, PlanScreen
from loftterm.tui.screens.profile import ProfileScreen
from loftterm.tui.screens.relink import RelinkScreen
from loftterm.tui.screens.review import ReviewScreen
from loftterm.tui.screens.warnings import WarningList
from loftterm.tui.syncing import ConnectorProgress
from loftterm.tui.widgets.connector_panel import ConnectorPanel, PhaseRow
from loftterm.tui.widgets.link_field import LinkField
from loftterm.tui.widgets.linklist import LinkList
from loftterm.views import LinkRow

from .fakes import FakeConsole
from .helpers import frozen_app, record_notifications, settle

SIZE = (80, 24)


@pytest.mark.asyncio
async def test_full_sync_from_dashboard_posts_progress_and_finishes() -> None:
    fake = FakeConsole()
    seen: list[Message] = []
    app = frozen_app(fake)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("S")
        await settle(pilot)
        assert ("sync", "") in fake.calls
        assert any(isinstance(m, SyncStarted) for m in seen)
        phases = {(m.event.connector, m.event.phase) for m in seen if isinstance(m, SyncProgress)}
        assert ("xero", "pull") in phases and ("sortscape", "diagnose") in phases
        finished = [m for m in seen if isinstance(m, SyncFinished)]
        assert len(finished) == 1 and finished[0].report is not None and finished[0].report.ok
        assert app.sync_running == ""


@pytest.mark.asyncio
async def test_sync_shows_live_phases_stays_responsive_and_cancels() -> None:
    fake = FakeConsole()
    fake.pause_after = 3
    fake.resume = threading.Event()
    seen: list[Message] = []
    app = frozen_app(fake)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("s")  # the focused panel: xero
        while not fake.paused.is_set():
            await pilot.pause(0.01)
        await pilot.pause()
        rows = list(app.dashboard.query(PhaseRow))
        assert [r.phase for r in rows] == ["pull"]
        await pilot.press("2")  # the UI still answers during the sync
        assert isinstance(app.screen, LinksScreen)
        await pilot.press("1", "c")
        fake.resume.set()
        await settle(pilot)
        finished = [m for m in seen if isinstance(m, SyncFinished)]
        assert finished and finished[0].cancelled and finished[0].connector == "xero"
        assert not list(app.dashboard.query(PhaseRow))


@pytest.mark.asyncio
async def test_sync_error_becomes_a_notification() -> None:
    fake = FakeConsole()
    fake.sync_error = RemoteError("xero: GET /Contacts answered 503", title="Remote failure")
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await pilot.press("S")
        await settle(pilot)
        assert ("Remote failure", "xero: GET /Contacts answered 503", "error") in notes
        assert app.is_running and app.sync_running == ""


async def _open_profile(pilot: object, name: str) -> ProfileScreen:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("slash", *name, "enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProfileScreen)
    return screen


@pytest.mark.asyncio
async def test_unlink_a_missing_link() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_profile(pilot, "ann chu")
        assert isinstance(screen.focused, LinkField)
        assert screen.focused.row.state == LinkState.MISSING
        await pilot.press("u")
        await settle(pilot)
        assert ("unlink", "P-004", "xero", "contact") in fake.calls
        field = screen.query_one(LinkField)
        assert field.row.state == LinkState.BLANK
        # the Links list shows the change without a reload
        await pilot.press("escape")
        links = app.links.query_one(LinkList)
        assert links.highlighted is not None and links.highlighted.state == LinkState.BLANK


@pytest.mark.asyncio
async def test_relink_through_search() -> None:
    fake = FakeConsole()
    seen: list[Message] = []
    app = frozen_app(fake)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = await _open_profile(pilot, "bob stone")
        await pilot.press("slash")
        await settle(pilot)
        relink = app.screen
        assert isinstance(relink, RelinkScreen)
        assert relink.candidates[0].remote.remote_id == "X-5"
        await pilot.press("enter")  # from the query to the results
        await pilot.press("enter")  # pick the first
        await settle(pilot)
        assert ("link", "P-005", "xero", "X-5", "contact") in fake.calls
        assert any(isinstance(m, ActionDone) and m.ok for m in seen)
        assert app.screen is screen
        assert screen.query_one(LinkField).row.state == LinkState.LINKED


@pytest.mark.asyncio
async def test_search_with_several_candidates_says_what_to_do_in_xero() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await _open_profile(pilot, "cara")
        await pilot.press("slash", *"@diaz.net")
        await pilot.press("home")
        await pilot.press("ctrl+k", *"cara@diaz.net")
        await settle(pilot)
        relink = app.screen
        assert isinstance(relink, RelinkScreen)
        assert [c.remote.remote_id for c in relink.candidates][:2] == ["X-6", "X-6B"]
        warning = relink.query_one("#relink-warning")
        assert warning.display
        text = str(warning.render())
        assert "All and the Archived tabs" in text and "merge" in text and "remove its email" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, RelinkScreen)


@pytest.mark.asyncio
async def test_disable_sync_for_a_profile() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_profile(pilot, "tom baker")
        focused = screen.focused
        assert isinstance(focused, LinkField) and focused.row.connector == "xero"
        await pilot.press("d")
        await settle(pilot)
        assert ("set_sync_enabled", "P-001", "xero", False) in fake.calls
        assert "xero" in fake.profiles["P-001"].sync_disabled


@pytest.mark.asyncio
async def test_accept_a_review_taking_a_field_from_the_left() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("down", "down", "down", "left")  # company: take the ledger (Xero) value
        await pilot.press("a")
        await settle(pilot)
        assert ("decide_proposal", "PR-1", True, {"company": "left"}) in fake.calls
        assert not isinstance(app.screen, ReviewScreen)


@pytest.mark.asyncio
async def test_reject_a_review() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "x")
        await settle(pilot)
        assert ("decide_proposal", "PR-1", False, {}) in fake.calls


@pytest.mark.asyncio
async def test_open_a_warning_and_a_review_from_the_warnings() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        entries = app.screen.query_one(WarningList).visible_rows
        assert entries[0].kind == "review" and entries[1].kind == "duplicate"
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.profile_id == "P-006"


@pytest.mark.asyncio
async def test_filter_the_links_by_state_and_text() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        links = app.links.query_one(LinkList)
        assert links.match_count == 13
        await pilot.press("t")
        assert {r.state for r in links.visible_rows} == {LinkState.LINKED}
        await pilot.press("t", "t")
        assert [r.name for r in links.visible_rows] == ["Ann Chu"]
        await pilot.press("escape", "slash", *"tom")
        assert {r.name for r in links.visible_rows} == {"Tom Baker"}
        await pilot.press("enter", "c", "c")  # connector filter: qbo
        assert [r.role for r in links.visible_rows] == ["vendor", "customer"]


@pytest.mark.asyncio
async def test_keymap_remaps_a_binding_and_reports_unknown_ids() -> None:
    fake = FakeConsole()
    app = frozen_app(fake, keymap={"sync.all": "y", "nope.nothing": "z"})
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        await settle(pilot)
        assert ("sync", "") in fake.calls
        assert any("nope.nothing" in message for _, message, _ in notes)


@pytest.mark.asyncio
async def test_command_palette_runs_a_namespaced_command() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"sync: qbo")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert ("sync", "qbo") in fake.calls


@pytest.mark.asyncio
async def test_auto_sync_counts_down_and_runs() -> None:
    fake = FakeConsole()
    now = [0.0]
    from loftterm.tui import make_app

    app = make_app(fake, every_minutes=1, clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.tick()
        assert "auto-sync in 01:00" in str(app.dashboard.query_one("#last-sync").render())
        now[0] = 61.0
        app.tick()
        await settle(pilot)
        assert ("sync", "") in fake.calls


@pytest.mark.asyncio
async def test_help_lists_every_binding_with_its_id() -> None:
    app = frozen_app(FakeConsole(), keymap={"sync.all": "y"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        from loftterm.tui.screens.help import HelpList

        rows = app.screen.query_one(HelpList).visible_rows
        ids = {r.id: r.keys for r in rows}
        assert ids["sync.all"] == "y"
        assert {"links.filter", "link.unlink", "review.take_left", "sync.cancel"} <= set(ids)


@pytest.mark.asyncio
async def test_dashboard_fits_80x24_with_a_readable_key_line() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        summary = str(app.dashboard.query_one("#dashboard-summary").render())
        assert "[2] Links" in summary and "[3] Warnings (5)" in summary
        assert "[5] Review (1)" in summary and "[S] Sync all" in summary
        panels = list(app.dashboard.query(ConnectorPanel))
        assert len(panels) == 3 and app.dashboard.query_one("#panels").max_scroll_y == 0
        assert all(p.region.height == 4 for p in panels)  # title, last sync, states, pending
        why = str(app.dashboard.query_one("#connector-why").render())
        assert "5 profiles edited locally" in why  # every reason of the highlighted connector
        await pilot.press("j")
        assert app.dashboard.focused is panels[1]
        why = str(app.dashboard.query_one("#connector-why").render())
        assert "Duplicate Name Exists Error" in why


@pytest.mark.asyncio
async def test_progress_that_reaches_a_panel_before_its_lines_shows_once_mounted() -> None:
    """A sync's first event can reach a panel mounted that instant (a dashboard reload)."""
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.dashboard.query(ConnectorPanel).first()
        panel = ConnectorPanel(first.status)
        progress = ConnectorProgress()
        progress.apply(SyncEvent(first.status.name, "pull", 3, 10, "pulling"))
        panel.show_progress(progress)  # no lines yet: kept for on_mount
        panel.update_status(first.status)
        await first.remove()
        await app.dashboard.query_one("#panels").mount(panel)
        await settle(pilot)
        rows = list(panel.query(PhaseRow))
        assert [row.phase for row in rows] == ["pull"] and panel.has_class("-syncing")
        panel.clear_progress()
        await settle(pilot)
        assert not panel.query(PhaseRow) and panel.progress is None


@pytest.mark.asyncio
async def test_qbo_relink_acts_on_the_focused_role() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_profile(pilot, "tom baker")
        await pilot.press("j", "j")  # xero contact -> qbo vendor -> qbo customer
        focused = screen.focused
        assert isinstance(focused, LinkField) and focused.row.role == "customer"
        await pilot.press("slash")
        await settle(pilot)
        relink = app.screen
        assert isinstance(relink, RelinkScreen)
        assert (relink.connector, relink.role) == ("qbo", "customer")
        assert [c.remote.remote_id for c in relink.candidates] == ["Q-2"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert ("link", "P-001", "qbo", "Q-2", "customer") in fake.calls


@pytest.mark.asyncio
async def test_an_organization_write_refreshes_its_payees_in_the_links_list() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await _open_profile(pilot, "sarah lee")
        await pilot.press("u")  # Sarah's own link: blank is right while Lee Realty is linked
        await settle(pilot)
        await pilot.press("escape", "escape")
        links = app.links.query_one(LinkList)

        def sarah() -> LinkState:
            return next(r.state for r in links.visible_rows if r.profile_id == "P-002")

        assert sarah() == LinkState.BLANK
        await pilot.press("slash", *"lee realty", "enter", "enter")
        await settle(pilot)
        await pilot.press("u")  # the organization's link
        await settle(pilot)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert sarah() == LinkState.MISPLACED  # without `r`
        assert links.highlighted is not None and links.highlighted.profile_id == "P-003"


def test_every_binding_has_an_id_and_a_description() -> None:
    from loftterm.tui.app import LofttermApp
    from loftterm.tui.screens.help import SCOPES, HelpScreen

    nodes: list[type[DOMNode]] = [LofttermApp, HelpScreen, *(node for _, node in SCOPES)]
    for node in nodes:
        for binding in node.BINDINGS:
            assert isinstance(binding, Binding), (node, binding)
            assert binding.id and binding.description, (node.__name__, binding.key)
    ids = [b.id for _, node in SCOPES for b in node.BINDINGS if isinstance(b, Binding)]
    assert len(ids) == len(set(ids))


@pytest.mark.asyncio
async def test_the_palette_offers_the_namespaced_commands() -> None:
    app = frozen_app(FakeConsole())
    async with app.run_test(size=SIZE) as pilot:
        await _open_profile(pilot, "tom baker")
        provider = LofttermCommands(app.screen)
        titles = [title for title, _, _ in provider._commands()]
    assert {"sync: all", "sync: xero", "sync: cancel", "go: links", "go: review",
            "links: show missing", "links: connector qbo", "link: unlink current",
            "link: relink current", "link: toggle sync current"} <= set(titles)


class _SlowRows(FakeConsole):
    """Derives its link rows slowly: it stops after the first screen's worth until released."""

    def __init__(self) -> None:
        super().__init__(extra_rows=LINKS_FIRST_ROWS + 500)
        self.release = threading.Event()

    def iter_link_rows(self) -> Iterator[LinkRow]:
        for i, row in enumerate(self.rows):
            if i == LINKS_FIRST_ROWS:
                self.release.wait(10)
            yield row


@pytest.mark.asyncio
async def test_links_paint_the_first_rows_before_every_row_is_derived() -> None:
    fake = _SlowRows()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        links = app.links.query_one(LinkList)
        for _ in range(500):
            if links.row_count:
                break
            await pilot.pause(0.01)
        assert links.row_count == LINKS_FIRST_ROWS
        assert "loading" in str(app.links.query_one("#links-facets", Label).render())
        await pilot.press("slash", *"bulk person 00000")  # filters the rows known so far
        assert links.match_count == 10
        fake.release.set()
        await settle(pilot)
        assert links.row_count == len(fake.rows)
        assert links.match_count == 10  # the typed filter survives the full load
        assert "loading" not in str(app.links.query_one("#links-facets", Label).render())


@pytest.mark.asyncio
async def test_plan_is_applied_once_and_not_during_a_sync() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.sync_running = "xero"
        await pilot.press("p")
        assert not isinstance(app.screen, PlanScreen)  # refused while a sync runs
        app.sync_running = ""
        await pilot.press("P")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.connector == ""
        await pilot.press("a", "a")
        await settle(pilot)
        assert fake.calls.count(("apply", "PLAN-1")) == 1
        rows = screen.query_one(PlanList).visible_rows
        assert [r.result for r in rows].count("skipped") == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanScreen)


@pytest.mark.asyncio
async def test_not_the_same_only_answers_duplicate_warnings() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        warnings = app.screen.query_one(WarningList)
        kinds = [e.kind for e in warnings.visible_rows]
        warnings.cursor = kinds.index("missing")
        await pilot.press("n")
        await settle(pilot)
        assert not any(c[0] == "reject_candidates" for c in fake.calls)
        assert any("duplicate and suggested" in message for _, message, _ in notes)
        warnings.cursor = kinds.index("duplicate")
        await pilot.press("n")
        await settle(pilot)
        assert ("reject_candidates", "P-006", "xero") in fake.calls
        assert "duplicate" not in [e.kind for e in warnings.visible_rows]


@pytest.mark.asyncio
async def test_merge_waits_for_its_preview_and_can_keep_the_other_profile() -> None:
    fake = FakeConsole()
    app = frozen_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "slash", *"cara", "enter", "enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        await pilot.press("s")  # keep P-011, merge Cara (P-006) into it
        await settle(pilot)
        assert merge.preview is not None and merge.preview.survivor_id == "P-011"
        await pilot.press("enter")
        await settle(pilot)
        assert ("merge", "P-011", "P-006") in fake.calls
