"""The headless facade the CLI and the TUI share: read views, take actions, run syncs.

:class:`Console` is the interface the faces are written against; :class:`BookConsole` is the
console over a real book, put together from its reads, actions and runs.  The engine's types
the faces show (plans, reports, evidence, merge candidates, decisions) and the plan file's reader
and writer are reachable from here, so the faces never import the engine.
"""

from loftterm.console.actions import Actions
from loftterm.console.facade import Console, EventCallback
from loftterm.console.reading import ReadingViews
from loftterm.console.runs import Runs
from loftterm.engine.decide.decisions import Decision
from loftterm.engine.decide.decisions import export as export_decisions
from loftterm.engine.decide.explain import Evidence
from loftterm.engine.decide.merge import MergeCandidate, MergeReport
from loftterm.engine.runs.apply import ApplyReport
from loftterm.engine.runs.plan import Plan, read_plan, summary_lines, write_plan
from loftterm.engine.runs.undo import UndoReport


class BookConsole(ReadingViews, Actions, Runs):
    """The console over a real book file, its config and the installed connectors."""


__all__ = [
    "ApplyReport",
    "BookConsole",
    "Console",
    "Decision",
    "EventCallback",
    "Evidence",
    "MergeCandidate",
    "MergeReport",
    "Plan",
    "UndoReport",
    "export_decisions",
    "read_plan",
    "summary_lines",
    "write_plan",
]
