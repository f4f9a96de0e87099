"""The Xero connector."""
