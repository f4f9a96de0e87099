"""Fixtures for the reliability tests: sandboxes served here, the CLI run in or out of process."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.cli import main
from loftterm.console import BookConsole
from loftterm.demo import seed_demo_book
from tests.engine.conftest import FastSleep
from tests.reliability.harness import write_config

API_KEY = "sk-live-9f8e7d6c5b4a39281706"  # SortScape key of these tests: must never be shown


@dataclass
class CliResult:
    """What an in-process ``loftterm`` run returned and printed (and the waits it asked for)."""

    code: int
    out: str
    err: str
    waits: list[float]


@pytest.fixture
def sleeper() -> FastSleep:
    return FastSleep()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        sleeper: FastSleep) -> Callable[..., CliResult]:
    """Run ``loftterm.cli.main`` here, the console's waits recorded instead of slept."""
    monkeypatch.setattr("loftterm.cli.BookConsole", functools.partial(BookConsole, sleep=sleeper))

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        start = len(sleeper.waits)
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err, sleeper.waits[start:])

    return run


def _serve(sandbox: Any) -> Iterator[Any]:
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def xero() -> Iterator[XeroSandbox]:
    yield from _serve(XeroSandbox())


@pytest.fixture
def qbo() -> Iterator[QboSandbox]:
    yield from _serve(QboSandbox())


@pytest.fixture
def sortscape() -> Iterator[SortScapeSandbox]:
    yield from _serve(SortScapeSandbox(api_key=API_KEY))


def sections(xero: XeroSandbox | None = None, qbo: QboSandbox | None = None,
             sortscape: SortScapeSandbox | None = None,
             extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Config sections for the given sandboxes (``extra``: keys added per connector)."""
    extra = extra or {}
    out: dict[str, Any] = {}
    for name, sandbox in (("xero", xero), ("qbo", qbo), ("sortscape", sortscape)):
        if sandbox is not None:
            out[name] = {"enabled": True, **sandbox.connector_settings(), **extra.get(name, {})}
    return out


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write ``loftterm.yaml`` (and the demo book) in tmp_path; return the config's path."""

    def make(connectors: dict[str, Any], *, demo_book: bool = True, **top: Any) -> Path:
        config = write_config(tmp_path / "loftterm.yaml", connectors, **top)
        book = tmp_path / "book.json"
        if demo_book and not book.exists():
            seed_demo_book(book, [n for n in connectors if n != "qbo"])
        return config

    return make


def book_state(path: Path) -> tuple[dict[str, Any], dict[Any, Any], dict[str, Any]]:
    """The profiles, links and mirror of a book, comparable across runs."""
    book = Book.open(path)
    return (
        {pid: p.to_dict() for pid, p in book.profiles.items()},
        {key: (link.remote_id, link.method) for key, link in book.links.items()},
        {name: sorted(records) for name, records in book.remote.items() if records},
    )


def one_line_errors(err: str) -> list[str]:
    """The non-empty lines of stderr; fails on a traceback."""
    assert "Traceback" not in err, err
    return [line for line in err.splitlines() if line.strip()]

