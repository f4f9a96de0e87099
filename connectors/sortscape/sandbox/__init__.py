"""SortScape's loopback sandbox: the REST interface of ``API.md`` with demo data and faults."""

from .server import DEMO_KEY, PREFIX, SortScapeSandbox
from .store import ApiFault

__all__ = ["DEMO_KEY", "PREFIX", "ApiFault", "SortScapeSandbox"]
