import pytest

from connectors.sortscape.client import close_client
from connectors.sortscape.sandbox import SortScapeSandbox, seed
from loftterm.api import PullRequest, RemoteError
from loftterm.engine.context import build_context
from loftterm.http.tokens import MemoryTokens


def pull_all(hooks, ctx, request=None):
    return list(hooks.call("loftterm_connector_pull", ctx=ctx, request=request or PullRequest()))


def test_full_pull_pages_through_every_contact_archived_included(hooks, make_run, sandbox):
    ctx, _ = make_run(page_size=3)
    pages = pull_all(hooks, ctx)
    assert [len(p.contacts) for p in pages] == [3, 3, 2]
    assert [p.done for p in pages] == [False, False, True]
    assert all(p.full and p.total == 8 for p in pages)
    assert [p.cursor.get("page") for p in pages] == [2, 3, None]
    watermark = pages[-1].watermark
    assert watermark.endswith("Z") and pages[0].cursor["watermark"] == watermark
    contacts = {c.remote_id: c for p in pages for c in p.contacts}
    assert contacts[seed.OLD_MILL].status == "archived"
    greenleaf = contacts[seed.GREENLEAF]
    assert (greenleaf.extra["pending_jobs"], greenleaf.extra["open_issues"]) == (2, 1)
    assert [p["id"] for p in greenleaf.extra["properties"]] == ["P-2005", "P-2006"]
    assert contacts[seed.TOM_B].fields.phone == seed.TOM_B_PHONE
    gets = sandbox.calls("GET", "/contacts$")
    assert [g.arg("page") for g in gets] == ["1", "2", "3"]
    assert {g.arg("include_archived") for g in gets} == {"true"}
    assert ctx.state["tenant_id"] == "ACC-4471"
    assert ctx.state["tenant_name"] == "Green Thumb Gardens"


def test_resumed_pull_starts_at_the_cursor_and_keeps_the_first_watermark(hooks, make_run, sandbox):
    ctx, _ = make_run(page_size=3)
    resume = {"page": 3, "watermark": "2025-05-01T00:00:00Z"}
    pages = pull_all(hooks, ctx, PullRequest(resume=resume))
    assert len(pages) == 1 and pages[0].done
    assert [c.remote_id for c in pages[0].contacts] == [seed.OLD_MILL, seed.POTTING_SHED]
    assert pages[0].watermark == "2025-05-01T00:00:00Z"
    assert [g.arg("page") for g in sandbox.calls("GET", "/contacts$")] == ["3"]


def test_incremental_pull_returns_only_contacts_changed_since(hooks, ctx, sandbox):
    watermark = pull_all(hooks, ctx)[-1].watermark
    sandbox.edit_contact(seed.TOM_B, email="tom.b@example.com")
    sandbox.complete_job("J-106")  # W. Zhang's counters change: updated_at moves, version not
    pages = pull_all(hooks, ctx, PullRequest(since=watermark))
    assert all(not p.full for p in pages)
    changed = {c.remote_id: c for p in pages for c in p.contacts}
    assert set(changed) == {seed.TOM_B, seed.W_ZHANG}
    assert changed[seed.TOM_B].email == "tom.b@example.com"
    assert changed[seed.TOM_B].version == "4"
    assert changed[seed.W_ZHANG].version == "3" and changed[seed.W_ZHANG].extra["pending_jobs"] == 0
    assert sandbox.calls("GET", "/contacts$")[-1].arg("updated_since") == watermark
    assert pages[-1].watermark >= watermark


def test_pull_refuses_an_account_other_than_the_configured_one(hooks, make_run):
    ctx, _ = make_run(account_id="ACC-9999")
    with pytest.raises(RemoteError) as err:
        pull_all(hooks, ctx)
    assert "ACC-4471" in err.value.message and "ACC-9999" in err.value.message


def test_pinning_is_left_to_the_engine(hooks, make_run):
    ctx, _ = make_run(account_id="", pinned="ACC-1")  # the engine decides (it may --repoint)
    assert sum(len(p.contacts) for p in pull_all(hooks, ctx)) == 8
    assert ctx.state["tenant_id"] == "ACC-4471"


def test_generated_contacts_page_through(hooks):
    big = SortScapeSandbox(seed=False, contacts=450)
    big.start()
    try:
        ctx, _ = build_context("sortscape", {**big.connector_settings(), "page_size": 200},
                                   MemoryTokens())
        pages = pull_all(hooks, ctx)
        close_client(ctx)
    finally:
        big.stop()
    assert [len(p.contacts) for p in pages] == [200, 200, 50]
    ids = [c.remote_id for p in pages for c in p.contacts]
    assert len(set(ids)) == 450 and all(c.extra["properties"] for p in pages for c in p.contacts)
