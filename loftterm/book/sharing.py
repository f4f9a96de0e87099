"""Memory sharing at load: values a link's baseline repeats from its profile are kept once.

At 100k links about a third of a book's memory is baselines equal to their profile's fields;
pointing them at the profile's own strings (and one read-only blank address) saves it.  A
review's three columns mostly repeat one value three times: kept once too.
"""

from __future__ import annotations

import sys
from typing import Any

from loftterm.models import ContactFields


class _ReadOnlyDict(dict[str, str]):
    """A baseline's all-blank address, shared by every link that has one: read-only."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a shared baseline value is read-only; assign a new dict instead")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, str]]]:
        return dict, (dict(self),)  # copies are ordinary dicts


_BLANK_ADDRESS = {name: "" for name in ContactFields().billing.to_dict()}
_SHARED_BLANK_ADDRESS = _ReadOnlyDict(_BLANK_ADDRESS)
_TEXT_FIELDS = ("name", "first_name", "last_name", "email", "phone", "company")


def share_baseline(base: dict[str, Any], fields: ContactFields) -> None:
    """Point a loaded baseline's values at the equal ones of its profile (memory, not meaning)."""
    for name in _TEXT_FIELDS:
        value = base.get(name)
        if value is not None:
            own = getattr(fields, name)
            if value == own:
                base[name] = own
    for name in ("billing", "shipping"):
        if base.get(name) == _BLANK_ADDRESS:
            base[name] = _SHARED_BLANK_ADDRESS


def share_review_rows(review: dict[str, Any]) -> dict[str, Any]:
    """A loaded review with its three-column rows' equal values kept once (memory, not meaning).

    Each row (``field``, ``left``, ``proposed``, ``right``) is read as strings of its own: at
    100k, 31k reviews of six rows held ~70 MB, most of it the same name three times over.
    """
    rows = review.get("fields")
    if isinstance(rows, list):
        review["fields"] = [_shared_row(row) if isinstance(row, dict) else row for row in rows]
    return review


def _shared_row(row: dict[str, Any]) -> dict[str, Any]:
    left = row.get("left")
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, str):
            value = sys.intern(value) if key == "field" else left if value == left else value
        out[sys.intern(key) if isinstance(key, str) else key] = value
    return out
