"""Crash anywhere, rerun converges: SIGKILL a ``loftterm --sync`` process against the sandboxes.

The sandboxes are served from this test process over loopback; the sync is a separate process
(``python -m loftterm``-equivalent), killed at a random moment (seeded) or right after the
remote committed a create whose answer it withholds.  The default suite runs a handful of
trials per connector; ``pytest -m slow`` runs 50 per connector (``LOFTTERM_CHAOS_TRIALS``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from loftterm.book import Book
from loftterm.engine.pipeline.pull import SAVE_EVERY_PAGES
from loftterm.models import LinkMethod
from tests.reliability.harness import (
    CONNECTORS,
    AnswerTrap,
    Rig,
    Totals,
    kill_when,
    rig,
    run_cli,
    start_cli,
)

SEEDS = {"xero": 1101, "qbo": 2202, "sortscape": 3303}
SLOW_TRIALS = int(os.environ.get("LOFTTERM_CHAOS_TRIALS", "50"))


@pytest.fixture(scope="module", params=CONNECTORS)
def chaos(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    name = str(request.param)
    # kill delays are drawn up to the rig's typical run time; the slow test measures it
    with rig(name, tmp_path_factory.mktemp(f"chaos-{name}"), SEEDS[name], calibrate=False) as made:
        yield made


@pytest.mark.parametrize("trial", range(2))
def test_a_killed_sync_leaves_no_duplicate_no_loss_and_a_readable_book(chaos: Rig, trial: int) -> None:
    result = chaos.trial("timer")
    assert result.ok, result.describe()


def test_a_record_created_just_before_the_kill_is_found_and_linked_not_created_again(
    chaos: Rig,
) -> None:
    # The first create is committed remotely, its answer never reaches the killed sync, and
    # the remote's idempotency replay is forgotten: only find-before-create can save the rerun.
    result = chaos.trial("after-write", nth=1, fault=False)
    assert result.killed and result.ok, result.describe()
    assert chaos.trapped is not None
    created = chaos.stamps_in(chaos.trapped)
    assert created, "the trapped request created nothing"
    book = Book.open(chaos.trial_dir / "book.json")
    for pid, role in created:
        link = book.link_of(pid, chaos.name, role)
        assert link is not None and link.method == LinkMethod.RECOVERED, (pid, role, link)
    resent = {key for request in chaos.rerun_creates() for key in chaos.stamps_in(request)}
    assert not created & resent, f"created again: {sorted(created & resent)}"


def test_a_pull_killed_mid_way_resumes_from_its_checkpoint_and_misses_nothing(
    tmp_path: Path,
) -> None:
    with rig("xero", tmp_path, 4404, calibrate=False, contacts=150) as made:
        config = made.prepare()
        xero = made.servers()[0]
        kill_page = SAVE_EVERY_PAGES + 3  # past the first checkpoint, before the end

        def page(request: object) -> bool:
            return getattr(request, "method", "") == "GET" and str(
                getattr(request, "path", "")).endswith("/Contacts")

        with AnswerTrap(xero.server, page, kill_page) as trap:
            proc = start_cli("--sync", "--config", str(config))
            killed, _ = kill_when(proc, trap.fired)
        assert killed
        mark = len(xero.server.log)
        book = Book.open(made.trial_dir / "book.json")
        meta = book.connector_meta("xero")
        assert meta["resume"]["page"] == SAVE_EVERY_PAGES + 1
        assert len(book.remote["xero"]) == SAVE_EVERY_PAGES * 10  # page_size 10
        rerun = run_cli("--sync", "--json", "--config", str(config))
        assert rerun.returncode == 0, rerun.stderr
        pages = [int(r.arg("page")) for r in xero.server.log[mark:]
                 if r.method == "GET" and r.path.endswith("/Contacts")]
        assert pages[0] == SAVE_EVERY_PAGES + 1, pages  # resumed, neither restarted nor skipped
        book = Book.open(made.trial_dir / "book.json")
        assert made.remote_mirror_keys() <= set(book.remote["xero"])
        assert "resume" not in book.connector_meta("xero")
        assert not made.lost(book) and not made.duplicates()


@pytest.mark.slow
def test_fifty_kills_per_connector_all_converge(chaos: Rig) -> None:
    chaos.calibrate()
    totals = Totals()
    for _ in range(SLOW_TRIALS):
        totals.add(chaos.trial())
    assert totals.trials == SLOW_TRIALS
    assert totals.kills >= SLOW_TRIALS * 0.7, "most trials must kill a running sync"
    assert (totals.duplicates, totals.lost, totals.corrupt, totals.failed_reruns) == (0, 0, 0, 0), [
        r.describe() for r in totals.bad[:5]]
