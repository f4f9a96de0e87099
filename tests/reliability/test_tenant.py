"""Tenant pinning through the CLI: another organisation is refused unless ``--repoint``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.qbo.sandbox import QboSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from tests.reliability.conftest import CliResult, book_state, one_line_errors, sections

OTHER_TENANT = "0e6c1a52-3c0f-4b8e-9d5e-7f2f1c9b8a11"


@pytest.fixture
def other_org() -> Iterator[XeroSandbox]:
    """Another Xero organisation (no demo data) the same app can reach."""
    sandbox = XeroSandbox(seed=False, contacts=25)
    sandbox.tenant_id = OTHER_TENANT
    sandbox.tenants[0].update(tenantId=OTHER_TENANT, tenantName="Other Holdings")
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_another_xero_organisation_is_refused_then_repointed_with_a_full_pull(
    cli: Callable[..., CliResult], make_config: Callable[..., Path], xero: XeroSandbox,
    other_org: XeroSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero=xero))
    assert cli("--sync", "--config", str(config)).code == 0
    pinned = book_state(tmp_path / "book.json")
    assert pinned[1], "the first sync linked profiles"

    config = make_config(sections(xero=other_org))  # the config now reaches another org
    refused = cli("--sync", "--json", "--config", str(config))
    assert refused.code == 2
    message = json.loads(refused.out)["errors"]["xero"]
    assert "pinned to" in message and "Other Holdings" in message and "--repoint" in message
    assert OTHER_TENANT in message
    assert "\n" not in message and one_line_errors(refused.err) == []
    assert book_state(tmp_path / "book.json") == pinned, "a refused run changes nothing"
    assert not other_org.calls("PUT") and not other_org.calls("POST", r"/Contacts")

    moved = cli("--sync", "--repoint", "--json", "--config", str(config))
    assert moved.code == 0, moved.out + moved.err
    book = Book.open(tmp_path / "book.json")
    run = book.runs[-1]
    assert run["ok"] and any("repointed from" in note and "Other Holdings" in note
                             for note in run["notes"]), run["notes"]
    history = cli("runs", "--config", str(config)).out  # the note is in the history
    assert f"run {run['id']} (xero): " in history and "repointed from" in history
    meta = book.connector_meta("xero")
    assert (meta["tenant_id"], meta["tenant_name"]) == (OTHER_TENANT, "Other Holdings")
    # the mirror is the new organisation's, all of it (a repoint must not pull incrementally)
    assert set(book.remote["xero"]) == {f"contact:{cid}" for cid in other_org.contacts}
    assert not any(link.remote_id in {r.split(":", 1)[1] for r in pinned[2]["xero"]}
                   for link in book.links.values() if link.connector == "xero")
    again = cli("--sync", "--json", "--config", str(config))
    assert again.code == 0 and json.loads(again.out)["connectors"]["xero"]["created_remote"] == 0


def test_another_qbo_company_is_refused(
    cli: Callable[..., CliResult], make_config: Callable[..., Path], qbo: QboSandbox,
    tmp_path: Path,
) -> None:
    config = make_config(sections(qbo=qbo))
    assert cli("--sync", "--config", str(config)).code == 0
    before = book_state(tmp_path / "book.json")
    other = QboSandbox(realm_id="4620816365178822051")
    other.start()
    try:
        config = make_config(sections(qbo=other))
        (tmp_path / "book.tokens.json").unlink()  # connected to the other company
        refused = cli("--sync", "--config", str(config))
        assert refused.code == 2
        lines = one_line_errors(refused.err)
        assert len(lines) == 1 and "pinned to" in lines[0] and "--repoint" in lines[0]
        assert book_state(tmp_path / "book.json") == before
        assert cli("--sync", "--repoint", "--config", str(config)).code == 0
    finally:
        other.stop()
