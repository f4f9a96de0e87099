"""The new commands through the real ``python -m loftterm`` entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import DANIEL_OKAFOR_DOT_ID, PRIYA_NATARAJAN_ID
from loftterm.demo import DemoEnvironment
from tests.beyond_decisions.conftest import console_for, remote_of
from tests.cli_support import run_loftterm as loftterm


def test_decisions_not_same_merge_and_unmerge_on_the_command_line(
    xero_demo: DemoEnvironment, tmp_path: Path
) -> None:
    xero = xero_demo.sandboxes["xero"]
    assert isinstance(xero, XeroSandbox)
    config = tmp_path / "loftterm.yaml"
    section = {"enabled": True, **xero.connector_settings()}
    config.write_text(
        yaml.safe_dump({"book": str(xero_demo.config.book), "connectors": {"xero": section}}),
        encoding="utf-8",
    )

    def run(*args: str) -> str:
        result = loftterm(*args, "--config", str(config))
        assert result.returncode == 0, result.stderr
        return result.stdout

    console = console_for(xero_demo)
    assert console.sync("xero").ok  # in-process: the commands under test go through the CLI
    said = json.loads(
        run("not-same", "P007", "--connector", "xero", "--remote", DANIEL_OKAFOR_DOT_ID, "--json")
    )
    assert said[0]["key"] == f"reject|xero|{DANIEL_OKAFOR_DOT_ID}|P007"
    assert "blank" in run("unlink", "P003", "--connector", "xero")
    assert console.sync("xero").ok
    assert remote_of(console, "P003", "xero") != PRIYA_NATARAJAN_ID  # not relinked by name
    listed = json.loads(run("decisions", "--json"))
    kinds = {d["key"]: d["kind"] for d in listed}
    assert kinds[f"unlink|xero|P003|{PRIYA_NATARAJAN_ID}"] == "unlink"
    out = tmp_path / "decisions.csv"
    assert "exported" in run("decisions", "export", str(out))
    with out.open(encoding="utf-8", newline="") as handle:
        assert {r["key"] for r in csv.DictReader(handle)} == set(kinds)
    assert "forgot" in run("decisions", "forget", f"unlink|xero|P003|{PRIYA_NATARAJAN_ID}")

    merged = json.loads(run("merge", "P012", "P011", "--json"))
    assert merged["other_id"] == "P011" and not merged["dry_run"]
    assert "unmerged" in run("unmerge", "P011")
