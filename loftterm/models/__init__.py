"""Records shared by the book, the engine and the connectors.

``fields`` holds the synced fields of a contact (and what change detection compares);
``records`` the records the book stores.  Import from ``loftterm.models``; connectors get the
ones they need through ``loftterm.api``.
"""

from loftterm.models.fields import (
    PAYABLE_KINDS,
    PROFILE_KINDS,
    SYNCED_FIELDS,
    Address,
    ContactFields,
    compact,
    comparable,
    phone_digits,
    raw_equal,
    to_decimal,
)
from loftterm.models.records import (
    Balance,
    Link,
    LinkMethod,
    LinkState,
    Profile,
    RemoteContact,
    RemoteStatus,
    Warning,
)

__all__ = [
    "PAYABLE_KINDS",
    "PROFILE_KINDS",
    "SYNCED_FIELDS",
    "Address",
    "Balance",
    "ContactFields",
    "Link",
    "LinkMethod",
    "LinkState",
    "Profile",
    "RemoteContact",
    "RemoteStatus",
    "Warning",
    "compact",
    "comparable",
    "phone_digits",
    "raw_equal",
    "to_decimal",
]
