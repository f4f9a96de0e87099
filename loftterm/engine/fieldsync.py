"""Field-service connectors (SortScape): what flows in from the ledgers, duplicate proposals.

Placeholder: the SortScape rules (issue 4) are implemented here.
"""

from __future__ import annotations

from loftterm.engine.runstate import RunState


def field_phase(rs: RunState) -> None:
    """Create field-service contacts for ledger customers, or propose links to existing ones."""
    return
