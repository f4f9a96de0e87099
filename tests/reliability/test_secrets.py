"""Secrets (client secrets, access and refresh tokens, API keys) are never shown or stored.

Every command's output (tables, ``--json``, progress on stderr, one-line errors about refused
credentials), the log records, the book, its backup and lock file, and the TUI's screens are
searched for every secret the run used or was issued.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.server import CLIENT_SECRET
from loftterm.config import load_config
from loftterm.console import BookConsole
from loftterm.plugins import make_plugin_manager
from loftterm.tui import make_app
from tests.reliability.conftest import API_KEY, CliResult, sections
from tests.reliability.harness import write_config

WRONG = {"xero": "wrong-secret-5150-abcdef", "sortscape": "sk-wrong-0a1b2c3d4e5f6a7b"}

COMMANDS = (
    ("--sync", "-v"),
    ("--sync", "--json"),
    ("--sync", "--dry-run"),
    ("status",),
    ("status", "--json"),
    ("links", "--json"),
    ("runs", "--outcomes"),
    ("runs", "--json"),
    ("warnings", "--all", "--json"),
    ("doctor",),
    ("doctor", "--json"),
    ("explain", "P002", "--connector", "xero"),
    ("search", "tom", "--connector", "qbo", "--role", "vendor"),
)


def secrets_of(tmp_path: Path, xero: XeroSandbox, qbo: QboSandbox) -> set[str]:
    """Every secret the runs used or were issued (long enough to be unambiguous)."""
    found = {CLIENT_SECRET, API_KEY, *WRONG.values(), qbo.refresh_token}
    found |= set(xero.issuer.access) | set(qbo.issuer.access) | qbo.issuer.refresh
    stored = json.loads((tmp_path / "book.tokens.json").read_text(encoding="utf-8"))
    for tokens in stored.values():
        found |= {str(tokens[k]) for k in ("access_token", "refresh_token") if tokens.get(k)}
    return {s for s in found if len(s) >= 8}


def test_no_secret_in_outputs_errors_logs_or_the_book(
    cli: Callable[..., CliResult], make_config: Callable[..., Path], xero: XeroSandbox,
    qbo: QboSandbox, sortscape: SortScapeSandbox, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = make_config(sections(xero, qbo, sortscape))
    shown: list[str] = []
    for args in COMMANDS:
        result = cli(*args, "--config", str(config))
        assert result.code == 0, (args, result.err)
        shown.append(result.out + result.err)
    # credentials refused: the messages talk about them without showing them
    bad = dict(sections(xero, qbo, sortscape))
    bad["xero"] = {**bad["xero"], "client_secret": WRONG["xero"]}
    bad["sortscape"] = {**bad["sortscape"], "api_key": WRONG["sortscape"]}
    bad_config = write_config(tmp_path / "bad.yaml", bad)
    qbo.issuer.refresh.clear()
    qbo.expire_token()
    for args in (("--sync",), ("--sync", "--json"), ("doctor",), ("doctor", "--json")):
        result = cli(*args, "--config", str(bad_config))
        assert result.code == 3, (args, result.out, result.err)
        shown.append(result.out + result.err)
    refused = "\n".join(shown[-4:])
    assert "refused" in refused and "reconnect" in refused
    files = [p for p in tmp_path.glob("book.json*") if p.is_file()]
    assert {p.name for p in files} >= {"book.json", "book.json.bak", "book.json.lock"}
    texts = {
        **{f"output of {' '.join(a)}": t for a, t in zip(COMMANDS, shown, strict=False)},
        "refused outputs": refused,
        "log records": "\n".join(r.getMessage() for r in caplog.records),
        **{p.name: p.read_text(encoding="utf-8", errors="replace") for p in files},
    }
    for secret in secrets_of(tmp_path, xero, qbo):
        for where, text in texts.items():
            assert secret not in text, f"a secret ({secret[:4]}...) appears in {where}"


@pytest.mark.asyncio
async def test_no_secret_on_the_tui_screens(
    cli: Callable[..., CliResult], make_config: Callable[..., Path], xero: XeroSandbox,
    qbo: QboSandbox, sortscape: SortScapeSandbox, tmp_path: Path,
) -> None:
    config_path = make_config(sections(xero, qbo, sortscape))
    assert cli("--sync", "--config", str(config_path)).code == 0
    pm = make_plugin_manager()
    console = BookConsole(load_config(config_path, pm), pm)
    app = make_app(console, clock=lambda: 0.0)
    screens: list[str] = []
    async with app.run_test(size=(160, 50)) as pilot:
        for key in ("1", "2", "3", "4", "question_mark"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            screens.append(app.export_screenshot())
            if key == "question_mark":
                await pilot.press("escape")
    assert "Xero" in screens[0]
    for secret in secrets_of(tmp_path, xero, qbo):
        assert not any(secret in text for text in screens), secret[:4]
