"""Plan, apply and undo through the real ``loftterm`` entry point, against a Xero sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from connectors.xero.sandbox import XeroSandbox
from tests.cli_support import run_loftterm, xero_config
from tests.conftest import serving

from .conftest import snapshot


@pytest.fixture
def xero() -> Iterator[XeroSandbox]:
    yield from serving(XeroSandbox())


@pytest.fixture
def config(tmp_path: Path, xero: XeroSandbox) -> Path:
    return xero_config(tmp_path, xero, demo_book=True)


def test_plan_out_then_apply_skips_the_record_changed_remotely(
    config: Path, xero: XeroSandbox, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.yaml"
    made = run_loftterm("--sync", "--dry-run", "--plan-out", str(plan_file), "--config", str(config))
    assert made.returncode == 0, made.stderr
    assert "loftterm apply" in made.stdout and "API calls" in made.stdout
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    assert plan["format"] == "loftterm-plan" and plan["version"] == 1
    assert not xero.calls("PUT") and not xero.calls("POST", r"/api\.xro/")
    tom = next(i for i in plan["items"] if i["action"] == "update" and i["profile_id"] == "P002")
    xero.edit_contact(tom["remote_id"], EmailAddress="tom.new@example.com")
    applied = run_loftterm("apply", str(plan_file), "--json", "--config", str(config))
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)
    skipped = [i for i in report["items"] if i["status"] == "skipped"]
    assert {i["profile_id"] for i in skipped} == {"P002"}
    assert report["counts"]["applied"] == len(plan["items"]) - len(skipped)
    assert xero.contact_by_name("Marcus Whitfield") is not None
    table = run_loftterm("apply", str(plan_file), "--config", str(config))  # a second time: all moved
    assert table.returncode == 0 and "applied 0" in table.stdout


def test_undo_restores_the_sandbox_and_dry_run_lists_it_first(
    config: Path, xero: XeroSandbox
) -> None:
    before = snapshot(xero)
    synced = run_loftterm("--sync", "--config", str(config))
    assert synced.returncode == 0, synced.stderr
    runs = json.loads(run_loftterm("runs", "--json", "--config", str(config)).stdout)
    run_id = runs[0]["id"]
    preview = run_loftterm("undo", run_id, "--dry-run", "--config", str(config))
    assert preview.returncode == 0, preview.stderr
    assert "ledgers cannot delete contacts" in preview.stdout and "dry run" in preview.stdout
    assert snapshot(xero) != before
    done = run_loftterm("undo", run_id, "--json", "--config", str(config))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["undo_run"] and set(report["counts"]) == {"done"}
    after = snapshot(xero)
    assert {cid: after[cid] for cid in before} == before
    assert [c["ContactStatus"] for cid, c in after.items() if cid not in before] == ["ARCHIVED"]


def test_plan_out_needs_a_dry_run_and_undo_an_existing_run(config: Path) -> None:
    wrong = run_loftterm("--sync", "--plan-out", "plan.json", "--config", str(config))
    assert wrong.returncode == 2 and "--dry-run" in wrong.stderr
    missing = run_loftterm("undo", "nope", "--config", str(config))
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr
