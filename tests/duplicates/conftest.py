"""An empty Xero sandbox on loopback, shared by the module and emptied for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.xero.sandbox import XeroSandbox


@pytest.fixture(scope="module")
def empty_xero() -> Iterator[XeroSandbox]:
    box = XeroSandbox(seed=False)
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def sandbox(empty_xero: XeroSandbox) -> XeroSandbox:
    empty_xero.reset()
    return empty_xero
