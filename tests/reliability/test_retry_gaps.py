"""The last retry gaps, over real sockets: a refused POST, and a refresh token rotated but not saved.

* A connection refused before anything was sent is retried whatever the method: the first
  request of a run is the token POST, and a ledger restarting at that moment must not end it.
* Xero keeps a rotated refresh token usable for 30 minutes.  A sync killed after the token
  endpoint rotated its refresh token, before the new one reached the token file, kept the old
  one: the next run refreshes with it and goes on, no reconnect.  The same lost answer without
  a kill is retried in the same run.  In the sandbox's strict token mode (and on QBO, which
  promises no grace) nothing can recover it: one line says to reconnect, nothing else is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.api import Fault, SandboxRequest
from loftterm.config import load_config
from loftterm.console import BookConsole
from loftterm.http.tokens import TokenFile
from loftterm.plugins import make_plugin_manager
from tests.reliability.conftest import CliResult, book_state, one_line_errors, sections
from tests.reliability.harness import AnswerTrap, kill_when, start_cli


def token_calls(xero: XeroSandbox) -> list[SandboxRequest]:
    return xero.server.calls("POST", r"/connect/token$")


def test_a_token_post_refused_at_connect_is_retried_and_the_sync_goes_on(
    xero: XeroSandbox, make_config: Callable[..., Path],
) -> None:
    config = load_config(make_config(sections(xero=xero)), make_plugin_manager())
    waits: list[float] = []

    def wait_while_the_ledger_restarts(seconds: float) -> None:
        waits.append(seconds)
        xero.server.accept_connections()

    xero.server.refuse_connections()
    console = BookConsole(config, make_plugin_manager(), sleep=wait_while_the_ledger_restarts)
    report = console.sync("xero")
    assert report.ok and report.exit_code == 0, report.errors
    assert len(waits) == 1, "one backoff, then the POST went through"
    first = xero.server.log[0]
    assert (first.method, first.path) == ("POST", "/connect/token")
    assert len(token_calls(xero)) == 1, "the refused attempt never reached the remote"
    assert report.connectors["xero"]["created_remote"] > 0, "and the writes after it were made"


def connected(make_config: Callable[..., Path], xero: XeroSandbox, tmp_path: Path) -> tuple[Path, str]:
    """A Xero book on an authorization-code connection: an expired access token, a live refresh."""
    config = make_config(sections(xero=xero, extra={"xero": {"grant": "authorization_code"}}))
    old = xero.issuer.new_refresh_token()
    TokenFile(tmp_path / "book.tokens.json").for_connector("xero").save({
        "access_token": "at-expired", "expires_at": 0, "refresh_token": old,
        "token_type": "Bearer"})
    return config, old


def held_refresh(tmp_path: Path) -> Any:
    return TokenFile(tmp_path / "book.tokens.json").for_connector("xero").load()["refresh_token"]


def is_token_request(request: SandboxRequest) -> bool:
    return request.method == "POST" and request.path.endswith("/connect/token")


@pytest.mark.parametrize("strict", [False, True])
def test_a_sync_killed_between_rotation_and_save_recovers_within_xeros_grace(
    xero: XeroSandbox, make_config: Callable[..., Path], tmp_path: Path,
    cli: Callable[..., CliResult], strict: bool,
) -> None:
    config, old = connected(make_config, xero, tmp_path)
    if strict:
        xero.strict_tokens()
    args = ("--sync", "--connector", "xero", "--config", str(config))
    with AnswerTrap(xero.server, is_token_request) as trap:
        killed, _ = kill_when(start_cli(*args), trap.fired)
    assert killed
    assert old not in xero.issuer.refresh, "the endpoint rotated the old refresh token"
    assert held_refresh(tmp_path) == old, "the killed run never saved the new one"
    before = book_state(tmp_path / "book.json")
    again = cli(*args)
    if strict:
        assert again.code == 3
        [line] = one_line_errors(again.err)
        assert "loftterm connect xero" in line and old not in line
        assert held_refresh(tmp_path) == old and book_state(tmp_path / "book.json") == before
        return
    assert again.code == 0, again.err
    assert [c.form()["refresh_token"] for c in token_calls(xero)] == [old, old]
    assert held_refresh(tmp_path) in xero.issuer.refresh, "the new refresh token is saved"
    assert book_state(tmp_path / "book.json") != before, "the sync went on"


@pytest.mark.parametrize("strict", [False, True])
def test_a_lost_refresh_answer_is_retried_in_the_same_run_within_the_grace(
    xero: XeroSandbox, make_config: Callable[..., Path], tmp_path: Path,
    cli: Callable[..., CliResult], strict: bool,
) -> None:
    config, old = connected(make_config, xero, tmp_path)
    if strict:
        xero.strict_tokens()
    xero.server.faults.add(Fault("lose_answer", r"/connect/token$"))
    done = cli("--sync", "--connector", "xero", "--config", str(config))
    assert [c.form()["refresh_token"] for c in token_calls(xero)] == [old, old]
    if strict:
        assert done.code == 3
        [line] = one_line_errors(done.err)
        assert "loftterm connect xero" in line
        return
    assert done.code == 0, done.err
    assert len(done.waits) == 1
    assert held_refresh(tmp_path) in xero.issuer.refresh
