"""The QuickBooks Online connector."""
