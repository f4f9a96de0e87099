"""Benchmark of the Links list in the TUI: first paint and filter keystrokes over 100k rows.

    python bench/tui_bench.py              # 100k rows
    python bench/tui_bench.py --quick      # 20k rows
    python bench/tui_bench.py --rows 200000 --json out.json

Driven with Textual's pilot (headless, 120x40), in a fresh child process.  Two setups:

* ``widget``: a minimal app holding an ``Input`` and ``LinkList(rows)`` (the widget the Links
  screen uses, built from a list of ``LinkRow``), the input filtering the list on every change,
  as the screen does;
* ``screen``: the real app (``make_app``) over the TUI tests' in-memory ``FakeConsole`` with the
  extra rows, switched to the Links screen (its worker loads and indexes the rows); skipped when
  the test fakes cannot be imported;
* ``book``: the real app over a real ``BookConsole`` on a generated book of N profiles
  (``book_bench.build_book``: Xero links, mirror, warnings), opened before the clock starts (the
  target is "after the book is loaded"); the worker derives every link state from the book.

"first paint" is from starting the app (widget) or pressing ``2`` (screen, book) until the first
list row is rendered; "all rows" until every row is loaded and painted.  A keystroke is from
pressing the key until the list has rendered the new result.  Each keystroke of ``smith``
narrows the previous matches; backspace widens again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import load_note, peak_mb, run_child, table, verdict

SIZE = (120, 40)
TARGETS = {"first_paint_s": 0.5, "keystroke_ms": 100.0}
TYPED = "smith"
FIRST = ("Olivia Jack Charlotte William Amelia Oliver Isla Henry Mia Lucas Grace Leo Chloe "
         "Thomas Zoe James Ruby Ethan Sophie Mason Hannah Samuel Aisha Kenji Mei Arjun").split()
LAST = ("Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson Walker "
        "Thompson Harris Lee Ryan Kelly King Campbell Clarke Singh Wang Kaur Murphy").split()


def make_rows(n: int) -> list[Any]:
    """Realistic link rows: names, states, remote names and explanations (fixed seed)."""
    from loftterm.models import LinkState
    from loftterm.views import LinkRow

    rng = random.Random(3)
    states = list(LinkState)
    weights = [70, 15, 3, 4, 2, 3, 3]
    rows = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        state = rng.choices(states, weights)[0]
        linked = state in (LinkState.LINKED, LinkState.ARCHIVED, LinkState.MISSING)
        rows.append(LinkRow(
            profile_id=f"P{i:08x}", name=name, kind=rng.choice(("contact", "agent", "customer")),
            connector=rng.choice(("xero", "qbo")), role="contact", state=state,
            remote_id=f"{rng.getrandbits(64):016x}" if linked else "",
            remote_name=name if linked else "", remote_status="active" if linked else "",
            method="email" if linked else "", score=1.0 if linked else 0.0,
            explanation="linked by email" if linked else "no linked contact: search to relink",
        ))
    return rows


class Paints:
    """Timestamps of list renders (patched into LinkList.render_line)."""

    def __init__(self) -> None:
        self.last = 0.0
        self.first_row = 0.0

    def install(self) -> None:
        from loftterm.tui.widgets.linklist import LinkList

        original = LinkList.render_line
        paints = self

        def render_line(widget: Any, y: int) -> Any:
            strip = original(widget, y)
            now = time.perf_counter()
            paints.last = now
            if y == 1 and widget.row_count and not paints.first_row:
                paints.first_row = now
            return strip

        LinkList.render_line = render_line  # type: ignore[method-assign,assignment]


async def _keystrokes(pilot: Any, paints: Paints, keys: list[str]) -> list[float]:
    """Press each key; return ms from the press until the list finished re-rendering."""
    out = []
    for key in keys:
        started = time.perf_counter()
        paints.last = 0.0
        await pilot.press(key)
        await pilot.pause()
        deadline = time.perf_counter() + 5
        while not paints.last and time.perf_counter() < deadline:
            await pilot.pause(0.001)
        out.append(((paints.last or time.perf_counter()) - started) * 1000)
    return out


async def widget_case(n: int) -> dict[str, Any]:
    """The minimal app: Input + LinkList(rows)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from loftterm.tui.widgets.linklist import LinkList

    rows = make_rows(n)
    paints = Paints()
    paints.install()

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="text")
            yield LinkList(rows, id="list")

        def on_input_changed(self, event: Input.Changed) -> None:
            self.query_one(LinkList).filter(event.value)

    started = time.perf_counter()
    app = Bench()
    async with app.run_test(size=SIZE) as pilot:
        while not paints.first_row:
            await pilot.pause(0.001)
        first = paints.first_row - started
        linklist = app.query_one(LinkList)
        index_s = time.perf_counter()
        linklist.set_rows(rows)
        index_s = time.perf_counter() - index_s
        app.query_one(Input).focus()
        await pilot.pause()
        typed = await _keystrokes(pilot, paints, list(TYPED))
        matches = linklist.match_count
        erased = await _keystrokes(pilot, paints, ["backspace"] * len(TYPED))
        started = time.perf_counter()
        linklist.filter("", state="missing")
        facet_ms = (time.perf_counter() - started) * 1000
    return {"setup": "widget", "rows": n, "first_paint_s": first, "set_rows_s": index_s,
            "typed_ms": typed, "erased_ms": erased, "facet_ms": facet_ms,
            "matches_after_typing": matches, "peak_mb": peak_mb()}


async def links_screen_case(setup: str, console: Any, n: int) -> dict[str, Any]:
    """The real app over ``console``: press ``2``, wait for every row, then type a filter."""
    from textual.widgets import Input

    from loftterm.tui import make_app
    from loftterm.tui.widgets.linklist import LinkList

    expected = sum(1 for _ in console.iter_link_rows())
    paints = Paints()
    paints.install()
    app = make_app(console, clock=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        paints.first_row = 0.0
        started = time.perf_counter()
        await pilot.press("2")
        while app.screen.query_one(LinkList).row_count < expected:
            await pilot.pause(0.001)
            if time.perf_counter() - started > 120:
                raise RuntimeError("the Links screen did not load")
        await pilot.pause()
        everything = paints.last - started
        first = paints.first_row - started
        await app.workers.wait_for_complete()  # the search keys
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        typed = await _keystrokes(pilot, paints, list(TYPED))
        erased = await _keystrokes(pilot, paints, ["backspace"] * len(TYPED))
    return {"setup": setup, "rows": n, "first_paint_s": first, "all_rows_s": everything,
            "typed_ms": typed, "erased_ms": erased, "peak_mb": peak_mb()}


def _book_console(n: int, work: Path) -> Any:
    """A BookConsole over a generated book of ``n`` profiles (Xero only, never synced here)."""
    from book_bench import build_book

    from loftterm.config import config_from_mapping
    from loftterm.console import BookConsole
    from loftterm.plugins import make_plugin_manager

    book = work / "book.json"
    build_book(book, n)
    pm = make_plugin_manager()
    section = {"xero": {"enabled": True, "client_id": "bench", "client_secret": "bench"},
               "qbo": {"enabled": False}, "sortscape": {"enabled": False}}
    config = config_from_mapping({"book": str(book), "connectors": section}, pm, base_dir=work,
                                 source="<bench>")
    console = BookConsole(config, pm)
    console.book()  # "after the book is loaded"
    return console


def _child(setup: str, n: int) -> dict[str, Any]:
    if setup == "widget":
        return asyncio.run(widget_case(n))
    if setup == "book":
        with tempfile.TemporaryDirectory() as work:
            return asyncio.run(links_screen_case("book", _book_console(n, Path(work)), n))
    try:
        from tests.tui.fakes import FakeConsole
    except Exception as exc:  # the test fakes are someone else's and may be in flux
        return {"setup": "screen", "rows": n, "skipped": f"{exc.__class__.__name__}: {exc}"}
    return asyncio.run(links_screen_case("screen", FakeConsole(extra_rows=n), n))


def report(results: dict[str, Any]) -> str:
    """The results as a Markdown table with the targets."""
    rows = []
    for res in results["cases"]:
        if "skipped" in res:
            rows.append([res["setup"], f"{res['rows']:,}", "skipped", "", "", "", res["skipped"]])
            continue
        keys = res["typed_ms"] + res["erased_ms"]
        worst = max(keys)
        rows.append([
            res["setup"], f"{res['rows']:,}",
            f"{res['first_paint_s'] * 1000:.0f} ms "
            f"({verdict(res['first_paint_s'], TARGETS['first_paint_s'])})",
            " ".join(f"{v:.0f}" for v in res["typed_ms"]),
            " ".join(f"{v:.0f}" for v in res["erased_ms"]),
            f"{statistics.median(keys):.0f} / {worst:.0f} ms "
            f"({verdict(worst, TARGETS['keystroke_ms'])})",
            (f"all rows {res['all_rows_s'] * 1000:.0f} ms, " if "all_rows_s" in res else "")
            + f"peak {res['peak_mb']:.0f} MB"
            + (f", set_rows {res['set_rows_s'] * 1000:.0f} ms, state facet "
               f"{res['facet_ms']:.0f} ms" if "set_rows_s" in res else ""),
        ])
    headers = ["setup", "rows", "first paint (< 500 ms)", f"typing '{TYPED}' ms",
               "backspaces ms", "keystroke median / worst (< 100 ms)", "notes"]
    return "\n".join([table(headers, rows), "",
                      f"{results['load_before']} before, {results['load_after']} after"])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Benchmark of the TUI Links list.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20k rows")
    parser.add_argument("--setups", default="widget,screen,book")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--child", nargs=2, metavar=("SETUP", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return {}
    n = 20_000 if args.quick else args.rows
    results: dict[str, Any] = {"load_before": load_note(), "cases": []}
    for setup in args.setups.split(","):
        results["cases"].append(run_child(Path(__file__), ["--child", setup, str(n)]))
    results["load_after"] = load_note()
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
