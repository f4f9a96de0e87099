"""Pulling over loopback: paged full pulls, resume, CDC, the 30-day and saturation fallbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.qbo import plugin
from connectors.qbo.client import close_client
from connectors.qbo.sandbox import QboSandbox
from loftterm.api import PullPage, PullRequest
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens

from .conftest import Run

SEEDED_NAME_RECORDS = 34


def pull(run: Run, request: PullRequest | None = None) -> list[PullPage]:
    return list(plugin.loftterm_connector_pull(ctx=run.ctx, request=request or PullRequest()))


def test_full_pull_pages_every_role_active_or_not(make_run: Callable[..., Run],
                                                  sandbox: QboSandbox) -> None:
    run = make_run(page_size=5)
    pages = pull(run)
    contacts = [c for page in pages for c in page.contacts]
    assert len(contacts) == SEEDED_NAME_RECORDS
    assert len({c.key for c in contacts}) == SEEDED_NAME_RECORDS
    assert len(pages) >= 7 and all(p.full for p in pages)
    assert [p.done for p in pages] == [False] * (len(pages) - 1) + [True]
    assert pages[-1].watermark.endswith("Z") and not pages[0].watermark
    by_key = {c.key: c for c in contacts}
    assert by_key["customer:11"].name == "Siobhan O'Leary"
    assert by_key["customer:11"].extra["display_name"] == "*Siobhan O'Leary"
    assert by_key["vendor:9"].status == "inactive"
    assert by_key["employee:12"].name == "Marcus Whitfield"
    assert by_key["customer:2"].balance.ar == Decimal("1250.00")
    assert by_key["vendor:3"].balance.ap == Decimal("430.50")
    queries = [q for q in sandbox.calls("GET", r"/query$") if "COUNT" not in q.arg("query")]
    starts = [q.arg("query").split("STARTPOSITION ")[1].split()[0] for q in queries]
    assert starts[:3] == ["1", "6", "11"]
    assert all("Active IN (true, false)" in q.arg("query") for q in queries)
    assert all(r.arg("minorversion") == "75" for r in sandbox.calls(path=r"^/v3/"))
    assert run.ctx.state["tenant_id"] == sandbox.realm_id
    assert run.ctx.state["tenant_name"] == "Harbour Demo Brokerage"


def test_call_counts_of_a_full_then_a_cdc_pull(make_run: Callable[..., Run],
                                               sandbox: QboSandbox) -> None:
    first = make_run()
    pages = pull(first)
    assert len(pages) == 3  # one page per entity
    assert len(sandbox.calls(path=r"^/v3/")) == 4  # companyinfo + three queries
    assert first.stats.calls == 5  # plus the token refresh
    assert first.tokens.load()["tenant_name"] == "Harbour Demo Brokerage"
    second = make_run()  # the next run, same token store: the company name is remembered
    cdc = pull(second, PullRequest(since=pages[-1].watermark))
    assert second.stats.calls == 1 and len(cdc) == 1
    assert second.ctx.state["tenant_name"] == "Harbour Demo Brokerage"


def test_resumed_pull_continues_where_it_stopped(make_run: Callable[..., Run]) -> None:
    first = make_run(page_size=4)
    pages = pull(first)
    everything = {c.key for p in pages for c in p.contacts}
    cursor = pages[2].cursor
    assert cursor["entity"] in ("Customer", "Vendor") and cursor["start"] > 1
    resumed = pull(make_run(page_size=4), PullRequest(resume=cursor))
    seen_before = {c.key for p in pages[:3] for c in p.contacts}
    seen_after = {c.key for p in resumed for c in p.contacts}
    assert not seen_before & seen_after
    assert seen_before | seen_after == everything
    assert resumed[-1].watermark == pages[-1].watermark  # the original pull's first-call time


def test_cdc_returns_only_changed_records(run: Run, sandbox: QboSandbox) -> None:
    watermark = pull(run)[-1].watermark
    sandbox.edit("Vendor", "5", PrimaryEmailAddr={"Address": "priya@new.example"})
    sandbox.edit("Customer", "4", DisplayName="*Tom Baker")
    before = len(sandbox.calls(path=r"^/v3/"))
    pages = pull(run, PullRequest(since=watermark))
    assert len(sandbox.calls(path=r"^/v3/")) - before == 1
    assert len(sandbox.calls("GET", r"/cdc$")) == 1
    assert len(pages) == 1 and pages[0].done and not pages[0].full
    assert sorted(c.key for c in pages[0].contacts) == ["customer:4", "vendor:5"]
    tom = next(c for c in pages[0].contacts if c.role == "customer")
    assert tom.name == "Tom Baker" and tom.version == "1"
    assert pages[0].watermark > watermark


def test_since_older_than_30_days_falls_back_to_a_full_pull(run: Run, sandbox: QboSandbox) -> None:
    since = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    pages = pull(run, PullRequest(since=since))
    assert not sandbox.calls("GET", r"/cdc$")
    assert all(p.full for p in pages)
    assert sum(len(p.contacts) for p in pages) == SEEDED_NAME_RECORDS


@pytest.fixture(scope="module")
def shared_busy_sandbox() -> Iterator[QboSandbox]:
    box = QboSandbox(contacts=600)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def busy_sandbox(shared_busy_sandbox: QboSandbox) -> QboSandbox:
    shared_busy_sandbox.reset()
    return shared_busy_sandbox


def test_saturated_cdc_pages_only_the_changed_records(busy_sandbox: QboSandbox) -> None:
    """1000 changes saturate CDC: the changed records are paged by LastUpdatedTime instead."""
    settings = {**busy_sandbox.connector_settings(), "page_size": 400}
    since = datetime.now(UTC).isoformat()
    for index in range(500):
        busy_sandbox.edit("Vendor", str(1000 + 2 * index), Active=True)
        busy_sandbox.edit("Customer", str(1001 + 2 * index), Active=True)
    ctx, _ = build_context("qbo", settings, MemoryTokens(), sleep=lambda s: None)
    try:
        pages = list(plugin.loftterm_connector_pull(ctx=ctx, request=PullRequest(since=since)))
    finally:
        close_client(ctx)
    assert len(busy_sandbox.calls("GET", r"/cdc$")) == 1
    assert not any(p.full for p in pages)  # not a listing of everything: nothing is dropped
    keys = [c.key for p in pages for c in p.contacts]
    assert len(keys) == len(set(keys)) == 1000
    queries = [c.query["query"][0] for c in busy_sandbox.calls("GET", r"/query$")]
    assert queries and all("LastUpdatedTime >= " in q for q in queries)
    assert pages[0].cursor["since"] and pages[-1].cursor == {}
    cdc_time = pages[-1].watermark
    assert cdc_time and cdc_time <= datetime.now(UTC).isoformat().replace("+00:00", "Z")


def test_generated_contacts_page_without_duplicates(busy_sandbox: QboSandbox) -> None:
    ctx, _ = build_context("qbo", {**busy_sandbox.connector_settings(), "page_size": 250},
                           MemoryTokens(), sleep=lambda s: None)
    try:
        pages = list(plugin.loftterm_connector_pull(ctx=ctx, request=PullRequest()))
    finally:
        close_client(ctx)
    contacts = [c for p in pages for c in p.contacts]
    assert len({c.key for c in contacts}) == len(contacts) == SEEDED_NAME_RECORDS + 1200
    assert pages[0].total == SEEDED_NAME_RECORDS + 1200  # counted once the first page was full
    pairs = {c.name for c in contacts if c.role == "vendor"} & {
        c.name for c in contacts if c.role == "customer"}
    assert len(pairs) >= 600


def test_minorversion_below_75_is_sent_as_75(make_run: Callable[..., Run],
                                             sandbox: QboSandbox) -> None:
    pull(make_run(minorversion=40))
    assert {r.arg("minorversion") for r in sandbox.calls(path=r"^/v3/")} == {"75"}
