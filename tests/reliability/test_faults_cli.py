"""Faults survived, end to end through the CLI (``loftterm.cli.main``) against the sandboxes.

The connectors' own tests cover each fault at the hook level; these run the whole ``--sync``
with the three connectors together and check what a cron job sees: the exit code, one line per
problem naming the endpoint, the waits asked for (recorded, not slept), the book and the token
file afterwards.  One test runs a real process to prove no traceback reaches stderr.
"""

from __future__ import annotations

import dataclasses
import json
import re
import stat
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.qbo.sandbox import QboSandbox
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.api import Fault, SandboxRequest, SandboxResponse
from loftterm.book import Book
from loftterm.models import ContactFields, Profile
from tests.reliability.conftest import CliResult, book_state, one_line_errors, sections
from tests.reliability.harness import LaterFault, run_cli

Cli = Callable[..., CliResult]
MakeConfig = Callable[..., Path]

DAY_LIMIT = {"Retry-After": "43200", "X-Rate-Limit-Problem": "day", "X-DayLimit-Remaining": "0"}


def sync(cli: Cli, config: Path, *extra: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli("--sync", "--json", "--config", str(config), *extra)
    return result, json.loads(result.out)


def long_waits(result: CliResult) -> list[float]:
    """Rate-limit waits (QBO's client also paces itself with waits under 0.1 s)."""
    return [w for w in result.waits if w >= 1]


def add_agents(book_path: Path, *names: str) -> list[str]:
    """Add payable profiles the next sync must create remotely; return their ids."""
    book = Book.open(book_path)
    ids = []
    for n, name in enumerate(names, start=1):
        first, last = name.split()
        book.put_profile(Profile(f"N{n:03d}", "agent", ContactFields(
            name=name, first_name=first, last_name=last, email=f"{first}@new.example".lower())))
        ids.append(f"N{n:03d}")
    book.save()
    return ids


# ------------------------------------------------------------------------- 429 bursts


def test_minute_rate_limits_wait_per_retry_after_capped_then_succeed(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox,
    sortscape: SortScapeSandbox,
) -> None:
    config = make_config(sections(xero, qbo, sortscape, extra={"xero": {"retry_after_cap": 5.0},
                                                         "qbo": {"retry_after_cap": 7.0}}))
    xero.rate_limit_minute(times=2, retry_after=3)
    xero.rate_limit_minute(times=1, retry_after=600)  # capped by retry_after_cap
    qbo.throttle(times=1)  # no Retry-After: QBO's documented 60 s, capped
    sortscape.rate_limit(times=1, retry_after=2)
    result, report = sync(cli, config)
    assert result.code == 0 and report["ok"], report
    # ledgers first in config order, then SortScape: each wait is the answer's, capped
    assert long_waits(result) == [3.0, 3.0, 5.0, 7.0, 2.0]
    first = xero.calls(path=r"^/api\.xro/")[:4]
    assert len({(r.method, r.path, str(sorted(r.query.items()))) for r in first}) == 1


def test_the_daily_limit_stops_cleanly_with_exit_3_and_the_next_run_resumes(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero=xero, extra={"xero": {"page_size": 5}}))
    xero.server.faults.add(LaterFault("status", r"/Contacts$", "GET", 1, 429,
                                      {"Title": "Too Many Requests"}, headers=DAY_LIMIT, skip=2))
    result, report = sync(cli, config)
    assert result.code == 3 and not report["ok"]
    message = report["errors"]["xero"]
    assert "daily (or monthly) API limit" in message and "GET /api.xro/2.0/Contacts" in message
    assert "resumes on the next sync" in message and "\n" not in message
    assert result.waits == [], "a daily limit is not waited for"
    book = Book.open(tmp_path / "book.json")
    assert book.connector_meta("xero")["resume"]["page"] == 3
    assert book.runs[-1]["ok"] is False and "daily" in book.runs[-1]["error"]
    mark = len(xero.calls())
    again, report = sync(cli, config)
    assert again.code == 0 and report["ok"]
    pages = [r.arg("page") for r in xero.calls()[mark:] if r.path.endswith("/Contacts")
             and r.method == "GET"]
    assert pages[0] == "3"
    assert set(Book.open(tmp_path / "book.json").remote["xero"]) >= {
        f"contact:{cid}" for cid in xero.contacts}


def test_a_used_up_qbo_quota_stops_with_exit_3(
    cli: Cli, make_config: MakeConfig, qbo: QboSandbox,
) -> None:
    config = make_config(sections(qbo=qbo))
    qbo.server.faults.status(429, r"^/v3/", 1, {"Fault": {"Error": [{
        "Message": "message=ThrottleExceeded; monthly quota exceeded", "code": "3001"}]}})
    result, report = sync(cli, config)
    assert result.code == 3 and long_waits(result) == []
    assert "limit is used up" in report["errors"]["qbo"]


# --------------------------------------------------------------------- 5xx, drops, timeouts


def test_server_errors_and_dropped_connections_are_retried_writes_under_their_key(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox,
    sortscape: SortScapeSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero, qbo, sortscape))
    add_agents(tmp_path / "book.json", "Oriel Vantongeren", "Perpetua Quillfeather")
    xero.server_error(503, times=2, path=r"/Contacts$", method="GET")
    xero.server_error(502, times=1, path=r"/Contacts$", method="PUT")
    xero.server.faults.add(Fault("drop", r"/Contacts$", "PUT"))
    qbo.server_error(500, times=2)
    qbo.server_error(503, times=1, path=r"/batch$")
    sortscape.server_error(503, times=1, path=r"/contacts$", method="POST")
    sortscape.drop(path=r"/contacts$")
    result, report = sync(cli, config)
    assert result.code == 0 and report["ok"], report
    backoffs = [w for w in result.waits if w >= 0.2]  # QBO's pacing waits are under 0.1 s
    assert backoffs and all(0.25 <= w <= 8.0 for w in backoffs), backoffs  # jittered, capped
    puts = xero.calls("PUT", r"/Contacts$")
    keys = Counter(r.header("idempotency-key") for r in puts)
    assert keys.most_common(1)[0][1] == 3, "the first PUT was sent 3 times under one key"
    numbers = Counter(c.get("ContactNumber") for c in xero.contacts.values()
                      if c.get("ContactNumber"))
    assert numbers["N001"] == numbers["N002"] == 1 and max(numbers.values()) == 1
    batch = qbo.calls("POST", r"/batch$")
    assert batch[0].arg("requestid") and batch[0].arg("requestid") == batch[1].arg("requestid")
    refs = Counter(c.get("external_ref") for c in sortscape.contacts() if c.get("external_ref"))
    assert refs and max(refs.values()) == 1


# ------------------------------------------------------------------- malformed, truncated


def test_malformed_or_truncated_answers_are_one_line_errors_naming_the_endpoint(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox,
    sortscape: SortScapeSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero, qbo, sortscape))
    xero.malformed(path=r"/Contacts$")
    qbo.malformed(path=r"/query$")
    sortscape.server.faults.add(Fault("truncated", r"/contacts$"))
    result, report = sync(cli, config)
    assert result.code == 3
    errors = report["errors"]
    assert re.search(r"xero GET /\S*Contacts: the answer is not valid JSON", errors["xero"])
    assert re.search(r"qbo GET /query: answer is malformed JSON", errors["qbo"])
    assert re.search(r"sortscape GET /contacts: answer is not valid JSON", errors["sortscape"])
    assert all("\n" not in e for e in errors.values())
    before = book_state(tmp_path / "book.json")
    xero.truncated(path=r"/Contacts$")
    qbo.server.faults.add(Fault("truncated", r"/query$"))
    sortscape.malformed(path=r"/contacts$")
    result, report = sync(cli, config)
    assert result.code == 3 and set(report["errors"]) == {"xero", "qbo", "sortscape"}
    assert book_state(tmp_path / "book.json")[1] == before[1], "links survive a bad answer"
    assert sync(cli, config)[0].code == 0


def test_a_bad_answer_in_a_real_process_is_one_stderr_line_without_traceback(
    make_config: MakeConfig, xero: XeroSandbox,
) -> None:
    config = make_config(sections(xero=xero))
    xero.truncated(path=r"/Contacts$")
    done = run_cli("--sync", "--config", str(config))
    assert done.returncode == 3
    lines = one_line_errors(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("xero: stopped: xero GET ")
    assert "/Contacts" in lines[0] and "not valid JSON" in lines[0]


# -------------------------------------------------------------------------------- tokens


def test_an_access_token_expiring_mid_run_is_refreshed_once(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero=xero, qbo=qbo, extra={"xero": {"page_size": 5},
                                                       "qbo": {"page_size": 10}}))
    xero.server.faults.add(LaterFault("expire_token", r"/Contacts$", skip=1))
    qbo.server.faults.add(LaterFault("expire_token", r"/query$", skip=1))
    result, report = sync(cli, config)
    assert result.code == 0 and report["ok"], report
    assert len(xero.calls("POST", r"/connect/token$")) == 2
    assert len(qbo.calls("POST", r"/tokens/bearer$")) == 2
    path = tmp_path / "book.tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    held = json.loads(path.read_text(encoding="utf-8"))["qbo"]["refresh_token"]
    assert held in qbo.issuer.refresh, "the file holds the rotated, live refresh token"


def test_a_rejected_refresh_token_says_reconnect_exits_3_and_loses_nothing_else(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero=xero, qbo=qbo))
    assert cli("--sync", "--config", str(config)).code == 0
    tokens = tmp_path / "book.tokens.json"
    before, saved = book_state(tmp_path / "book.json"), tokens.read_bytes()
    refresh = json.loads(saved)["qbo"]["refresh_token"]
    qbo.issuer.refresh.clear()  # the app was disconnected in QBO: every refresh token is dead
    qbo.expire_token()
    result, report = sync(cli, config)
    assert result.code == 3
    message = report["errors"]["qbo"]
    assert "reconnect" in message and "loftterm connect qbo" in message and "\n" not in message
    assert "xero" not in report["errors"] and report["connectors"]["xero"]["failed"] == 0
    assert refresh not in result.out + result.err and "demo-secret" not in result.out + result.err
    assert tokens.read_bytes() == saved, "the token file is left as it was"
    after = book_state(tmp_path / "book.json")
    assert after[0].keys() == before[0].keys() and after[1:] == before[1:]


# -------------------------------------------------------------------------- QBO specifics


def test_a_stale_qbo_synctoken_is_reread_and_the_update_retried_once(
    cli: Cli, make_config: MakeConfig, qbo: QboSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(qbo=qbo))
    [pid] = add_agents(tmp_path / "book.json", "Ysolde Marchbanks")
    assert cli("--sync", "--config", str(config)).code == 0
    book = Book.open(tmp_path / "book.json")
    vendor = book.link_of(pid, "qbo", "vendor")
    assert vendor is not None
    profile = book.profile(pid)
    profile.fields = dataclasses.replace(profile.fields, email="ysolde@moved.example")
    book.put_profile(profile)
    book.save()
    qbo.stale_next_write()  # someone saves the vendor in QBO just before our update lands
    result, report = sync(cli, config)
    assert result.code == 0, report
    run = Book.open(tmp_path / "book.json").runs[-1]
    assert [o["status"] for o in run["outcomes"] if o["profile_id"] == pid] == ["updated"] * 2
    record = qbo.record("Vendor", vendor.remote_id)
    assert record is not None and record["PrimaryEmailAddr"]["Address"] == "ysolde@moved.example"
    assert len(qbo.calls("GET", rf"/vendor/{vendor.remote_id}$")) == 1, "re-read once"


def _lose_then_forget(qbo: QboSandbox) -> None:
    """The next batch write is done but its answer is lost, and so is its requestid replay."""
    original = qbo.server._route

    def route(request: SandboxRequest) -> SandboxResponse:
        response = original(request)
        if request.path.endswith("/batch") and response.status == 503:
            with qbo.server.lock:
                qbo.replays.clear()
        return response

    qbo.server._route = route  # type: ignore[method-assign]
    qbo.fail_after_write()


def test_a_qbo_name_clash_on_create_links_the_holder_when_it_carries_our_stamp(
    cli: Cli, make_config: MakeConfig, qbo: QboSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(qbo=qbo))
    ids = add_agents(tmp_path / "book.json", "Tamsin Oakenfold", "Ludovic Perrault")
    _lose_then_forget(qbo)  # the retried batch now meets our own records: DisplayName taken
    result, report = sync(cli, config)
    assert result.code == 0 and report["ok"], report
    book = Book.open(tmp_path / "book.json")
    for pid in ids:
        for role, entity in (("vendor", "Vendor"), ("customer", "Customer")):
            link = book.link_of(pid, "qbo", role)
            record = qbo.record(entity, link.remote_id) if link else None
            assert record is not None, (pid, role)
            assert f"loftterm:{pid}" in str(record.get("AcctNum") or record.get("Notes"))
    with qbo.server.lock:
        stamps = Counter(str(r.get("AcctNum") or r.get("Notes")) for entity in ("Vendor", "Customer")
                         for r in qbo.store.table(entity))
    assert all(stamps[f"loftterm:{pid}"] == 2 for pid in ids), stamps  # one vendor, one customer
    assert not [w for w in book.warnings.values() if w.profile_id in ids]


def test_a_qbo_name_clash_with_a_stranger_is_not_linked_and_names_the_holder(
    cli: Cli, make_config: MakeConfig, qbo: QboSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(qbo=qbo))
    [pid] = add_agents(tmp_path / "book.json", "Cosima Wetherill")
    original = qbo.server._route

    def route(request: SandboxRequest) -> SandboxResponse:
        if request.path.endswith("/batch") and not qbo.find("Vendor", "Cosima Wetherill"):
            with qbo.server.lock:  # a QBO user types the same name after our pull
                qbo.save("Vendor", {"DisplayName": "Cosima Wetherill"})
        return original(request)

    qbo.server._route = route  # type: ignore[method-assign]
    result, _ = sync(cli, config)
    assert result.code == 0
    book = Book.open(tmp_path / "book.json")
    assert book.link_of(pid, "qbo", "vendor") is None
    [warning] = [w for w in book.warnings.values() if w.profile_id == pid]
    assert "'Cosima Wetherill' already used by a vendor (Id" in warning.message


# ---------------------------------------------------------------------- nothing answers


def test_connection_refused_exits_3_with_one_line_per_connector(
    cli: Cli, make_config: MakeConfig, xero: XeroSandbox, qbo: QboSandbox,
    sortscape: SortScapeSandbox, tmp_path: Path,
) -> None:
    config = make_config(sections(xero, qbo, sortscape))
    before = book_state(tmp_path / "book.json")
    for sandbox in (xero, qbo, sortscape):
        sandbox.stop()
    result = cli("--sync", "--config", str(config))
    assert result.code == 3
    lines = one_line_errors(result.err)
    assert [line.split(":")[0] for line in lines] == ["xero", "qbo", "sortscape"]
    assert all("unreachable" in line for line in lines), lines
    assert book_state(tmp_path / "book.json") == before
