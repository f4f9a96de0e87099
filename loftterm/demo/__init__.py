"""``loftterm --demo``: every installed connector's sandbox on 127.0.0.1 and a scratch book.

No account is needed: the sandboxes speak the real protocols over loopback, seeded with the data
the demo book's profiles were written against.  The core never imports a connector: sandboxes
come through the ``loftterm_connector_sandbox`` hook.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pluggy
import yaml

from loftterm.book import Book
from loftterm.book.book import now_iso
from loftterm.config import Config, config_from_mapping
from loftterm.connector import DemoSandbox
from loftterm.models import Address, ContactFields, Link, LinkMethod, Profile
from loftterm.plugins import ConnectorHooks, installed_connectors


@dataclass
class DemoEnvironment:
    """Running sandboxes, the demo config and the scratch folder; ``close()`` stops everything."""

    config: Config
    sandboxes: dict[str, DemoSandbox]
    workdir: Path
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def close(self) -> None:
        """Stop the sandboxes and delete a temporary scratch folder."""
        for sandbox in self.sandboxes.values():
            sandbox.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def demo_profiles() -> list[dict[str, Any]]:
    """Return the demo book's profiles as written in ``profiles.yaml``."""
    text = resources.files("loftterm.demo").joinpath("profiles.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return list(data["profiles"])


def seed_demo_book(path: Path, connectors: list[str]) -> Book:
    """Write the demo profiles (and their preset links) into a new book."""
    book = Book.open(path)
    for entry in demo_profiles():
        fields = ContactFields(
            name=entry["name"],
            first_name=entry.get("first_name", ""),
            last_name=entry.get("last_name", ""),
            email=entry.get("email", ""),
            phone=entry.get("phone", ""),
            billing=Address.from_dict(entry.get("billing")),
            shipping=Address.from_dict(entry.get("shipping")),
        )
        book.put_profile(
            Profile(
                id=entry["id"],
                kind=entry["kind"],
                fields=fields,
                payable_to=entry.get("payable_to", ""),
                sync_disabled=list(entry.get("sync_disabled", [])),
                origin="demo",
                updated_at=now_iso(),
            )
        )
        for connector, remote_id in (entry.get("links") or {}).items():
            if connector in connectors:
                book.put_link(
                    Link(
                        entry["id"],
                        connector,
                        "contact",
                        remote_id,
                        LinkMethod.MANUAL,
                        1.0,
                        now_iso(),
                    )
                )
    book.save()
    return book


def start_demo(
    pm: pluggy.PluginManager,
    workdir: Path | None = None,
    *,
    contacts: int = 0,
    only: tuple[str, ...] = (),
) -> DemoEnvironment:
    """Start every installed connector's sandbox and build the demo config and book.

    :param pm: the plugin manager (connectors come from its entry points).
    :param workdir: where the book and tokens go; a temporary folder (deleted on close) if None.
    :param contacts: extra generated contacts per sandbox (benchmarks).
    :param only: restrict to these connectors.
    """
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="loftterm-demo-")
        workdir = Path(tmp.name)
    sandboxes: dict[str, DemoSandbox] = {}
    section: dict[str, Any] = {}
    try:
        # ledgers first (a field-service app takes its customers from them), Xero leading
        installed = installed_connectors(pm)
        order = sorted(installed, key=lambda n: (installed[n].kind != "ledger", n != "xero", n))
        for name in order:
            if only and name not in only:
                continue
            sandbox = ConnectorHooks(pm, name).call(
                "loftterm_connector_sandbox", options={"seed": True, "contacts": contacts}
            )
            if sandbox is None:
                continue
            sandbox.start()
            sandboxes[name] = sandbox
            section[name] = {"enabled": True, **sandbox.connector_settings()}
        book_path = workdir / "book.json"
        config = config_from_mapping(
            {"book": str(book_path), "connectors": section}, pm, base_dir=workdir, source="<demo>"
        )
        if not book_path.exists():
            seed_demo_book(book_path, list(sandboxes))
    except BaseException:
        for sandbox in sandboxes.values():
            sandbox.stop()
        if tmp is not None:
            tmp.cleanup()
        raise
    return DemoEnvironment(config, sandboxes, workdir, tmp)
