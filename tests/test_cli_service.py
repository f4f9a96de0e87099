"""``loftterm --sync --every MIN``: the real entry point kept running as a service."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book.lock import BookLock
from tests.cli_support import run_loftterm, xero_config
from tests.conftest import serving


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Path]:
    for sandbox in serving(XeroSandbox()):
        yield xero_config(tmp_path, sandbox, demo_book=True)


@pytest.fixture
def service(config: Path) -> Iterator[subprocess.Popen[str]]:
    """``--sync --every`` with a short interval (0.6 s), killed if a test leaves it running."""
    child = subprocess.Popen(
        [sys.executable, "-m", "loftterm", "--sync", "--every", "0.01", "--json",
         "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    watchdog = threading.Timer(120, child.kill)  # a hung read fails the test, not the suite
    watchdog.start()
    try:
        yield child
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
        child.communicate()


def next_run(child: subprocess.Popen[str]) -> dict[str, Any]:
    """The next run's summary: one JSON document per line."""
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line, f"the service ended: {child.stderr.read() if child.stderr else ''}"
    run = json.loads(line)
    assert isinstance(run, dict)
    return run


def test_it_syncs_again_and_again_and_sigterm_ends_it(service: subprocess.Popen[str]) -> None:
    first, second = next_run(service), next_run(service)
    assert first["ok"] and second["ok"]
    once, again = first["connectors"]["xero"], second["connectors"]["xero"]
    assert once["created_local"] and once["created_remote"] and once["linked"]
    # the second run pulls only what changed (the first run's own writes) and writes nothing
    # twice: what the process kept from the first run never makes a duplicate
    assert 0 < again["pulled"] < once["pulled"]
    assert again["created_local"] == again["created_remote"] == again["linked"] == 0
    service.send_signal(signal.SIGTERM)
    out, err = service.communicate(timeout=60)
    assert service.returncode == 0, err
    for line in out.splitlines():  # a run going on when it was told finished, then it stopped
        assert json.loads(line)["ok"]


def test_a_locked_book_is_reported_and_the_next_run_comes(
    config: Path, service: subprocess.Popen[str]
) -> None:
    next_run(service)
    with BookLock(config.parent / "book.json", wait_s=0):  # another loftterm writes
        assert service.stderr is not None
        error = service.stderr.readline()
    assert "locked" in error and "trying again in 0.01 min" in error
    assert next_run(service)["ok"]  # once the lock is free again
    service.send_signal(signal.SIGTERM)
    service.communicate(timeout=60)
    assert service.returncode in (0, 4)  # the last run's own code: done, or locked again


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--dry-run",), "a --dry-run (or --plan-out) writes nothing"),
        (("--dry-run", "--plan-out", "plan.json"), "a --dry-run (or --plan-out) writes nothing"),
        (("--every", "0"), "above 0"),
        (("--every", "-1"), "0 or more"),
        (("--every", "soon"), "not a number of minutes"),
    ],
)
def test_bad_every_is_a_usage_error(config: Path, args: tuple[str, ...], says: str) -> None:
    every = () if "--every" in args else ("--every", "1")
    result = run_loftterm("--sync", *every, *args, "--config", str(config))
    assert result.returncode == 2
    assert says in result.stderr.strip().splitlines()[-1]  # the error's own line, last
