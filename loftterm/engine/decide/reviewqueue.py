"""The one review queue's shared shape: review ids and the fields its three columns show.

Field-service link proposals (``engine/pipeline/fieldsync``) and held creates and imports
(``engine/decide/holds``) are stored side by side in ``book.proposals`` under these ids.
"""

from __future__ import annotations

#: The contact fields a review shows (and SortScape keeps in sync once linked).
PROPOSAL_FIELDS = ("name", "first_name", "last_name", "email", "phone", "company")


def proposal_id(connector: str, profile_id: str, remote_id: str) -> str:
    """The stable id of the review of one (profile, remote record) pair."""
    return f"{connector}:{profile_id}:{remote_id}"
