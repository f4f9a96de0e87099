"""The sync pipeline, one module per stage, in run order (``sync`` runs them).

``pull`` (the remote into the mirror) -> ``linking`` (recover, link, import, per role) ->
``pushing`` (create, then push changes) -> ``fieldsync`` (field-service apps: proposals, ledger
contacts) -> ``archiving`` -> ``balances`` -> ``materials`` (products into field-service apps)
-> ``diagnose`` (what the run found, as warnings).
"""
