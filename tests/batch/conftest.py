"""Small in-memory books for the payee, balance and misplaced-link rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.models import Balance, ContactFields, Link, LinkMethod, Profile, RemoteContact
from loftterm.plugins import make_plugin_manager

XERO = ConnectorInfo(name="xero", title="Xero")
QBO = ConnectorInfo(name="qbo", title="QuickBooks Online", roles=("vendor", "customer"))


class BookMaker:
    """Builds profiles, mirrored records and links in one book."""

    def __init__(self, path: Path) -> None:
        self.book = Book(path)
        self.book.meta["book_id"] = "test"

    def profile(
        self, pid: str, kind: str, name: str, email: str = "", payable_to: str = "", **kw: object
    ) -> Profile:
        profile = Profile(
            pid,
            kind,
            ContactFields(name=name, email=email),
            payable_to=payable_to,
            **kw,  # type: ignore[arg-type]
        )
        self.book.put_profile(profile)
        return profile

    def remote(
        self,
        rid: str,
        name: str,
        ar: str = "0",
        ap: str = "0",
        currency: str = "AUD",
        *,
        connector: str = "xero",
        role: str = "contact",
        status: str = "active",
        email: str = "",
    ) -> RemoteContact:
        record = RemoteContact(
            rid,
            role,
            ContactFields(name=name, email=email),
            status,  # type: ignore[arg-type]
            balance=Balance(Decimal(ar), Decimal(ap), currency),
        )
        self.book.put_remote(connector, [record])
        return record

    def link(self, pid: str, rid: str, *, connector: str = "xero", role: str = "contact") -> None:
        self.book.put_link(Link(pid, connector, role, rid, LinkMethod.MANUAL))


@pytest.fixture
def maker(tmp_path: Path) -> BookMaker:
    return BookMaker(tmp_path / "book.json")


# --- the demo book over the Xero sandbox (integration) ---------------------------------------


def no_sleep(seconds: float) -> None:
    """Rate-limit waits are not slept in tests."""


@pytest.fixture
def demo(xero_demo: DemoEnvironment) -> DemoEnvironment:
    return xero_demo


@pytest.fixture
def console(demo: DemoEnvironment) -> BookConsole:
    return BookConsole(demo.config, make_plugin_manager(), sleep=no_sleep)


@pytest.fixture
def xero(demo: DemoEnvironment) -> XeroSandbox:
    sandbox = demo.sandboxes["xero"]
    assert isinstance(sandbox, XeroSandbox)
    return sandbox
