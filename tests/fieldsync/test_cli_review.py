"""``loftterm review`` and ``loftterm push`` through the real entry point (a subprocess)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.sortscape.sandbox.seed import HARBOUR_REALTY, W_ZHANG
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import HARBOUR_REALTY_ID
from loftterm.book import Book
from loftterm.demo import DemoEnvironment, start_demo
from loftterm.models import ContactFields, Profile
from loftterm.plugins import make_plugin_manager
from tests.cli_support import run_loftterm as loftterm


@pytest.fixture
def env(tmp_path: Path) -> Iterator[DemoEnvironment]:
    demo = start_demo(make_plugin_manager(), tmp_path, only=("xero", "sortscape"))
    try:
        yield demo
    finally:
        demo.close()


@pytest.fixture
def config(env: DemoEnvironment, tmp_path: Path) -> Path:
    """A config file naming the demo book and the two running sandboxes."""
    path = tmp_path / "loftterm.yaml"
    sections = {
        name: {"enabled": True, **sandbox.connector_settings()}
        for name, sandbox in env.sandboxes.items()
    }
    path.write_text(
        yaml.safe_dump({"book": str(env.config.book), "connectors": sections}), encoding="utf-8"
    )
    return path


def test_review_list_accept_and_reject(config: Path, env: DemoEnvironment) -> None:
    sync = loftterm("--sync", "--json", "--config", str(config))
    assert sync.returncode == 0, sync.stderr
    listed = loftterm("review", "--json", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    proposals = {p["id"]: p for p in json.loads(listed.stdout)}
    harbour, wei = f"sortscape:P010:{HARBOUR_REALTY}", f"sortscape:P009:{W_ZHANG}"
    tom = "sortscape:P002:C-1002"  # Thomas Baker (a customer too) shares Tom B.'s phone
    assert {p for p in proposals if p.startswith("sortscape:")} == {harbour, wei, tom}
    # the one queue also holds Xero's second "Daniel Okafor." (P007's email): not imported
    okafor = proposals["xero:P007:d3083eae-ec2b-40ae-aeff-d076203e0608"]
    assert okafor["holds"] == ["import"] and "same email" in okafor["reason"]
    email = next(f for f in proposals[harbour]["fields"] if f["field"] == "email")
    assert email["left"] == "accounts@harbourrealty.example"
    assert email["right"] == "reception@harbourrealty.example"
    table = loftterm("review", "--config", str(config))
    assert "ledger (left)" in table.stdout and "same name Harbour Realty Ltd" in table.stdout

    accepted = loftterm(
        "review", "accept", harbour, "--take", "email=right", "--json", "--config", str(config)
    )
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["status"] == "accepted"
    xero, sortscape = env.sandboxes["xero"], env.sandboxes["sortscape"]
    assert isinstance(xero, XeroSandbox) and isinstance(sortscape, SortScapeSandbox)
    assert xero.contacts[HARBOUR_REALTY_ID]["EmailAddress"] == "reception@harbourrealty.example"
    assert sortscape.contact(HARBOUR_REALTY)["phone"] == "61 2 9555 0142"
    link = Book.open(env.config.book).link_of("P010", "sortscape", "contact")
    assert link is not None and link.remote_id == HARBOUR_REALTY

    rejected = loftterm("review", "reject", wei, "--config", str(config))
    assert rejected.returncode == 0, rejected.stderr
    assert "rejected" in rejected.stdout
    again = loftterm("review", "reject", wei, "--config", str(config))
    assert again.returncode == 2 and "already rejected" in again.stderr
    left = json.loads(loftterm("review", "--json", "--config", str(config)).stdout)
    assert [p["id"] for p in left if p["connector"] == "sortscape"] == [tom]
    bad = loftterm("review", "accept", harbour, "--take", "email=middle", "--config", str(config))
    assert bad.returncode == 2 and "FIELD=left" in bad.stderr


def test_push_creates_the_ledger_contact(config: Path, env: DemoEnvironment) -> None:
    book = Book.open(env.config.book)
    book.put_profile(
        Profile(
            id="P900",
            kind="customer",
            origin="sortscape",
            fields=ContactFields(name="Gnome Garden Co", email="hi@gnome.example"),
        )
    )
    book.save()
    assert loftterm("--sync", "--config", str(config)).returncode == 0
    xero = env.sandboxes["xero"]
    assert isinstance(xero, XeroSandbox)
    assert xero.contact_by_name("Gnome Garden Co") is None  # a sync never exports it
    pushed = loftterm("push", "P900", "--connector", "xero", "--json", "--config", str(config))
    assert pushed.returncode == 0, pushed.stderr
    row = json.loads(pushed.stdout)
    assert row["state"] == "linked" and row["method"] == "created"
    created = xero.contact_by_name("Gnome Garden Co")
    assert created is not None and created["ContactID"] == row["remote_id"]
    agent = loftterm("push", "P011", "--connector", "xero", "--config", str(config))
    assert agent.returncode == 2 and "push the organization" in agent.stderr
