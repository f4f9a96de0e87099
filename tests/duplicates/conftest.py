"""An empty Xero sandbox on loopback, shared by the module and emptied for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.xero.sandbox import XeroSandbox
from tests.conftest import serving


@pytest.fixture(scope="module")
def empty_xero() -> Iterator[XeroSandbox]:
    yield from serving(XeroSandbox(seed=False))


@pytest.fixture
def sandbox(empty_xero: XeroSandbox) -> XeroSandbox:
    empty_xero.reset()
    return empty_xero
