"""A new user's setup for the field-sync rules: empty sandboxes, `loftterm import`, `--sync`.

Every step goes through the real ``loftterm`` entry point; the sandboxes run in this process so
a test can change what the remote holds (as a user of Xero, QBO or SortScape would) and read it
back afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.models import Profile
from tests.cli_support import run_loftterm


class Setup:
    """The config, the book and the sandboxes of one test."""

    def __init__(self, folder: Path, sandboxes: dict[str, Any]) -> None:
        self.folder = folder
        self.sandboxes = sandboxes
        self.config = folder / "loftterm.yaml"
        sections = {name: {"enabled": True, **box.connector_settings()}
                    for name, box in sandboxes.items()}
        self.config.write_text(yaml.safe_dump({"book": "book.json", "connectors": sections}),
                               encoding="utf-8")

    def set_setting(self, connector: str, key: str, value: Any) -> None:
        """Change one key of a connector's section in the config file."""
        data = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        data["connectors"][connector][key] = value
        self.config.write_text(yaml.safe_dump(data), encoding="utf-8")

    def outcomes(self) -> list[dict[str, Any]]:
        """The per-record outcomes of the last run, as the run history keeps them."""
        found: list[dict[str, Any]] = self.book().runs[-1]["outcomes"]
        return found

    @property
    def xero(self) -> XeroSandbox:
        box = self.sandboxes["xero"]
        assert isinstance(box, XeroSandbox)
        return box

    @property
    def qbo(self) -> QboSandbox:
        box = self.sandboxes["qbo"]
        assert isinstance(box, QboSandbox)
        return box

    @property
    def sortscape(self) -> SortScapeSandbox:
        box = self.sandboxes["sortscape"]
        assert isinstance(box, SortScapeSandbox)
        return box

    def cli(self, *args: str, ok: bool = True) -> str:
        """Run ``loftterm ARGS --config ...``; return stdout (asserting exit 0 when ``ok``)."""
        result = run_loftterm(*args, "--config", str(self.config))
        if ok:
            assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def sync(self, *args: str) -> dict[str, Any]:
        """``loftterm --sync --json``: the summary."""
        data: dict[str, Any] = json.loads(self.cli("--sync", "--json", *args))
        return data

    def import_profiles(self, *rows: dict[str, Any]) -> None:
        """``loftterm import`` a YAML file of profiles (new ones, or edits of existing ids)."""
        path = self.folder / "people.yaml"
        path.write_text(yaml.safe_dump({"profiles": list(rows)}), encoding="utf-8")
        self.cli("import", str(path))

    def warnings(self) -> list[dict[str, Any]]:
        """``loftterm warnings --json``."""
        found: list[dict[str, Any]] = json.loads(self.cli("warnings", "--json"))
        return found

    def book(self) -> Book:
        """The book as the last command saved it (read only)."""
        return Book.open(self.folder / "book.json")

    def profile(self, profile_id: str) -> Profile:
        """One profile as the book holds it now."""
        return self.book().profile(profile_id)

    def remote_id(self, profile_id: str, connector: str, role: str = "contact") -> str:
        """The remote id a profile is linked to ('' when blank)."""
        link = self.book().link_of(profile_id, connector, role)
        return link.remote_id if link else ""


@contextmanager
def new_user(tmp_path: Path, *names: str) -> Iterator[Setup]:
    """Empty sandboxes for the named connectors, and a config pointing at them."""
    makers = {"xero": lambda: XeroSandbox(seed=False), "qbo": lambda: QboSandbox(seed=False),
              "sortscape": lambda: SortScapeSandbox(seed=False)}
    with ExitStack() as stack:
        boxes = {name: makers[name]() for name in names}
        for box in boxes.values():
            box.start()
            stack.callback(box.stop)
        yield Setup(tmp_path, boxes)


def xero_add(xero: XeroSandbox, **fields: Any) -> str:
    """Create a contact in Xero as its user would; return its ContactID."""
    with xero.server.lock:
        record, errors = xero.org.save_contacts([fields], "create")[0]
    assert not errors, errors
    return str(record["ContactID"])


def xero_phone(record: dict[str, Any]) -> str:
    """The DEFAULT phone number of a Xero contact in wire form."""
    return next((p.get("PhoneNumber", "") for p in record.get("Phones", [])
                 if p.get("PhoneType") == "DEFAULT"), "")


def xero_street(record: dict[str, Any]) -> dict[str, Any]:
    """The STREET address of a Xero contact in wire form."""
    return next((a for a in record.get("Addresses", []) if a.get("AddressType") == "STREET"), {})


def qbo_add(qbo: QboSandbox, entity: str, display: str, **fields: Any) -> str:
    """Create a Vendor or Customer in QBO as its user would; return its Id."""
    from connectors.qbo.sandbox.seed import name_record
    from connectors.qbo.sandbox.store import now, stamp

    with qbo.server.lock:
        rid = qbo.store.new_id(entity)
        record = name_record(int(rid), entity, display, fields, stamp(now()))
        qbo.store.table(entity).put(record)
        qbo.store.index_name(entity, record)
    return rid


def qbo_set_balance(qbo: QboSandbox, entity: str, rid: str, amount: Decimal) -> None:
    """Move a record's Balance as its user would: post an invoice (customer) or a bill (vendor).

    The record's LastUpdatedTime stays; the transaction is what Change Data Capture shows.
    """
    document, ref = ("Bill", "VendorRef") if entity == "Vendor" else ("Invoice", "CustomerRef")
    line = {"Amount": amount, "DetailType": "DescriptionOnly", "DescriptionOnly": {}}
    with qbo.server.lock:
        qbo.save(document, {ref: {"value": rid}, "Line": [line]})
