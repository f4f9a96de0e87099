"""``PushRequest.status``: how undo re-activates an archived record in QBO and SortScape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.qbo import plugin as qbo
from connectors.qbo.client import close_client as close_qbo
from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape import plugin as sortscape
from connectors.sortscape.client import close_client as close_sortscape
from connectors.sortscape.sandbox import SortScapeSandbox, seed
from loftterm.api import ArchiveRequest, ConnectorContext, ContactFields, PushRequest
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens


@pytest.fixture
def qbo_ctx() -> Iterator[tuple[QboSandbox, ConnectorContext]]:
    box = QboSandbox()
    box.start()
    settings = box.connector_settings()
    ctx, _ = build_context("qbo", settings, MemoryTokens({"refresh_token": settings["refresh_token"]}))
    try:
        yield box, ctx
    finally:
        close_qbo(ctx)
        box.stop()


@pytest.fixture
def sortscape_ctx() -> Iterator[tuple[SortScapeSandbox, ConnectorContext]]:
    box = SortScapeSandbox()
    box.start()
    ctx, _ = build_context("sortscape", box.connector_settings(), MemoryTokens())
    try:
        yield box, ctx
    finally:
        close_sortscape(ctx)
        box.stop()


def test_qbo_status_active_alone_sets_active_true(
    qbo_ctx: tuple[QboSandbox, ConnectorContext],
) -> None:
    box, ctx = qbo_ctx
    [archived] = qbo.loftterm_connector_archive(ctx=ctx, requests=[ArchiveRequest("p", "vendor", "5")])
    assert archived.status == "archived" and box.record("Vendor", "5")["Active"] is False  # type: ignore[index]
    request = PushRequest("update", "p", "vendor", ContactFields(), remote_id="5", status="active")
    [outcome] = qbo.loftterm_connector_push(ctx=ctx, requests=[request])
    assert outcome.status == "updated" and outcome.remote is not None
    assert outcome.remote.status == "active" and box.record("Vendor", "5")["Active"] is True  # type: ignore[index]
    body = box.calls("POST", r"/vendor$")[-1].json()
    assert set(body) == {"Id", "SyncToken", "sparse", "Active"}  # the status only


def test_sortscape_status_active_restores_then_patches(
    sortscape_ctx: tuple[SortScapeSandbox, ConnectorContext],
) -> None:
    box, ctx = sortscape_ctx
    box.archive_contact(seed.TOM_B)
    version = str(box.contact(seed.TOM_B)["version"])
    fields = ContactFields(name="Tom Baker", phone="0400 000 001")
    request = PushRequest("update", "p", "contact", fields, frozenset({"phone"}), seed.TOM_B,
                          version, "key-1", status="active")
    [outcome] = sortscape.loftterm_connector_push(ctx=ctx, requests=[request])
    assert outcome.status == "updated", outcome.reason
    stored = box.contact(seed.TOM_B)
    assert stored["status"] == "active" and stored["phone"] == "0400 000 001"
    assert box.calls("POST", r"/restore$")
