"""The SortScape connector."""
