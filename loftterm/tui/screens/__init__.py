"""The screens of the loftterm TUI."""
