"""Reusable widgets of the loftterm TUI."""
