"""A loopback QuickBooks Online for the demo, the tests and the benchmarks."""

from .seed import COMPANY_NAME, REALM_ID, SEED_IDS
from .server import QboSandbox

__all__ = ["COMPANY_NAME", "REALM_ID", "SEED_IDS", "QboSandbox"]
