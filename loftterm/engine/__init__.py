"""The sync engine: plans and runs the pipeline over the book and one connector's hooks.

``pipeline/`` the sync's stages in run order, ``decide/`` what a person decides, ``runs/`` run
records (journal, plans, undo), ``batch/`` posting a batch.  The loose modules are the rules the
stages share: ``planner`` (what to link, create, update, import), ``plausible`` (candidates
before a write), ``baseline`` (the agreed value of synced fields), ``context`` (a connector's
context for one run).
"""
