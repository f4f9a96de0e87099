"""``loftterm batch`` against the QBO sandbox: codes become Ids, bad codes post nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.qbo.sandbox import ACCOUNT_IDS, SEED_IDS, QboSandbox
from loftterm.demo import seed_demo_book
from tests.conftest import serving

HARBOUR_VENDOR = SEED_IDS["vendor:Harbour Realty Ltd"]


def loftterm(config: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "loftterm", *args, "--config", str(config)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def qbo() -> Iterator[QboSandbox]:
    yield from serving(QboSandbox())


def write_config(tmp_path: Path, qbo: QboSandbox, **extra: Any) -> Path:
    if not (tmp_path / "book.json").exists():
        seed_demo_book(tmp_path / "book.json", ["qbo"])
    path = tmp_path / "loftterm.yaml"
    section = {"enabled": True, **qbo.connector_settings(), **extra}
    path.write_text(yaml.safe_dump({"book": "book.json", "connectors": {"qbo": section}}),
                    encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path, qbo: QboSandbox) -> Path:
    return write_config(tmp_path, qbo)


def batch(tmp_path: Path, text: str) -> str:
    path = tmp_path / "deals.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = """\
batch: refs
currency: AUD
documents:
  - deal: D-1042
    date: 2025-05-01
    kind: bill
    profile: P001
    lines:
      - {description: Commission 12 Pier St, amount: 1500.00, account: "310"}
      - {description: Signage, amount: 85.00, account: advertising}
"""


def test_account_number_posts_the_accounts_id(tmp_path: Path, config: Path,
                                              qbo: QboSandbox) -> None:
    code, out, err = loftterm(config, "batch", batch(tmp_path, GOOD), "--json")
    assert code == 0, (out, err)
    [doc] = json.loads(out)["documents"]
    assert doc["status"] == "posted"
    bill = qbo.record("Bill", doc["remote_id"])
    assert bill is not None and bill["VendorRef"]["value"] == HARBOUR_VENDOR
    refs = [line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] for line in bill["Line"]]
    assert refs == [ACCOUNT_IDS["310"], ACCOUNT_IDS["400"]]
    assert ACCOUNT_IDS["310"] != "310"  # the test would pass by accident otherwise
    assert "account 310 -> Id 41 (Agent Commissions)" in doc["references"]
    assert bill["DocNumber"].startswith("D-1042-B") and len(bill["DocNumber"]) <= 21
    account_reads = [c for c in qbo.calls("GET", r"/query$") if "FROM Account" in c.arg("query")]
    assert len(account_reads) == 1


def test_unknown_account_fails_that_document_and_posts_nothing(
        tmp_path: Path, config: Path, qbo: QboSandbox) -> None:
    text = GOOD.replace('account: "310"', 'account: "999"') + (
        "  - {deal: D-1043, date: 2025-05-02, kind: invoice, profile: P001, amount: 250,"
        " item: DESK}\n")
    code, out, err = loftterm(config, "batch", batch(tmp_path, text), "--json")
    assert code == 3, (out, err)
    bill, invoice = json.loads(out)["documents"]
    assert bill["status"] == "failed"
    assert bill["reason"] == ("account '999' on batch line 9: no QuickBooks Online account has "
                              "that number or name")
    assert qbo.count("Bill") == 0 and qbo.calls("POST", r"/bill$") == []
    assert invoice["status"] == "posted"  # the other document goes on
    stored = qbo.record("Invoice", invoice["remote_id"])
    assert stored is not None
    assert stored["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "2"


def test_ambiguous_and_inactive_codes_are_refused(tmp_path: Path, config: Path,
                                                  qbo: QboSandbox) -> None:
    qbo.edit("Account", ACCOUNT_IDS["429"], Name="400")  # a name that is another's number
    text = GOOD.replace('account: "310"', 'account: "400"').replace(
        "account: advertising", 'account: "420"')
    code, out, _err = loftterm(config, "batch", batch(tmp_path, text), "--json")
    assert code == 3
    [doc] = json.loads(out)["documents"]
    assert doc["reason"].startswith("account '400' on batch line 9 is ambiguous")
    assert "Advertising (Id 58, AcctNum 400)" in doc["reason"]
    qbo.edit("Account", ACCOUNT_IDS["429"], Name="General Expenses")
    text = GOOD.replace("account: advertising", 'account: "420"')
    code, out, _err = loftterm(config, "batch", batch(tmp_path, text), "--json")
    [doc] = json.loads(out)["documents"]
    assert doc["reason"].startswith("account '420' on batch line 10 is inactive")
    assert qbo.count("Bill") == 0


NO_ACCOUNT = """\
documents:
  - {deal: D-7, date: 2025-05-01, kind: bill, profile: P001, currency: AUD,
     description: Photos, amount: 120.00}
"""


def test_line_without_account_needs_the_default_expense_account(
        tmp_path: Path, config: Path, qbo: QboSandbox) -> None:
    path = batch(tmp_path, NO_ACCOUNT)
    code, out, _err = loftterm(config, "batch", path, "--json")
    [doc] = json.loads(out)["documents"]
    assert code == 3 and doc["status"] == "failed"
    assert "connectors.qbo.default_expense_account is not set" in doc["reason"]
    assert "batch line 3" in doc["reason"] and qbo.count("Bill") == 0
    config = write_config(tmp_path, qbo, default_expense_account="General Expenses")
    code, out, err = loftterm(config, "batch", path, "--json")
    assert code == 0, (out, err)
    [doc] = json.loads(out)["documents"]
    bill = qbo.record("Bill", doc["remote_id"])
    assert bill is not None
    ref = bill["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]
    assert ref["value"] == ACCOUNT_IDS["429"]


def test_default_expense_account_is_checked_when_the_config_loads(
        tmp_path: Path, qbo: QboSandbox) -> None:
    config = write_config(tmp_path, qbo, default_expense_account="Expenses:Travel")
    code, _out, err = loftterm(config, "status")
    assert code == 2 and "connectors.qbo.default_expense_account: an account number or name" in err
    assert qbo.calls() == []


def test_dry_run_shows_the_resolved_references_and_writes_nothing(
        tmp_path: Path, config: Path, qbo: QboSandbox) -> None:
    code, out, err = loftterm(config, "batch", batch(tmp_path, GOOD), "--dry-run")
    assert code == 0, (out, err)
    assert "account 310 -> Id 41 (Agent Commissions)" in out
    assert "account advertising -> Id 58 (Advertising)" in out
    assert qbo.calls("POST") == [] or all("oauth2" in c.path for c in qbo.calls("POST"))
    assert qbo.count("Bill") == 0


TWO_OF_ONE_DEAL = """\
currency: AUD
documents:
  - {deal: SETTLEMENT-2025-05-LONGREF-1, date: 2025-05-01, kind: bill, profile: P001,
     amount: 100, account: "310"}
  - {deal: SETTLEMENT-2025-05-LONGREF-2, date: 2025-05-01, kind: bill, profile: P001,
     amount: 200, account: "310"}
  - {deal: SETTLEMENT-2025-05-LONGREF-1, date: 2025-05-01, kind: bill, profile: P003,
     amount: 300, account: "310"}
"""


def test_doc_numbers_never_collide_in_a_batch(tmp_path: Path, config: Path,
                                              qbo: QboSandbox) -> None:
    qbo.refuse_duplicate_doc_numbers()
    code, out, err = loftterm(config, "batch", batch(tmp_path, TWO_OF_ONE_DEAL), "--json")
    assert code == 0, (out, err)
    docs = json.loads(out)["documents"]
    numbers = [qbo.record("Bill", d["remote_id"])["DocNumber"] for d in docs]  # type: ignore[index]
    assert len(set(numbers)) == 3 and all(len(n) <= 21 for n in numbers)
    assert all(n.startswith("SETTLEMENT-2") for n in numbers)
    code, out, _err = loftterm(config, "batch", batch(tmp_path, TWO_OF_ONE_DEAL), "--json")
    assert [d["status"] for d in json.loads(out)["documents"]] == ["exists"] * 3
