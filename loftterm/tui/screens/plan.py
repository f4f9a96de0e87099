"""Plan: what a sync would do, item by item, before anything is written; ``a`` applies it.

The plan is the engine's (``Console.plan``, the same as ``loftterm --sync --dry-run
--plan-out``): a dry run on a throwaway copy of the book that lists every create, update, link,
import and archive with the remote version it was computed against.  Applying carries out
exactly those items (``Console.apply``) and skips, with the reason, any record that moved
since; each row then shows what happened to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from loftterm.connector import SyncEvent
from loftterm.console import ApplyReport, Plan, summary_lines
from loftterm.tui.screens.base import LofttermScreen
from loftterm.tui.widgets.link_field import connector_title
from loftterm.tui.widgets.rowlist import Column, RowList

RESULT_CLASSES = {s: f"planlist--{s}" for s in ("applied", "skipped", "failed")}


@dataclass(frozen=True)
class PlanRow:
    """One plan item as the list shows it, with apply's result once applied."""

    item: str
    action: str
    connector: str
    profile_id: str
    name: str
    what: str
    result: str = ""
    reason: str = ""

    @classmethod
    def of_item(cls, item: dict[str, Any]) -> PlanRow:
        """Describe a plan item in words: how a link matched, what an update changes."""
        return cls(str(item.get("id", "")), str(item.get("action", "")),
                   str(item.get("connector", "")), str(item.get("profile_id", "")),
                   str(item.get("name", "")), describe_item(item))


def describe_item(item: dict[str, Any]) -> str:
    """What one plan item does, in a few words (the remote id when nothing else says it)."""
    action = str(item.get("action", ""))
    changed = ", ".join(str(f) for f in item.get("changed") or [])
    reason = str(item.get("reason") or "")
    remote = str(item.get("remote_id") or "")
    if action == "link":
        method = str(item.get("method") or "")
        score = float(item.get("score") or 0)
        how = f"by {method}" + (f" {score:.0%}" if method == "name" else "")
        return f"{how} to {remote}" if remote else how
    if action == "import":
        return f"new local profile from {remote}"
    if action == "create":
        return f"new remote {item.get('role') or 'contact'}" + (f": {changed}" if changed else "")
    if action == "update":
        return f"remote fields: {changed}" if changed else f"remote {remote}"
    if action == "update-local":
        return f"local fields: {changed}" if changed else "local fields"
    return reason or changed or remote or "-"


def _result(row: PlanRow) -> str:
    if not row.result:
        return row.what or "-"
    return f"{row.result}: {row.reason or row.what}"


class PlanList(RowList[PlanRow]):
    """The plan's items: action, connector, profile, what (or what happened once applied)."""

    DEFAULT_CSS = """
    PlanList > .planlist--applied { color: $success; }
    PlanList > .planlist--skipped { color: $warning; }
    PlanList > .planlist--failed { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | set(
        RESULT_CLASSES.values())
    EMPTY_TEXT = "Nothing to do: the book and the remote agree."
    _COLUMNS: ClassVar[list[Column[PlanRow]]] = [
        Column("Action", 12, lambda r: r.action),
        Column("Conn.", 9, lambda r: r.connector),
        Column("Profile", 24, lambda r: r.name or r.profile_id),
        Column("What / result", 0, _result, lambda r: RESULT_CLASSES.get(r.result, "")),
    ]

    def columns(self) -> list[Column[PlanRow]]:
        """Action, connector, profile, what (the result after apply, coloured and worded)."""
        return self._COLUMNS

    def search_key(self, row: PlanRow) -> str:
        """Everything shown, and the profile id."""
        return "\t".join((row.action, row.connector, row.name, row.profile_id, row.what,
                          row.result, row.reason))


class PlanScreen(LofttermScreen):
    """Make a plan (in a worker, with progress), show it, apply it on ``a``."""

    TITLE_TEXT = "Plan"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "apply", "Apply", id="plan.apply",
                tooltip="Carry out exactly this plan (records that moved since are skipped)"),
        Binding("escape", "close", "Close", id="plan.close",
                tooltip="Leave the plan (nothing is written unless it was applied)"),
    ]

    def __init__(self, connector: str = "") -> None:
        super().__init__()
        self.connector = connector
        self.plan: Plan | None = None
        self.report: ApplyReport | None = None
        self._applying = False

    def compose(self) -> ComposeResult:
        """Summary above the items, footer."""
        yield Header()
        yield Static(self._what() + ": making the plan…", id="plan-summary")
        yield PlanList(id="plan-list")
        yield Static(id="plan-detail")
        yield Footer()

    def _what(self) -> str:
        return ("a sync of " + connector_title(self.connector) if self.connector
                else "a sync of every connector")

    def on_mount(self) -> None:
        """Make the plan."""
        super().on_mount()
        self.sub_title = f"Plan of {self._what()}"
        self.query_one(PlanList).focus()
        self._make()

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _make(self) -> None:
        def progress(event: SyncEvent) -> None:
            if event.message:
                self.app.call_from_thread(self._progress, event)

        try:
            plan = self.loft.core.plan(self.connector, on_event=progress)
        except Exception as err:  # shown as a notification and in the summary
            self.app.call_from_thread(self._failed, err)
            return
        self.app.call_from_thread(self._show, plan)

    def _progress(self, event: SyncEvent) -> None:
        if self.is_attached and self.plan is None:
            self.query_one("#plan-summary", Static).update(
                f"Making the plan of {escape(self._what())}: "
                f"{escape(connector_title(event.connector))} {escape(event.phase)}: "
                f"{escape(event.message)}")

    def _failed(self, err: Exception) -> None:
        self.loft.show_error(err)
        if self.is_attached:
            self.query_one("#plan-summary", Static).update(
                f"[$error]No plan: {escape(str(err))}[/] (Esc goes back)")

    def _show(self, plan: Plan) -> None:
        self.plan = plan
        if not self.is_attached:
            return
        self.query_one(PlanList).set_rows([PlanRow.of_item(i) for i in plan.items])
        lines = [escape(line) for line in summary_lines(plan)]
        verdict = ("[b]a[/b] applies exactly these items; Esc leaves without writing"
                   if plan.items else "nothing to apply")
        self.query_one("#plan-summary", Static).update(
            f"[b]Plan {escape(plan.id)}[/b]: {len(plan.items)} items, nothing written yet\n"
            + "\n".join(lines) + f"\n[$text-muted]{verdict}[/]")

    def action_apply(self) -> None:
        """Carry out the plan exactly (once)."""
        plan = self.plan
        if plan is None:
            self.notify("The plan is still being made.", severity="warning")
            return
        if self.report is not None or self._applying:
            self.notify("This plan was applied already: Esc, then p for a fresh plan.",
                        severity="warning")
            return
        if not plan.items:
            self.notify("Nothing to apply.")
            return
        if self.loft.sync_running:
            self.notify(f"A sync of {self.loft.sync_running} is running: apply after it ends.",
                        severity="warning")
            return
        self._applying = True
        self.query_one("#plan-summary", Static).update(f"Applying plan {escape(plan.id)}…")
        self.loft.run_write(f"Plan {plan.id} applied", lambda: self.loft.core.apply(plan),
                            self._applied, failed=self._apply_failed)

    def _apply_failed(self) -> None:
        self._applying = False
        if self.plan is not None:
            self._show(self.plan)

    def _applied(self, result: object) -> None:
        self._applying = False
        if not isinstance(result, ApplyReport) or not self.is_attached:
            return
        self.report = result
        outcome = {r.item: r for r in result.items}
        plan_list = self.query_one(PlanList)
        rows = [
            replace(row, result=outcome[row.item].status, reason=outcome[row.item].reason)
            if row.item in outcome else row
            for row in plan_list.visible_rows
        ]
        plan_list.set_rows(rows)
        counts = result.counts()
        skipped = f"{counts['skipped']} skipped"
        if counts["skipped"]:
            skipped += " (moved since the plan: the reason is on the row)"
        runs = ", ".join(f"{connector_title(n)} run {r}" for n, r in result.runs.items())
        errors = "".join(f"\n[$error]{escape(connector_title(n))} stopped: {escape(e)}[/]"
                         for n, e in result.errors.items())
        self.query_one("#plan-summary", Static).update(
            f"[b]Plan {escape(result.plan_id)} applied[/b]: {counts['applied']} applied, "
            f"{escape(skipped)}, {counts['failed']} failed\n{escape(runs)}"
            + (f" · undo with: loftterm undo {escape(next(iter(result.runs.values())))}"
               if result.runs else "")
            + errors)

    @on(RowList.Highlighted, "#plan-list")
    def _detail(self, event: RowList.Highlighted) -> None:
        row = event.row
        if isinstance(row, PlanRow):
            where = f"{row.profile_id} " if row.profile_id else ""
            self.query_one("#plan-detail", Static).update(
                f"[b]{escape(row.action)}[/b] {escape(row.connector)} {escape(where)}"
                f"{escape(row.name)}: {escape(_result(row))}")

    @on(RowList.Chosen, "#plan-list")
    def _open(self, event: RowList.Chosen) -> None:
        row = event.row
        if isinstance(row, PlanRow) and row.action != "import":
            self.loft.open_profile(row.profile_id, row.connector)
        elif isinstance(row, PlanRow):
            self.notify("An import makes a new profile: it exists once the plan is applied.")

    def action_close(self) -> None:
        """Leave the plan."""
        self.dismiss()
