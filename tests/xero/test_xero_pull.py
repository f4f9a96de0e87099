from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from connectors.xero import plugin
from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox import seed as seeds
from loftterm.api import CallStats, ConnectorContext, ProtocolError, PullRequest

MakeCtx = Callable[..., tuple[ConnectorContext, CallStats]]


def envelope(contacts: list[Any], pagination: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Id": "x", "Status": "OK", "DateTimeUTC": "/Date(1700000000000)/",
                            "Contacts": contacts}
    if pagination:
        body["pagination"] = pagination
    return body


def pull_all(make_ctx: MakeCtx, request: PullRequest | None = None,
             **settings: Any) -> tuple[list[Any], ConnectorContext, CallStats]:
    ctx, stats = make_ctx(**settings)
    return list(plugin.loftterm_connector_pull(ctx, request or PullRequest())), ctx, stats


def test_full_pull_pages_through_every_contact(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    pages, ctx, _ = pull_all(make_ctx, page_size=5)
    total = len(seeds.SEEDS)
    assert len(pages) == -(-total // 5)
    assert [p.done for p in pages] == [False] * (len(pages) - 1) + [True]
    assert all(p.full for p in pages) and all(p.total == total for p in pages)
    assert [p.cursor["page"] for p in pages] == list(range(2, len(pages) + 2))
    ids = [c.remote_id for p in pages for c in p.contacts]
    assert len(ids) == len(set(ids)) == total
    assert pages[-1].watermark.endswith("Z") and not pages[0].watermark
    by_id = {c.remote_id: c for p in pages for c in p.contacts}
    assert by_id[seeds.GREENLEAF_ID].status == "archived"
    assert by_id[seeds.M_PATEL_MERGED_ID].merged_to == seeds.MEERA_PATEL_ID
    assert by_id[seeds.HARBOUR_REALTY_ID].balance.ar == Decimal("1250.00")
    assert by_id[seeds.WEI_ZHANG_ID].balance.ar == Decimal("89.99")
    assert by_id[seeds.THOMAS_BAKER_ID].balance.ap == Decimal("430.50")
    assert seeds.STALE_ELENA_GARCIA_ID not in by_id
    gets = sandbox.calls("GET", "/Contacts$")
    assert len(gets) == len(pages)
    assert all(r.arg("pageSize") == "5" and r.arg("includeArchived") == "true" for r in gets)
    assert all(r.header("xero-tenant-id") == seeds.DEMO_TENANT_ID for r in gets)
    assert not any(r.header("if-modified-since") for r in gets)
    assert ctx.state["tenant_id"] == seeds.DEMO_TENANT_ID


def test_pull_resumes_from_the_cursor(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    first, _, _ = pull_all(make_ctx, page_size=5)
    resumed, _, _ = pull_all(make_ctx, PullRequest(resume=first[1].cursor), page_size=5)
    assert sandbox.calls("GET", "/Contacts$")[-len(resumed)].arg("page") == "3"
    assert [c.remote_id for p in resumed for c in p.contacts] == \
        [c.remote_id for p in first[2:] for c in p.contacts]
    # the watermark of the pull that died is kept, so nothing changed meanwhile is missed
    assert resumed[-1].watermark == first[1].cursor["watermark"]


def test_incremental_pull_sends_if_modified_since(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    full, _, _ = pull_all(make_ctx)
    watermark = full[-1].watermark
    assert sandbox.edit_contact(seeds.WEI_ZHANG_ID, EmailAddress="wei@zhang.example") == []
    pages, _, _ = pull_all(make_ctx, PullRequest(since=watermark))
    assert len(pages) == 1 and pages[0].done and not pages[0].full
    assert [c.remote_id for c in pages[0].contacts] == [seeds.WEI_ZHANG_ID]
    assert pages[0].contacts[0].email == "wei@zhang.example"
    sent = sandbox.calls("GET", "/Contacts$")[-1].header("if-modified-since")
    assert sent == watermark[:19]
    assert pages[0].watermark >= watermark


def test_incremental_pull_with_no_changes_is_one_empty_page(make_ctx: MakeCtx) -> None:
    full, _, _ = pull_all(make_ctx)
    pages, _, _ = pull_all(make_ctx, PullRequest(since=full[-1].watermark))
    assert len(pages) == 1 and pages[0].contacts == [] and pages[0].done
    assert pages[0].watermark


def test_a_repeating_page_stops_with_a_protocol_error(sandbox: XeroSandbox,
                                                      make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(page_size=5)
    pages = plugin.loftterm_connector_pull(ctx, PullRequest())
    next(pages)
    assert sandbox.calls("GET", "/Contacts$")[0].arg("page") == "1"
    # the server ignores the page parameter from now on and answers page 1 again
    body = envelope([sandbox.contacts[seeds.HARBOUR_REALTY_ID]] * 5,
                    {"page": 1, "pageSize": 5, "pageCount": 6, "itemCount": 30})
    sandbox.server.faults.status(200, r"/Contacts$", 1, body)
    with pytest.raises(ProtocolError, match=r"page 2.*repeats"):
        next(pages)


def test_unpaged_repeat_without_page_number_is_caught(sandbox: XeroSandbox,
                                                      make_ctx: MakeCtx) -> None:
    ctx, _ = make_ctx(page_size=5)
    pages = plugin.loftterm_connector_pull(ctx, PullRequest())
    page1 = next(pages)
    again = [sandbox.contacts[c.remote_id] for c in page1.contacts]
    sandbox.server.faults.status(200, r"/Contacts$", 1, envelope(again))
    with pytest.raises(ProtocolError, match="cursor repeats"):
        next(pages)


def test_page_size_is_capped_at_xero_limit(sandbox: XeroSandbox, make_ctx: MakeCtx) -> None:
    pages, _, _ = pull_all(make_ctx, page_size=5000)
    assert len(pages) == 1 and pages[0].done
    assert sandbox.calls("GET", "/Contacts$")[0].arg("pageSize") == "1000"
