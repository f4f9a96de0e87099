"""The book's index of profiles by email (``Book.profiles_with_email``)."""

from __future__ import annotations

from collections.abc import Iterable


def email_key(email: str) -> str:
    """An email as the book compares and indexes it (``profiles_with_email``)."""
    key = email.strip().lower()
    return email if key == email else key  # the same string, not a copy (index memory)


class EmailIndex:
    """Email key -> the id of the one profile with it, or a set where several share it.

    A set per email cost ~20 MB at 100k profiles, nearly all of them alone.  An id may stay
    under an email its profile no longer has (an edit in place does not say what the email
    was): readers check the profile.
    """

    def __init__(self) -> None:
        self._ids: dict[str, str | set[str]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def clear(self) -> None:
        """Forget every email."""
        self._ids.clear()

    def add(self, email: str, profile_id: str) -> None:
        """Index a profile under its email."""
        key = email_key(email)
        known = self._ids.get(key)
        if known is None or known == profile_id:
            self._ids[key] = profile_id
        elif isinstance(known, set):
            known.add(profile_id)
        else:
            self._ids[key] = {known, profile_id}

    def discard(self, email: str, profile_id: str) -> None:
        """Take a profile out from under an email (nothing when it is not there)."""
        key = email_key(email)
        known = self._ids.get(key)
        if known == profile_id:
            del self._ids[key]
        elif isinstance(known, set):
            known.discard(profile_id)
            if len(known) == 1:
                self._ids[key] = known.pop()

    def ids(self, key: str) -> Iterable[str]:
        """The profile ids indexed under an email key (:func:`email_key`)."""
        known = self._ids.get(key, ())
        return (known,) if isinstance(known, str) else known
