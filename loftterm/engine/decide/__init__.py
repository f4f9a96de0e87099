"""What a person decides: links by hand, reviews, held writes, merges and why a link stands.

``actions`` (link, unlink, search), ``decisions`` (remembered for good), ``reviewqueue``,
``review`` and ``holds`` (the one review queue), ``merge`` (merging profiles), ``merged``
(contacts merged remotely), ``explain`` (the evidence), ``states`` (what a link shows) and
``pending`` (what the next sync will touch).
"""
