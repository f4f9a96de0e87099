"""The Xero connector's hook implementations (placeholder until the connector lands)."""

from loftterm.api import ConnectorInfo, hookimpl


@hookimpl
def loftterm_connector_info() -> ConnectorInfo:
    """Describe the connector."""
    return ConnectorInfo(name="xero", title="Xero")
