"""Kill-and-rerun trials (issue 7): the sync runs as its own process, the sandboxes run here.

One trial: fresh sandbox data and a fresh book; ``python -m loftterm --sync`` started as a
subprocess with one more fault queued on the sandbox; SIGKILL either after a random delay
(seeded) or right after the sandbox committed a write whose answer it then withholds (the
"created just before the kill" window); then the book must open, a clean rerun must exit 0, and
the remote must hold no duplicate and the book must have lost nothing:

* duplicates: remote records sharing the key loftterm finds its own records by (Xero
  ``ContactNumber`` and active name, QBO stamp and DisplayName, SortScape ``external_ref``);
* lost: a profile of the book before the trial is gone, a remote record is missing from the
  mirror (a resumed pull skipped a page), a profile loftterm had to create is not linked to
  its stamped record, or a stamped record is linked to nobody.

Idempotency replay caches are emptied before every rerun (Xero keeps an Idempotency-Key for
minutes, a cron rerun comes later), so convergence must come from find-before-create.

Used by ``tests/reliability/test_chaos.py`` and ``bench/chaos.py``.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors.qbo.sandbox import QboSandbox
from connectors.qbo.sandbox.server import CLIENT_ID as QBO_CLIENT_ID
from connectors.qbo.sandbox.server import CLIENT_SECRET as QBO_CLIENT_SECRET
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.api import Fault, SandboxRequest, SandboxResponse, SandboxServer, TokenIssuer
from loftterm.book import Book
from loftterm.demo import seed_demo_book
from loftterm.engine.pipeline import fieldsync
from loftterm.errors import BookCorruptError
from loftterm.models import ContactFields, Profile
from loftterm.plugins import ConnectorHooks, make_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = ("xero", "qbo", "sortscape")


# ---------------------------------------------------------------------------------- the CLI


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``loftterm`` subprocess: this interpreter's, the repo importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONWARNINGS", None)
    env.update(extra or {})
    return env


def run_cli(*args: str, timeout: float = 120, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m loftterm ARGS`` to the end (stdin closed, output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "loftterm", *args], capture_output=True, text=True,
        timeout=timeout, cwd=cwd or ROOT, env=cli_env(env), stdin=subprocess.DEVNULL,
    )


def start_cli(*args: str, env: dict[str, str] | None = None, prelude: str = "",
              log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``loftterm ARGS`` in the background (``prelude``: Python run before the entry).

    Its stdout and stderr go to ``log`` (or nowhere): a killed process leaves no pipe behind.
    """
    code = f"{prelude}\nimport sys\nfrom loftterm.cli import main\nsys.exit(main(sys.argv[1:]))"
    out = open(log, "wb") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=out, stderr=out,
            stdin=subprocess.DEVNULL, cwd=ROOT, env=cli_env(env),
        )
    finally:
        if log is not None and not isinstance(out, int):
            out.close()


def write_config(path: Path, sections: dict[str, dict[str, Any]], **top: Any) -> Path:
    """Write a config file with the book beside it (``book.json``)."""
    data = {"book": "book.json", **top, "connectors": sections}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------- sandbox plumbing


def silence(server: SandboxServer) -> None:
    """Drop the traceback a handler prints when the client it answers was killed."""
    httpd = getattr(server, "_httpd", None)
    if httpd is not None:
        httpd.handle_error = lambda request, address: None


class AnswerTrap:
    """Withholds the answer to the ``nth`` wanted request after the sandbox processed it.

    The sandbox commits the request (a create, a page it served), then this blocks until
    :attr:`release` is set: the harness kills the client in between, so the remote holds a
    record the client never heard of, or a page the client never got.
    """

    def __init__(self, server: SandboxServer, want: Callable[[SandboxRequest], bool],
                 nth: int = 1) -> None:
        self.server = server
        self.want = want
        self.left = nth
        self.fired = threading.Event()
        self.release = threading.Event()
        self.request: SandboxRequest | None = None
        self._route = server._route

    def __enter__(self) -> AnswerTrap:
        def route(request: SandboxRequest) -> SandboxResponse:
            response = self._route(request)
            if not self.fired.is_set() and response.status < 300 and self.want(request):
                self.left -= 1
                if self.left <= 0:
                    self.request = request
                    self.fired.set()
                    self.release.wait(30)
            return response

        self.server._route = route  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server._route = self._route  # type: ignore[method-assign]


def kill_when(proc: subprocess.Popen[bytes], fired: threading.Event,
              limit: float = 120) -> tuple[bool, int | None]:
    """SIGKILL ``proc`` as soon as ``fired`` is set (or when it has run ``limit`` seconds)."""
    started = time.monotonic()
    while proc.poll() is None and not fired.wait(0.02):
        if time.monotonic() - started > limit:
            break
    return kill(proc)


def chaos_names(rng: random.Random, count: int) -> list[str]:
    """Distinct made-up two-word names no seed or generated contact resembles."""
    syllables = ("zor", "vex", "qua", "lin", "tar", "mok", "fep", "yul", "dax", "pri", "wom",
                 "gule", "sna", "bri", "ojo", "kel")
    names: set[str] = set()
    while len(names) < count:
        first = "".join(rng.choice(syllables) for _ in range(3)).capitalize()
        last = "".join(rng.choice(syllables) for _ in range(3)).capitalize()
        names.add(f"{first} {last}")
    return sorted(names)


# -------------------------------------------------------------------------------- results


@dataclass
class TrialResult:
    """What one kill-and-rerun trial found."""

    connector: str
    number: int
    mode: str  # "timer" or "after-write"
    delay: float
    killed: bool  # the sync was still running when it was killed
    killed_code: int | None
    corrupt: str
    rerun_code: int | None
    rerun_error: str
    duplicates: list[str]
    lost: list[str]
    faults: list[str]

    @property
    def ok(self) -> bool:
        """No corrupt book, the rerun converged, nothing duplicated or lost."""
        return not self.corrupt and self.rerun_code == 0 and not self.duplicates and not self.lost

    def describe(self) -> str:
        """One line for an assertion message."""
        return (f"{self.connector} trial {self.number} ({self.mode}, {self.delay:.2f}s, faults "
                f"{self.faults}): killed={self.killed} corrupt={self.corrupt!r} "
                f"rerun={self.rerun_code} {self.rerun_error!r} dup={self.duplicates[:3]} "
                f"lost={self.lost[:3]}")


@dataclass
class Totals:
    """Figures over many trials (what ``bench/chaos.py`` prints)."""

    trials: int = 0
    kills: int = 0
    duplicates: int = 0
    lost: int = 0
    corrupt: int = 0
    failed_reruns: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    bad: list[TrialResult] = field(default_factory=list)

    def add(self, result: TrialResult) -> None:
        """Count one trial."""
        self.trials += 1
        self.kills += int(result.killed)
        self.duplicates += len(result.duplicates)
        self.lost += len(result.lost)
        self.corrupt += int(bool(result.corrupt))
        self.failed_reruns += int(result.rerun_code != 0)
        self.faults.update(result.faults)
        if not result.ok:
            self.bad.append(result)


# -------------------------------------------------------------------------- the rigs


class Rig:
    """One connector's sandboxes, served from this process, and how to judge a trial."""

    name = ""
    agents = 12  # payable profiles each trial adds, which the sync must create remotely
    estimate = 2.0  # seconds an unkilled sync takes here, until :meth:`calibrate` measures it

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.pm = make_plugin_manager()
        self.info = ConnectorHooks(self.pm, self.name).info
        self.number = 0
        self.trial_dir = root
        self.agent_ids: list[str] = []
        self.before: set[str] = set()
        self.baseline: Counter[str] = Counter()
        self.trapped: SandboxRequest | None = None
        self.mark = 0  # the sandbox log's length when the killed sync was dead

    # -- lifecycle
    def start(self) -> None:
        """Start the sandboxes."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the sandboxes."""
        for server in self.servers():
            server.stop()

    def servers(self) -> list[Any]:
        """The running sandboxes."""
        raise NotImplementedError

    def reset(self) -> None:
        """Bring the remote back to its starting data (faults and replays forgotten)."""
        raise NotImplementedError

    def sections(self) -> dict[str, dict[str, Any]]:
        """The ``connectors`` config sections pointing at the sandboxes."""
        raise NotImplementedError

    def sync_args(self) -> list[str]:
        """The arguments of the killed sync and of the rerun."""
        return ["--sync", "--connector", self.name]

    def seed_book(self, path: Path) -> None:
        """Write the trial's starting book."""
        seed_demo_book(path, [s for s in self.sections() if s != "qbo"])
        book = Book.open(path)
        for n, name in enumerate(chaos_names(self.rng, self.agents), start=1):
            pid = f"X{self.number:03d}{n:02d}"
            first, last = name.split()
            book.put_profile(Profile(pid, "agent", ContactFields(
                name=name, first_name=first, last_name=last,
                email=f"{first}.{last}@chaos.example".lower())))
        book.save()

    def is_create(self, request: SandboxRequest) -> bool:
        """True for a request that creates remote contacts."""
        raise NotImplementedError

    def stamps_in(self, request: SandboxRequest) -> set[tuple[str, str]]:
        """(profile id, role) of each record a create request stamps with a profile id."""
        raise NotImplementedError

    def rerun_creates(self) -> list[SandboxRequest]:
        """The create requests the remote received after the kill (from the rerun)."""
        return [r for r in self.servers()[-1].server.log[self.mark:] if self.is_create(r)]

    # -- judging
    def remote_keys(self) -> Counter[str]:
        """Keys whose count above 1 means a duplicate (before the baseline is taken off)."""
        raise NotImplementedError

    def remote_mirror_keys(self) -> set[str]:
        """The mirror keys (``role:id``) of every record the remote holds."""
        raise NotImplementedError

    def stamped(self) -> dict[str, list[tuple[str, str]]]:
        """Profile id -> the (role, remote id) of records stamped with it."""
        raise NotImplementedError

    def must_exist(self, book: Book) -> list[str]:
        """Profiles whose remote records the sync had to create."""
        return [pid for pid in self.agent_ids if pid in book.profiles]

    def duplicates(self) -> list[str]:
        """Keys held by more records than at the trial's start."""
        now = self.remote_keys()
        return [f"{key} x{count}" for key, count in sorted(now.items())
                if count > 1 and count > self.baseline.get(key, 0)]

    def lost(self, book: Book) -> list[str]:
        """Everything the book lost or left unlinked."""
        out = [f"profile {pid} vanished" for pid in sorted(self.before - set(book.profiles))]
        mirror = set(book.remote[self.name])
        out += [f"{key} not pulled" for key in sorted(self.remote_mirror_keys() - mirror)]
        stamps = self.stamped()
        for pid in self.must_exist(book):
            for role in self.info.roles:
                link = book.link_of(pid, self.name, role)
                held = [rid for r, rid in stamps.get(pid, []) if r == role]
                if link is None:
                    out.append(f"{pid} has no {role} link (remote holds {held})")
                elif held != [link.remote_id]:
                    out.append(f"{pid} {role} linked to {link.remote_id}, stamped {held}")
        for pid, records in sorted(stamps.items()):
            for role, rid in records:
                if pid in book.profiles and book.linked_profile(self.name, role, rid) != pid:
                    out.append(f"{role} {rid} stamped {pid} is linked to nobody")
        return out

    # -- faults
    def inject(self) -> list[str]:
        """Queue one random fault for the killed run; return its kind (or nothing)."""
        raise NotImplementedError

    def spread(self) -> None:
        """Slow every answer a little so random kills land all over the run."""
        raise NotImplementedError

    def forget_replays(self) -> None:
        """Empty the remote's idempotency replay cache (it keeps keys minutes, cron is later)."""
        raise NotImplementedError

    def clear_faults(self) -> None:
        """Drop faults still queued."""
        for server in self.servers():
            server.server.faults.clear()

    # -- one trial
    def prepare(self) -> Path:
        """Fresh remote data and a fresh book + config; return the config file."""
        self.number += 1
        self.reset()
        self.trial_dir = self.root / f"trial-{self.number:03d}"
        if self.trial_dir.exists():
            shutil.rmtree(self.trial_dir)
        self.trial_dir.mkdir(parents=True)
        config = write_config(self.trial_dir / "loftterm.yaml", self.sections())
        self.seed_book(self.trial_dir / "book.json")
        book = Book.open(self.trial_dir / "book.json")
        self.before = set(book.profiles)
        self.agent_ids = sorted(p for p in book.profiles if p.startswith("X"))
        self.baseline = self.remote_keys()
        return config

    def calibrate(self) -> float:
        """Time one unkilled run on trial data: random kill delays are drawn up to it."""
        config = self.prepare()
        self.spread()
        started = time.monotonic()
        done = run_cli(*self.sync_args(), "--config", str(config))
        self.estimate = max(1.0, time.monotonic() - started)
        self.clear_faults()
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: the calibration sync failed: {done.stderr.strip()}")
        return self.estimate

    def trial(self, mode: str | None = None, nth: int = 0, fault: bool = True) -> TrialResult:
        """Run one trial (``mode``: ``timer``, ``after-write`` or None for a random one).

        ``nth``: in ``after-write`` mode, the create whose answer is withheld (0: random).
        ``fault``: queue one random fault too.
        """
        config = self.prepare()
        mode = mode or ("after-write" if self.rng.random() < 0.35 else "timer")
        faults = self.inject() if fault else []
        self.spread()
        args = [*self.sync_args(), "--config", str(config)]
        delay = self.rng.uniform(0.25, self.estimate * 1.1)
        killed, code = False, None
        if mode == "after-write":
            trap = AnswerTrap(self.servers()[-1].server, self.is_create, nth or self.rng.randint(1, 3))
            with trap:
                proc = start_cli(*args, log=self.trial_dir / "killed.log")
                started = time.monotonic()
                killed, code = kill_when(proc, trap.fired)
                delay = time.monotonic() - started
            self.trapped = trap.request
        else:
            proc = start_cli(*args, log=self.trial_dir / "killed.log")
            try:
                code = proc.wait(delay)
            except subprocess.TimeoutExpired:
                killed, code = kill(proc)
        self.mark = len(self.servers()[-1].server.log)
        faults.append(f"kill-{mode}" if killed else f"no-kill-{mode}")
        self.clear_faults()
        self.forget_replays()
        corrupt = ""
        try:
            Book.open(self.trial_dir / "book.json")
        except BookCorruptError as exc:
            corrupt = str(exc)
        rerun = run_cli(*args, "--json")
        said = (rerun.stderr.strip().splitlines() or [rerun.stdout.strip()[-300:]])[-1]
        error = said if rerun.returncode else ""
        try:
            book = Book.open(self.trial_dir / "book.json")
        except BookCorruptError as exc:
            return TrialResult(self.name, self.number, mode, delay, killed, code, str(exc),
                               rerun.returncode, error, [], ["the book is unreadable"], faults)
        return TrialResult(self.name, self.number, mode, delay, killed, code, corrupt,
                           rerun.returncode, error, self.duplicates(), self.lost(book), faults)


def kill(proc: subprocess.Popen[bytes]) -> tuple[bool, int | None]:
    """SIGKILL the process if it still runs; return (killed, exit code)."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    return running, proc.wait(30)


class XeroRig(Rig):
    """Xero: generated contacts over many small pages, creates in batches of 4."""

    name = "xero"
    estimate = 1.2

    def __init__(self, root: Path, seed: int, contacts: int = 120) -> None:
        super().__init__(root, seed)
        self.xero = XeroSandbox(contacts=contacts)

    def start(self) -> None:
        """Start the sandbox."""
        self.xero.start()
        silence(self.xero.server)

    def servers(self) -> list[Any]:
        """The running sandboxes."""
        return [self.xero]

    def reset(self) -> None:
        """Starting data again."""
        self.xero.reset()

    def sections(self) -> dict[str, dict[str, Any]]:
        """The Xero section: small pages and batches so the run has many steps."""
        return {"xero": {"enabled": True, **self.xero.connector_settings(), "page_size": 10,
                         "batch_size": 4, "retry_after_cap": 0.2}}

    def is_create(self, request: SandboxRequest) -> bool:
        """``PUT /Contacts`` (creates only)."""
        return request.method == "PUT" and request.path.endswith("/Contacts")

    def stamps_in(self, request: SandboxRequest) -> set[tuple[str, str]]:
        """The ContactNumbers sent."""
        return {(str(c.get("ContactNumber")), "contact")
                for c in request.json().get("Contacts", [])}

    def remote_keys(self) -> Counter[str]:
        """ContactNumber (loftterm's stamp) and active name."""
        with self.xero.server.lock:
            contacts = list(self.xero.contacts.values())
        keys: Counter[str] = Counter()
        for contact in contacts:
            if contact.get("ContactNumber"):
                keys[f"ContactNumber {contact['ContactNumber']}"] += 1
            if contact.get("ContactStatus", "ACTIVE") == "ACTIVE":
                keys[f"name {' '.join(str(contact.get('Name')).split()).lower()}"] += 1
        return keys

    def remote_mirror_keys(self) -> set[str]:
        """Every contact, archived included."""
        with self.xero.server.lock:
            return {f"contact:{cid}" for cid in self.xero.contacts}

    def stamped(self) -> dict[str, list[tuple[str, str]]]:
        """ContactNumber = profile id."""
        out: dict[str, list[tuple[str, str]]] = {}
        with self.xero.server.lock:
            for cid, contact in self.xero.contacts.items():
                number = str(contact.get("ContactNumber") or "")
                if number:
                    out.setdefault(number, []).append(("contact", cid))
        return out

    def inject(self) -> list[str]:
        """One of: nothing, 503s, a minute 429, a dropped connection, an expired token."""
        kind = self.rng.choice(["none", "server-error", "rate-limit", "drop", "expire-token",
                                "truncated"])
        x = self.xero
        if kind == "server-error":
            x.server_error(self.rng.choice([500, 502, 503]), times=self.rng.randint(1, 2),
                           path=self.rng.choice([r"/Contacts$", r"^/api\.xro/"]))
        elif kind == "rate-limit":
            x.rate_limit_minute(times=self.rng.randint(1, 3), retry_after=30)
        elif kind == "drop":
            x.server.faults.add(_fault("drop", r"/Contacts$"))
        elif kind == "expire-token":
            x.server.faults.add(_fault("expire_token", r"/Contacts$", skip=self.rng.randint(0, 5)))
        elif kind == "truncated":
            x.truncated(path=r"/Contacts$")
        return [] if kind == "none" else [kind]

    def spread(self) -> None:
        """30 ms more per API answer."""
        self.xero.slow(0.03, times=10**6)

    def forget_replays(self) -> None:
        """Idempotency-Keys forgotten (Xero keeps them minutes)."""
        with self.xero.server.lock:
            self.xero.idempotency.clear()


class QboRig(Rig):
    """QBO: a vendor and a customer per profile, writes through POST /batch, rotating tokens."""

    name = "qbo"
    agents = 4
    estimate = 1.8

    def __init__(self, root: Path, seed: int, contacts: int = 10) -> None:
        super().__init__(root, seed)
        self.qbo = QboSandbox(contacts=contacts)
        # rotating refresh tokens with Xero's grace period (QBO's own are strict): a kill during
        # a refresh must not end the trials; the strict case is test_tokens'
        self.qbo.issuer = TokenIssuer(QBO_CLIENT_ID, QBO_CLIENT_SECRET, grace_s=1800.0)

    def start(self) -> None:
        """Start the sandbox."""
        self.qbo.start()
        silence(self.qbo.server)

    def servers(self) -> list[Any]:
        """The running sandboxes."""
        return [self.qbo]

    def reset(self) -> None:
        """Starting data again (and a new refresh token for the new token file)."""
        self.qbo.reset()

    def sections(self) -> dict[str, dict[str, Any]]:
        """The QBO section: small pages and batches."""
        return {"qbo": {"enabled": True, **self.qbo.connector_settings(), "page_size": 15,
                        "batch_size": 4, "retry_after_cap": 0.2}}

    def is_create(self, request: SandboxRequest) -> bool:
        """A batch holding a create, or a single create (``POST /vendor`` without Id)."""
        if request.method != "POST" or not re.search(r"/(batch|vendor|customer)$", request.path):
            return False
        return bool(self.stamps_in(request))

    def stamps_in(self, request: SandboxRequest) -> set[tuple[str, str]]:
        """The stamps of the records created."""
        body = request.json()
        items = body.get("BatchItemRequest") if request.path.endswith("/batch") else [
            {"operation": "create" if not body.get("Id") else "update", "Vendor": body}]
        out = set()
        for item in items or []:
            if item.get("operation") != "create":
                continue
            for entity in ("Vendor", "Customer"):
                found = _qbo_stamp(entity, item.get(entity) or {})
                if found:
                    out.add((found, entity.lower()))
        return out

    def _rows(self) -> list[tuple[str, dict[str, Any]]]:
        with self.qbo.server.lock:
            return [(entity, row) for entity in ("Customer", "Vendor", "Employee")
                    for row in self.qbo.store.table(entity)]

    def remote_keys(self) -> Counter[str]:
        """The stamp (Vendor AcctNum, Customer Notes) per entity, and DisplayName."""
        keys: Counter[str] = Counter()
        for entity, row in self._rows():
            stamp = _qbo_stamp(entity, row)
            if stamp:
                keys[f"{entity} stamp {stamp}"] += 1
            keys[f"DisplayName {' '.join(str(row.get('DisplayName')).split()).casefold()}"] += 1
        return keys

    def remote_mirror_keys(self) -> set[str]:
        """Every customer, vendor and employee, inactive included."""
        return {f"{entity.lower()}:{row['Id']}" for entity, row in self._rows()}

    def stamped(self) -> dict[str, list[tuple[str, str]]]:
        """``loftterm:<profile id>`` in Vendor AcctNum / Customer Notes."""
        out: dict[str, list[tuple[str, str]]] = {}
        for entity, row in self._rows():
            stamp = _qbo_stamp(entity, row)
            if stamp:
                out.setdefault(stamp, []).append((entity.lower(), str(row["Id"])))
        return out

    def inject(self) -> list[str]:
        """One of: nothing, throttling, 5xx, a stale SyncToken, a lost write answer, 401."""
        kind = self.rng.choice(["none", "throttle", "server-error", "stale-synctoken",
                                "lost-answer", "expire-token"])
        q = self.qbo
        if kind == "throttle":
            q.throttle(times=self.rng.randint(1, 3))
        elif kind == "server-error":
            q.server_error(self.rng.choice([500, 502, 503]), times=self.rng.randint(1, 2))
        elif kind == "stale-synctoken":
            q.stale_next_write()
        elif kind == "lost-answer":
            q.fail_after_write(times=self.rng.randint(1, 2))
        elif kind == "expire-token":
            q.server.faults.add(_fault("expire_token", r"^/v3/", skip=self.rng.randint(0, 6)))
        return [] if kind == "none" else [kind]

    def spread(self) -> None:
        """Nothing: the client's pacing (10 calls a second) already spreads the run."""

    def forget_replays(self) -> None:
        """``requestid`` replays forgotten."""
        with self.qbo.server.lock:
            self.qbo.replays.clear()


def _qbo_stamp(entity: str, row: dict[str, Any]) -> str:
    raw = str(row.get("Notes" if entity == "Customer" else "AcctNum") or "")
    found = re.search(r"loftterm:(\S+)", raw)
    return found.group(1) if found else ""


class SortScapeRig(Rig):
    """SortScape after Xero: ledger customers flow in, one ``POST /contacts`` each.

    The book first syncs with Xero once (unkilled; kept as the starting book of every trial);
    each trial then kills ``--sync --connector sortscape``.
    """

    name = "sortscape"
    agents = 0
    estimate = 1.8

    def __init__(self, root: Path, seed: int, contacts: int = 60, ledger: int = 40) -> None:
        super().__init__(root, seed)
        self.xero = XeroSandbox(contacts=ledger)
        self.ss = SortScapeSandbox(contacts=contacts)
        self.golden: Path | None = None

    def start(self) -> None:
        """Start both sandboxes and sync the ledger once into the starting book."""
        self.xero.start()
        self.ss.start()
        silence(self.xero.server)
        silence(self.ss.server)
        start = self.root / "ledger"
        start.mkdir(parents=True, exist_ok=True)
        config = write_config(start / "loftterm.yaml", self.sections())
        seed_demo_book(start / "book.json", ["xero", "sortscape"])
        done = run_cli("--sync", "--connector", "xero", "--config", str(config))
        if done.returncode != 0:
            raise RuntimeError(f"the ledger sync failed: {done.stderr.strip()}")
        self.golden = start / "book.json"

    def servers(self) -> list[Any]:
        """Xero first, SortScape last (the trap goes on the last)."""
        return [self.xero, self.ss]

    def reset(self) -> None:
        """SortScape's starting data again (Xero keeps what the starting book links to)."""
        self.ss.reset()
        self.xero.server.faults.clear()

    def sections(self) -> dict[str, dict[str, Any]]:
        """Xero and SortScape (small pages)."""
        return {"xero": {"enabled": True, **self.xero.connector_settings()},
                "sortscape": {"enabled": True, **self.ss.connector_settings(), "page_size": 10}}

    def seed_book(self, path: Path) -> None:
        """The book synced with Xero."""
        assert self.golden is not None
        shutil.copyfile(self.golden, path)
        parts = self.golden.with_name(self.golden.name + ".parts")  # a book in parts (--parts)
        if parts.is_dir():
            shutil.copytree(parts, path.parent / parts.name)

    def is_create(self, request: SandboxRequest) -> bool:
        """``POST /contacts``."""
        return request.method == "POST" and request.path.endswith("/api/v1/contacts")

    def stamps_in(self, request: SandboxRequest) -> set[tuple[str, str]]:
        """The ``external_ref`` sent."""
        ref = str(request.json().get("external_ref") or "")
        return {(ref, "contact")} if ref else set()

    def _contacts(self) -> list[dict[str, Any]]:
        with self.ss.server.lock:
            return [dict(c) for c in self.ss.store.contacts.values()]

    def remote_keys(self) -> Counter[str]:
        """``external_ref`` (loftterm's stamp)."""
        return Counter(f"external_ref {c['external_ref']}" for c in self._contacts()
                       if c.get("external_ref"))

    def remote_mirror_keys(self) -> set[str]:
        """Every contact, archived included."""
        return {f"contact:{c['id']}" for c in self._contacts()}

    def stamped(self) -> dict[str, list[tuple[str, str]]]:
        """``external_ref`` = profile id."""
        out: dict[str, list[tuple[str, str]]] = {}
        for contact in self._contacts():
            if contact.get("external_ref"):
                out.setdefault(str(contact["external_ref"]), []).append(("contact", contact["id"]))
        return out

    def must_exist(self, book: Book) -> list[str]:
        """None by name: which ledger customers are created depends on what the pull finds."""
        return []

    def prepare(self) -> Path:
        """As for every rig, and note the ledger customers that must reach SortScape."""
        config = super().prepare()
        book = Book.open(self.trial_dir / "book.json")
        plan = fieldsync.plan_contacts(book, self.info, ["xero"])
        self.creates = sorted(source.profile.id for source in plan.creates)
        return config

    def lost(self, book: Book) -> list[str]:
        """As for every rig; and each ledger customer is linked or waits for review."""
        out = super().lost(book)
        plan = fieldsync.plan_contacts(book, self.info, ["xero"])
        out += [f"{s.profile.id} still to create" for s in plan.creates]
        reviewed = {str(p.get("profile_id")) for p in fieldsync.open_proposals(book, self.name)}
        for pid in self.creates:
            if book.link_of(pid, self.name, "contact") is None and pid not in reviewed:
                out.append(f"{pid} is neither in SortScape nor waiting for review")
        return out

    def inject(self) -> list[str]:
        """One of: nothing, 429, 5xx, a dropped connection, a lost write answer, bad JSON."""
        kind = self.rng.choice(["none", "rate-limit", "server-error", "drop", "lost-answer",
                                "malformed"])
        s = self.ss
        if kind == "rate-limit":
            s.rate_limit(times=self.rng.randint(1, 2), retry_after=1)
        elif kind == "server-error":
            s.server_error(self.rng.choice([500, 502, 503]), times=self.rng.randint(1, 2),
                           path=self.rng.choice([r"/contacts$", ""]))
        elif kind == "drop":
            s.drop(path=r"/contacts$")
        elif kind == "lost-answer":
            s.lose_answer(r"/contacts$", times=self.rng.randint(1, 2))
        elif kind == "malformed":
            s.malformed(path=r"/contacts$")
        return [] if kind == "none" else [kind]

    def spread(self) -> None:
        """20 ms more per SortScape answer."""
        self.ss.slow(0.02, times=10**6)

    def forget_replays(self) -> None:
        """Idempotency-Keys forgotten."""
        with self.ss.server.lock:
            self.ss._replays.clear()


@dataclass
class LaterFault(Fault):
    """A sandbox fault that lets ``skip`` matching requests pass before it fires."""

    skip: int = 0

    def matches(self, request: SandboxRequest) -> bool:
        """Match like a fault, once ``skip`` matching requests went by."""
        if not super().matches(request):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


def _fault(kind: str, path: str, skip: int = 0) -> LaterFault:
    return LaterFault(kind, path, skip=skip)


RIGS: dict[str, Callable[..., Rig]] = {"xero": XeroRig, "qbo": QboRig,
                                        "sortscape": SortScapeRig}


@contextmanager
def rig(name: str, root: Path, seed: int, *, calibrate: bool = True,
        **options: Any) -> Iterator[Rig]:
    """A started rig (calibrated: kill delays drawn over a measured run); stopped on exit."""
    made = RIGS[name](root, seed, **options)
    made.start()
    try:
        if calibrate:
            made.calibrate()
        yield made
    finally:
        made.stop()


def run_trials(names: Sequence[str], count: int, root: Path, seed: int = 7,
               on_trial: Callable[[TrialResult], None] | None = None) -> dict[str, Totals]:
    """Run ``count`` trials per connector; return the totals per connector."""
    totals: dict[str, Totals] = {}
    for offset, name in enumerate(names):
        total = totals.setdefault(name, Totals())
        with rig(name, root / name, seed + offset) as made:
            for _ in range(count):
                result = made.trial()
                total.add(result)
                if on_trial is not None:
                    on_trial(result)
    return totals


def summary(totals: dict[str, Totals]) -> dict[str, Any]:
    """The figures as plain data."""
    return {name: {"trials": t.trials, "kills": t.kills, "duplicates": t.duplicates,
                   "lost": t.lost, "corrupt": t.corrupt, "failed_reruns": t.failed_reruns,
                   "faults": dict(sorted(t.faults.items()))} for name, t in totals.items()}


