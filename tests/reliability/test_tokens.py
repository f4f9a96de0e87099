"""Tokens: the rotated refresh token is saved (temp, fsync, rename, 0600) before the old is lost.

A sync is killed at each point around a refresh: before the token endpoint's answer arrives
(it has already rotated), half-way through writing the temp file, with the temp file complete
but not renamed, and right after the rename.  Each time the token file must be whole, 0600,
hold the old refresh token or the new one (never neither, never a torn file), and keep the
other connectors' tokens.  With the old one, a remote that keeps a used refresh token valid for
a grace period (Xero: 30 minutes) lets the next run go on; a strict one (grace 0) cannot be
helped by any client, and the next run says "reconnect" and exits 3 with nothing else lost.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.qbo.sandbox import QboSandbox
from loftterm.demo import seed_demo_book
from loftterm.http.tokens import TokenFile
from tests.reliability.conftest import CliResult, book_state, one_line_errors, sections
from tests.reliability.harness import (
    AnswerTrap,
    kill_when,
    start_cli,
    write_config,
)

BYSTANDER = {"access_token": "at-xero-bystander", "expires_at": 4.0e9, "token_type": "Bearer"}

# Run before the CLI in the killed process: SIGKILL itself at $CRASH_AT.
CRASH_PRELUDE = r'''
import json, os, signal
_point = os.environ.get("CRASH_AT", "")

def _die():
    os.kill(os.getpid(), signal.SIGKILL)

_dump = json.dump
def _half_dump(obj, fp, *args, **kwargs):  # only the token file is written with json.dump
    if _point == "mid-write":
        text = json.dumps(obj, *args, **kwargs)
        fp.write(text[: len(text) // 2])
        fp.flush()
        _die()
    return _dump(obj, fp, *args, **kwargs)
json.dump = _half_dump

_replace = os.replace
def _replace_then_maybe_die(src, dst, *args, **kwargs):
    tokens = str(dst).endswith(".tokens.json")
    if tokens and _point == "before-rename":
        _die()
    _replace(src, dst, *args, **kwargs)
    if tokens and _point == "after-rename":
        _die()
os.replace = _replace_then_maybe_die
'''


@pytest.fixture
def qbo_grace() -> Iterator[QboSandbox]:
    """QBO, whose rotated refresh tokens are strict (grace 0) until a test grants a grace."""
    sandbox = QboSandbox()
    assert sandbox.issuer.grace_s == 0.0
    sandbox.start()
    yield sandbox
    sandbox.stop()


def connected(tmp_path: Path, qbo: QboSandbox) -> tuple[Path, Path, str]:
    """A config and a token file holding a live refresh token and an expired access token."""
    settings = {**qbo.connector_settings(), "refresh_token": ""}
    config = write_config(tmp_path / "loftterm.yaml", {"qbo": {"enabled": True, **settings}})
    seed_demo_book(tmp_path / "book.json", [])
    old = qbo.issuer.new_refresh_token()
    tokens = tmp_path / "book.tokens.json"
    TokenFile(tokens).for_connector("xero").save(BYSTANDER)
    TokenFile(tokens).for_connector("qbo").save({
        "access_token": "at-expired", "expires_at": 0, "refresh_token": old,
        "token_type": "Bearer", "tenant_id": qbo.realm_id})
    return config, tokens, old


def held(tokens: Path) -> dict[str, Any]:
    """The token file, checked whole and private."""
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    data = json.loads(tokens.read_text(encoding="utf-8"))  # never torn
    assert data["xero"] == BYSTANDER, "another connector's tokens survive"
    return dict(data["qbo"])


def is_token_request(request: Any) -> bool:
    return bool(request.method == "POST" and request.path.endswith("/tokens/bearer"))


@pytest.mark.parametrize(("point", "keeps"), [
    ("answer-withheld", "old"),  # the endpoint rotated; the answer never arrived
    ("mid-write", "old"),  # half of the temp file written
    ("before-rename", "old"),  # temp file complete and fsynced, not renamed
    ("after-rename", "new"),  # renamed, the directory not yet fsynced
])
def test_a_crash_around_a_refresh_keeps_the_old_or_the_new_refresh_token(
    qbo_grace: QboSandbox, tmp_path: Path, point: str, keeps: str,
    cli: Callable[..., CliResult],
) -> None:
    config, tokens, old = connected(tmp_path, qbo_grace)
    args = ("--sync", "--connector", "qbo", "--config", str(config))
    if point == "answer-withheld":
        with AnswerTrap(qbo_grace.server, is_token_request) as trap:
            killed, _ = kill_when(start_cli(*args), trap.fired)
    else:
        proc = start_cli(*args, env={"CRASH_AT": point}, prelude=CRASH_PRELUDE)
        killed = proc.wait(60) == -9
    assert killed
    assert old not in qbo_grace.issuer.refresh, "the endpoint rotated the old token"
    [new] = qbo_grace.issuer.refresh - {qbo_grace.refresh_token}
    token = held(tokens)["refresh_token"]
    assert token == (old if keeps == "old" else new)
    if keeps == "new":
        assert cli("doctor", "--config", str(config)).code == 0
        return
    qbo_grace.issuer.grace_s = 1800.0  # Xero's grace period: the old token refreshes once more
    again = cli("doctor", "--config", str(config))
    assert again.code == 0, again.out + again.err
    assert held(tokens)["refresh_token"] in qbo_grace.issuer.refresh


def test_with_a_strict_remote_a_lost_rotation_means_reconnect_and_nothing_else_is_lost(
    qbo_grace: QboSandbox, tmp_path: Path, cli: Callable[..., CliResult],
) -> None:
    config, tokens, old = connected(tmp_path, qbo_grace)
    args = ("--sync", "--connector", "qbo", "--config", str(config))
    with AnswerTrap(qbo_grace.server, is_token_request) as trap:
        assert kill_when(start_cli(*args), trap.fired)[0]
    saved, before = tokens.read_bytes(), book_state(tmp_path / "book.json")
    done = cli(*args)
    assert done.code == 3
    [line] = one_line_errors(done.err)
    assert "reconnect" in line and "loftterm connect qbo" in line and old not in line
    assert tokens.read_bytes() == saved, "the refused token is kept for the user to see"
    assert held(tokens)["refresh_token"] == old
    assert book_state(tmp_path / "book.json") == before, "the book keeps every profile and link"


def test_a_refresh_writes_the_rotated_token_privately_even_over_a_loose_file(
    cli: Callable[..., CliResult], make_config: Callable[..., Path], qbo: QboSandbox,
    tmp_path: Path,
) -> None:
    config = make_config(sections(qbo=qbo))
    tokens = tmp_path / "book.tokens.json"
    tokens.write_text(json.dumps({"xero": BYSTANDER}), encoding="utf-8")
    os.chmod(tokens, 0o644)
    seed = qbo.refresh_token
    assert cli("--sync", "--config", str(config)).code == 0
    saved = held(tokens)
    assert saved["refresh_token"] != seed and saved["refresh_token"] in qbo.issuer.refresh
    assert seed not in qbo.issuer.refresh
    assert not list(tmp_path.glob(".book.tokens.json.*.tmp")), "no temp file left behind"
