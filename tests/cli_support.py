"""Running the real ``loftterm`` entry point against a sandbox, as a user or cron would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from connectors.xero.sandbox import XeroSandbox
from loftterm.demo import seed_demo_book


def run_loftterm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m loftterm ARGS`` with no stdin; return the finished process."""
    return subprocess.run([sys.executable, "-m", "loftterm", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, stdin=subprocess.DEVNULL)


def xero_config(folder: Path, sandbox: XeroSandbox, *, demo_book: bool = False) -> Path:
    """Write ``loftterm.yaml`` pointing at a running Xero sandbox (optionally seed the demo book)."""
    if demo_book:
        seed_demo_book(folder / "book.json", ["xero"])
    path = folder / "loftterm.yaml"
    section = {"enabled": True, **sandbox.connector_settings()}
    path.write_text(yaml.safe_dump({"book": "book.json", "connectors": {"xero": section}}),
                    encoding="utf-8")
    return path


ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def container_command() -> list[str]:
    """The command the container runs: its ENTRYPOINT then its CMD (exec form, JSON arrays)."""
    words: dict[str, list[str]] = {}
    for line in (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines():
        instruction, _, rest = line.partition(" ")
        if instruction in ("ENTRYPOINT", "CMD"):
            words[instruction] = json.loads(rest)
    return words["ENTRYPOINT"] + words["CMD"]


def cronjob() -> dict[str, Any]:
    """The Kubernetes CronJob manifest."""
    data = yaml.safe_load((DEPLOY / "kubernetes" / "cronjob.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
