"""A loopback QuickBooks Online for the demo, the tests and the benchmarks."""

from .seed import ACCOUNT_IDS, COMPANY_NAME, REALM_ID, SEED_IDS
from .server import QboSandbox

__all__ = ["ACCOUNT_IDS", "COMPANY_NAME", "REALM_ID", "SEED_IDS", "QboSandbox"]
