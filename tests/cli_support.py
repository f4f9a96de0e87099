"""Running the real ``loftterm`` entry point against a sandbox, as a user or cron would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
