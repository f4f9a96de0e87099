"""loftterm: a terminal console for a contact book linked to ledgers and field-service apps."""

__version__ = "0.1.0"
