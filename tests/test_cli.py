"""The real ``loftterm`` entry point, as a user or a cron job runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from tests.cli_support import run_loftterm, xero_config
from tests.conftest import serving


@pytest.fixture
def xero() -> Iterator[XeroSandbox]:
    yield from serving(XeroSandbox())


@pytest.fixture
def config(tmp_path: Path, xero: XeroSandbox) -> Path:
    return xero_config(tmp_path, xero)


def test_help_teaches_commands_and_exit_codes() -> None:
    result = run_loftterm("--help")
    assert result.returncode == 0
    for word in ("--sync", "--dry-run", "status", "links", "unlink", "exit codes", "--demo"):
        assert word in result.stdout


def test_sync_json_reports_every_count(config: Path) -> None:
    result = run_loftterm("--sync", "--json", "--config", str(config))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["dry_run"] is False
    counts = data["connectors"]["xero"]
    assert set(counts) == {
        "pulled",
        "created_local",
        "created_remote",
        "updated_remote",
        "linked",
        "held",
        "archived",
        "failed",
        "warnings",
        "api_calls",
    }
    assert all(isinstance(v, int) for v in counts.values())
    assert counts["pulled"] > 0 and counts["api_calls"] > 0
    assert result.stderr == ""  # quiet when not a TTY


def test_links_status_and_unlink(config: Path) -> None:
    run_loftterm("--sync", "--config", str(config))
    links = json.loads(run_loftterm("links", "--json", "--config", str(config)).stdout)
    assert {
        "profile_id",
        "name",
        "kind",
        "connector",
        "state",
        "remote_id",
        "method",
        "score",
    } <= set(links[0])
    status = json.loads(run_loftterm("status", "--json", "--config", str(config)).stdout)
    assert "pending" in status["connectors"]["xero"]
    profile = links[0]["profile_id"]
    unlinked = run_loftterm("unlink", profile, "--connector", "xero", "--config", str(config))
    assert unlinked.returncode == 0 and "blank" in unlinked.stdout


def test_config_error_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "loftterm.yaml"
    path.write_text(
        "book: b.json\nconnectors:\n  xero:\n    enabled: true\n    client_secret: x\n",
        encoding="utf-8",
    )
    result = run_loftterm("status", "--config", str(path))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("loftterm: error: ") and "loftterm.yaml:" in line and "client_id" in line
    assert "\n" not in line and "Traceback" not in result.stderr


def test_unknown_profile_is_a_one_line_error(config: Path) -> None:
    result = run_loftterm("unlink", "NOPE", "--connector", "xero", "--config", str(config))
    assert result.returncode == 2
    assert "NOPE" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_remote_exits_3(config: Path, xero: XeroSandbox) -> None:
    xero.stop()
    result = run_loftterm("--sync", "--json", "--config", str(config))
    assert result.returncode == 3
    assert json.loads(result.stdout)["ok"] is False


def test_import_rejects_bad_rows_with_line_numbers(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text(
        "id,kind,name,email\nA1,agent,Ann,ann@example.com\nA2,wizard,Bo,bo@example.com\n",
        encoding="utf-8",
    )
    result = run_loftterm("import", str(bad), "--config", str(config))
    assert result.returncode == 2 and ":3:" in result.stderr
    links = json.loads(run_loftterm("links", "--json", "--config", str(config)).stdout)
    assert all(row["profile_id"] != "A1" for row in links), "nothing is half-imported"


def test_status_before_the_first_pull_says_creates_are_an_upper_bound(config: Path) -> None:
    before = run_loftterm("status", "--config", str(config)).stdout
    assert "pull everything (first sync)" in before and "create remotely up to " in before
    data = json.loads(run_loftterm("status", "--json", "--config", str(config)).stdout)
    assert data["connectors"]["xero"]["pending"]["first_pull"] is True
    run_loftterm("--sync", "--config", str(config))
    data = json.loads(run_loftterm("status", "--json", "--config", str(config)).stdout)
    assert data["connectors"]["xero"]["pending"]["first_pull"] is False
    assert "up to" not in run_loftterm("status", "--config", str(config)).stdout
