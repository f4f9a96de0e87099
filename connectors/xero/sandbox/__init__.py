"""The Xero sandbox: a loopback Xero organisation for the demo, the tests and the benchmarks."""

from connectors.xero.sandbox.server import CLIENT_ID, CLIENT_SECRET, XeroSandbox

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "XeroSandbox"]
