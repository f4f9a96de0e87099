"""The sync engine: plans and runs the pipeline over the book and one connector's hooks."""
