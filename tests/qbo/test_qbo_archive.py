"""Making records inactive; QBO refuses a customer with an open balance."""

from __future__ import annotations

from connectors.qbo import plugin
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import ArchiveRequest

from .conftest import Run


def test_archive_with_zero_balance_and_refusal_with_a_balance(run: Run,
                                                              sandbox: QboSandbox) -> None:
    outcomes = plugin.loftterm_connector_archive(ctx=run.ctx, requests=[
        ArchiveRequest("p-1", "vendor", "5", "profile archived"),
        ArchiveRequest("p-2", "customer", "2", "profile archived"),
    ])
    priya, harbour = outcomes
    assert priya.status == "archived" and priya.remote is not None
    assert priya.remote.status == "inactive"
    assert sandbox.record("Vendor", "5")["Active"] is False  # type: ignore[index]
    assert harbour.status == "failed"
    assert "open balance of 1250" in harbour.reason
    assert "Delete List Has Balance Error" in harbour.reason
    assert sandbox.record("Customer", "2")["Active"] is True  # type: ignore[index]
    [body] = [r.json() for r in sandbox.calls("POST", r"/vendor$")]
    assert body == {"Id": "5", "SyncToken": "0", "sparse": True, "Active": False}


def test_already_inactive_is_archived_without_a_write(run: Run, sandbox: QboSandbox) -> None:
    [outcome] = plugin.loftterm_connector_archive(
        ctx=run.ctx, requests=[ArchiveRequest("p-3", "vendor", "9")])
    assert outcome.status == "archived"
    assert not sandbox.calls("POST", r"/vendor$")


def test_unknown_record_fails_with_a_reason(run: Run) -> None:
    [outcome] = plugin.loftterm_connector_archive(
        ctx=run.ctx, requests=[ArchiveRequest("p-4", "customer", "999")])
    assert outcome.status == "failed" and "610" in outcome.reason
