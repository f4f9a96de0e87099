"""Built-in connectors, each a pluggy plugin registered through the loftterm.connectors entry points."""
