"""Fixtures for the seed-conformance scenarios: empty sandboxes and a book driven by the real CLI.

Each sandbox is started once per module with no seed data and reset to empty before every
scenario, so a scenario states exactly which remote records exist.  The book, its config and its
token file live in the scenario's own ``tmp_path``; every step goes through ``python -m loftterm``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import DEMO_TENANT_ID, Seed, seed_record
from loftterm.book import Book
from tests.cli_support import run_loftterm
from tests.conftest import serving

Address = tuple[str, str, str, str]


class Loft:
    """One book and its config in a folder, driven through the ``loftterm`` entry point.

    :param folder: where ``loftterm.yaml``, the book and the token file go.
    :param sections: ``connectors`` sections in sync order (each already pointing at a sandbox).
    """

    def __init__(self, folder: Path, sections: dict[str, dict[str, Any]]) -> None:
        self.folder = folder
        self.config = folder / "loftterm.yaml"
        self.sections = sections
        self._imports = 0
        self.write_config()

    def write_config(self) -> None:
        """(Re)write the config from ``sections``."""
        body = {"book": "book.json",
                "connectors": {name: {"enabled": True, **s} for name, s in self.sections.items()}}
        self.config.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        """Run ``loftterm ARGS --config ...``; return (exit code, stdout, stderr)."""
        done = run_loftterm(*args, "--config", str(self.config), cwd=self.folder)
        return done.returncode, done.stdout, done.stderr

    def json(self, *args: str) -> Any:
        """Run ``loftterm ARGS --json``, require exit 0, and return the parsed output."""
        code, out, err = self.run(*args, "--json")
        assert code == 0, f"loftterm {' '.join(args)} exited {code}: {err or out}"
        return json.loads(out)

    def sync(self, *extra: str) -> dict[str, dict[str, int]]:
        """``loftterm --sync --json``: require success; return the counts per connector."""
        report = self.json("--sync", *extra)
        assert report["ok"] is True, report
        counts: dict[str, dict[str, int]] = report["connectors"]
        return counts

    def add(self, *profiles: dict[str, Any]) -> None:
        """``loftterm import`` these profiles (a YAML file; the same id again updates it)."""
        self._imports += 1
        path = self.folder / f"profiles-{self._imports}.yaml"
        path.write_text(yaml.safe_dump({"profiles": list(profiles)}), encoding="utf-8")
        result = self.json("import", str(path))
        assert result["profiles"] == len(profiles)

    def links(self, connector: str) -> dict[tuple[str, str], dict[str, Any]]:
        """``loftterm links --connector C --json`` keyed by (profile id, role)."""
        rows = self.json("links", "--connector", connector)
        return {(row["profile_id"], row["role"]): row for row in rows}

    def link(self, profile_id: str, connector: str, role: str = "contact") -> dict[str, Any]:
        """One profile's link row."""
        return self.links(connector)[(profile_id, role)]

    def profiles_named(self, name: str) -> list[str]:
        """Ids of the book's profiles with this name (read from the book file)."""
        return [p.id for p in self.book().profiles.values() if p.name == name]

    def book(self) -> Book:
        """Read the book as the last command left it."""
        return Book.open(self.folder / "book.json")

    def balance(self, profile_id: str, connector: str) -> dict[str, str]:
        """The balance the book shows on a profile for a ledger (empty: none)."""
        return dict(self.book().profiles[profile_id].balances.get(connector) or {})

    def write_batch(self, name: str, documents: list[dict[str, Any]]) -> Path:
        """Write a batch file (currency AUD) holding these documents; return its path."""
        path = self.folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"batch": name, "currency": "AUD",
                                        "documents": documents}), encoding="utf-8")
        return path


# --- sandboxes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xero_box() -> Iterator[XeroSandbox]:
    yield from serving(XeroSandbox(seed=False))


@pytest.fixture(scope="module")
def qbo_box() -> Iterator[QboSandbox]:
    yield from serving(QboSandbox(seed=False))


@pytest.fixture(scope="module")
def sortscape_box() -> Iterator[SortScapeSandbox]:
    yield from serving(SortScapeSandbox(seed=False))


@pytest.fixture
def xero(xero_box: XeroSandbox) -> XeroSandbox:
    """The module's Xero organisation, emptied (and back on its own tenant) for this scenario."""
    xero_box.tenant_id = DEMO_TENANT_ID
    xero_box.reset()
    return xero_box


@pytest.fixture
def qbo(qbo_box: QboSandbox) -> QboSandbox:
    """The module's QuickBooks Online company, emptied for this scenario."""
    qbo_box.reset()
    return qbo_box


@pytest.fixture
def sortscape(sortscape_box: SortScapeSandbox) -> SortScapeSandbox:
    """The module's SortScape account, emptied for this scenario."""
    sortscape_box.reset()
    return sortscape_box


@pytest.fixture
def xero_loft(tmp_path: Path, xero: XeroSandbox) -> Loft:
    """A new book synced with Xero only (the connector's defaults)."""
    return Loft(tmp_path, {"xero": xero.connector_settings()})


@pytest.fixture
def qbo_loft(tmp_path: Path, qbo: QboSandbox) -> Loft:
    """A new book synced with QuickBooks Online only (the connector's defaults)."""
    return Loft(tmp_path, {"qbo": qbo.connector_settings()})


@pytest.fixture
def field_loft(tmp_path: Path, xero: XeroSandbox, sortscape: SortScapeSandbox) -> Loft:
    """A new book synced with Xero, then SortScape (the ledger feeds the field-service app)."""
    return Loft(tmp_path, {"xero": xero.connector_settings(),
                           "sortscape": sortscape.connector_settings()})


# --- remote records, as a user of each app makes them ----------------------------------------


def xero_contact(
    box: XeroSandbox,
    name: str,
    *,
    email: str = "",
    customer: bool = False,
    supplier: bool = False,
    ar: str = "0",
    ap: str = "0",
    status: str = "ACTIVE",
    phone: str = "",
    street: Address = ("", "", "", ""),
    pobox: Address = ("", "", "", ""),
) -> str:
    """Add a contact to the Xero organisation as its users would; return its ContactID."""
    contact_id = str(uuid.uuid4())
    seed = Seed(contact_id, name, email=email, status=status, customer=customer,
                supplier=supplier, ar=ar, ap=ap, phone=("61", "2", phone) if phone else ("", "", ""),
                street=street, pobox=pobox)
    with box.server.lock:
        box.org.add_contact(seed_record(seed), box.org.now_ms())
    return contact_id


def xero_delete(box: XeroSandbox, contact_id: str) -> None:
    """Make a contact disappear from the organisation (its id is gone from every pull)."""
    with box.server.lock:
        del box.org.contacts[contact_id]
        box.org.order.remove(contact_id)
        box.org.updated_ms.pop(contact_id, None)
        for index in (box.org.active_names, box.org.by_number):
            for key in [k for k, v in index.items() if v == contact_id]:
                del index[key]
        box.org._touched()  # cached query answers are stale now


def xero_item(box: XeroSandbox, code: str, name: str, price: str) -> str:
    """Add a product/service to the Xero organisation; return its ItemID."""
    with box.server.lock:
        [(record, errors)] = box.org.save_items(
            [{"Code": code, "Name": name, "Description": name,
              "SalesDetails": {"UnitPrice": float(price)}}], "create")
    assert not errors, errors
    return str(record["ItemID"])


def xero_balance(box: XeroSandbox, contact_id: str, *, ar: str = "0", ap: str = "0") -> None:
    """Move a contact's balances (as posting documents in Xero would; UpdatedDateUTC stays)."""
    with box.server.lock:
        box.org.set_flags(contact_id, ar=Decimal(ar), ap=Decimal(ap))


def qbo_pair(box: QboSandbox, name: str, *, email: str = "", vendor_balance: str = "0",
             customer_balance: str = "0") -> tuple[str, str]:
    """Add a vendor and its ``*`` customer to the QBO company; return (vendor id, customer id)."""
    mail = {"PrimaryEmailAddr": {"Address": email}} if email else {}
    with box.server.lock:
        vendor = box.save("Vendor", {"DisplayName": name, "CompanyName": name, **mail})
        customer = box.save("Customer", {"DisplayName": "*" + name, "CompanyName": name, **mail})
    if vendor_balance != "0":
        box.edit("Vendor", str(vendor["Id"]), Balance=Decimal(vendor_balance))
    if customer_balance != "0":
        box.edit("Customer", str(customer["Id"]), Balance=Decimal(customer_balance))
    return str(vendor["Id"]), str(customer["Id"])


def other_xero_tenant(box: XeroSandbox, tenant_id: str, name: str) -> None:
    """Make the credentials reach another Xero organisation instead (reset by the fixture)."""
    with box.server.lock:
        box.tenant_id = tenant_id
        box.tenants = [{**box.tenants[0], "tenantId": tenant_id, "tenantName": name}]

