"""Batches: a batch file's documents posted to a ledger, each exactly once.

``post`` (sync first, then post in chunks), ``payees`` (who each document is paid to),
``results`` (what a batch did) and ``misplaced`` (the one-key fix of an agent's own link).
"""
