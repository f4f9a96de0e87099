"""Batches: posting a batch file's documents to a ledger, each exactly once."""
