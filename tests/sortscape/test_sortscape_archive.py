from connectors.sortscape.sandbox import seed
from loftterm.api import ArchiveRequest


def archive(hooks, ctx, *remote_ids):
    requests = [ArchiveRequest(f"prof-{rid}", "contact", rid, "inactive in the ledger")
                for rid in remote_ids]
    return hooks.call("loftterm_connector_archive", ctx=ctx, requests=requests)


def test_archive_is_deferred_while_jobs_are_pending_then_done(hooks, make_run, sandbox):
    ctx, _ = make_run()
    (out,) = archive(hooks, ctx, seed.GREENLEAF)
    assert out.status == "deferred"
    assert out.reason == "2 pending jobs (J-104, J-107) and 1 open issue (J-105)"
    assert sandbox.contact(seed.GREENLEAF)["status"] == "active"

    sandbox.complete_job("J-104")
    sandbox.complete_job("J-107")
    (still,) = archive(hooks, ctx, seed.GREENLEAF)
    assert (still.status, still.reason) == ("deferred", "1 open issue (J-105)")

    sandbox.resolve_issue("J-105")
    (done,) = archive(hooks, make_run()[0], seed.GREENLEAF)
    assert done.status == "archived" and done.remote.status == "archived"
    stored = sandbox.contact(seed.GREENLEAF)
    assert stored["status"] == "archived"
    assert {p["status"] for p in stored["properties"]} == {"archived"}


def test_contact_with_only_completed_jobs_archives_at_once(hooks, ctx, sandbox):
    parkside, again = archive(hooks, ctx, seed.PARKSIDE, seed.PARKSIDE)
    assert parkside.status == again.status == "archived"
    assert sandbox.contact(seed.PARKSIDE)["version"] == 4  # archived once, not twice


def test_blocking_jobs_are_looked_up_when_the_refusal_lists_none(hooks, ctx, sandbox):
    sandbox.server.faults.status(409, path="/archive$", body={
        "error": {"code": "archive_blocked", "message": "work is open"}})
    (out,) = archive(hooks, ctx, seed.HARBOUR_REALTY)
    assert (out.status, out.reason) == ("deferred", "1 pending job (J-102)")
    assert sandbox.calls("GET", "/jobs$")[0].arg("contact_id") == seed.HARBOUR_REALTY


def test_archiving_an_unknown_contact_fails_that_record(hooks, ctx):
    (out,) = archive(hooks, ctx, "C-999999")
    assert out.status == "failed" and "not found" in out.reason
