"""Run records: the state a run carries, its undo journal, plans applied later, and undo.

``runstate`` (carried from phase to phase), ``journal`` (every write with the values before
it), ``plan`` (a dry run written down, then applied exactly) and ``undo`` (a run reverted).
"""
