"""One writer: the TUI's console and a cron ``--sync`` never write the same book at once.

The second writer waits briefly, then gives up naming the holder (exit 4 for the CLI); a lock
left by a process killed mid-write is free at once (``flock`` dies with its process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.book.lock import BookLock, lock_path
from loftterm.config import load_config
from loftterm.console import BookConsole
from loftterm.errors import BookLockedError
from loftterm.models import LinkState
from loftterm.plugins import make_plugin_manager
from tests.reliability.conftest import CliResult, one_line_errors, sections
from tests.reliability.harness import ROOT, cli_env, kill, run_cli, start_cli

HOLD = (
    "import sys, time; from pathlib import Path; from loftterm.book.lock import BookLock\n"
    "lock = BookLock(Path(sys.argv[1]), purpose=sys.argv[2]); lock.acquire()\n"
    "print('held', flush=True); time.sleep(120)\n"
)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start processes that take the book's lock and keep it until killed."""
    started: list[subprocess.Popen[str]] = []

    def hold(purpose: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "book.json"), purpose],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT, env=cli_env())
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        started.append(proc)
        return proc

    yield hold
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def wait_for(predicate: Callable[[], bool], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def test_cron_sync_gives_up_with_exit_4_naming_the_holder_and_changes_nothing(
    make_config: Callable[..., Path], xero: XeroSandbox, tmp_path: Path,
    holder: Callable[[str], subprocess.Popen[str]],
) -> None:
    config = make_config(sections(xero=xero))
    before = (tmp_path / "book.json").read_bytes()
    tui = holder("review")
    done = run_cli("--sync", "--config", str(config))
    assert done.returncode == 4
    [line] = one_line_errors(done.stderr)
    assert f"pid {tui.pid} (review)" in line and "try again" in line
    assert (tmp_path / "book.json").read_bytes() == before
    assert not xero.calls(), "a sync that cannot write does not start"


def test_the_tui_console_cannot_write_while_a_cron_sync_writes(
    make_config: Callable[..., Path], xero: XeroSandbox, tmp_path: Path,
    cli: Callable[..., CliResult],
) -> None:
    config_path = make_config(sections(xero=xero))
    assert cli("--sync", "--config", str(config_path)).code == 0
    pm = make_plugin_manager()
    tui = BookConsole(load_config(config_path, pm), pm, lock_wait_s=0.3)
    pid = next(r.profile_id for r in tui.link_rows("xero") if r.state == LinkState.LINKED)
    gate = xero.slow(30.0, path=r"/Contacts$")  # the cron sync stalls while it holds the lock
    cron = start_cli("--sync", "--full", "--config", str(config_path))
    try:
        wait_for(lambda: "(sync)" in BookLock(tmp_path / "book.json").holder()
                 and bool(xero.calls("GET", r"/Contacts$")))
        with pytest.raises(BookLockedError, match=rf"pid {cron.pid} \(sync\)"):
            tui.unlink(pid, "xero")
        assert tui.link_rows("xero"), "reads go on while the sync writes"
    finally:
        gate.delay = 0.0
        kill(cron)
    # killed mid-write: its lock went with it, the book is whole, the TUI writes again
    Book.open(tmp_path / "book.json")
    assert f"pid {cron.pid}" in lock_path(tmp_path / "book.json").read_text(encoding="utf-8")
    row = tui.unlink(pid, "xero")
    assert row.state == LinkState.BLANK


def test_a_lock_left_by_a_killed_sync_is_not_stale(
    make_config: Callable[..., Path], xero: XeroSandbox, tmp_path: Path,
    holder: Callable[[str], subprocess.Popen[str]], cli: Callable[..., CliResult],
) -> None:
    config = make_config(sections(xero=xero))
    cron = holder("sync")
    os.kill(cron.pid, signal.SIGKILL)
    cron.wait()
    assert f"pid {cron.pid} (sync)" in lock_path(tmp_path / "book.json").read_text("utf-8")
    done = cli("--sync", "--json", "--config", str(config))
    assert done.code == 0 and json.loads(done.out)["ok"]
    assert stat_mode(lock_path(tmp_path / "book.json")) == 0o600


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
